package dev.roomcast.cluster;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of one master that never met another node (all 16384 slots on it): its CLUSTER SLOTS entry has
 * an empty host, and the shard subscriber must use the seed's host (bench/cluster.sh's 1-shard run found every join
 * closed with 1013 before).
 */
class LoneMasterClusterIT {

    @Test
    void aLoneMasterClusterCarriesRoomsAndDirectMessages() {
        try (RedisServer master = RedisServer.startClusterNode("lone-master", Duration.ofSeconds(1))) {
            master.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> String.valueOf(master.call("CLUSTER", "INFO")).contains("cluster_state:ok"));
            try (AppInstance app = AppInstance.builder().name("lone")
                    .config("quarkus.redis.hosts", "redis://127.0.0.1:" + master.port())
                    .config("quarkus.redis.client-type", "cluster")
                    .config("roomcast.node-id", "lone").start();
                 WsClient alice = WsClient.connect(app.wsUrl("user=alice"));
                 WsClient bob = WsClient.connect(app.wsUrl("user=bob"))) {
                alice.join("team");
                bob.join("team");
                alice.request("{\"type\":\"publish\",\"room\":\"team\",\"data\":{\"n\":1}}");
                assertThat(bob.awaitType("message").path("data").path("n").asInt()).isEqualTo(1);
                assertThat(bob.request("{\"type\":\"send\",\"to\":\"alice\",\"data\":\"hi\"}").path("type").asText())
                        .isEqualTo("ack");
                assertThat(alice.awaitType("direct").path("from").asText()).isEqualTo("bob");
            }
        }
    }
}
