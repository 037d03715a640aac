package dev.roomcast.cluster;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** roomcast.users.single-session=true refuses a user's second connection anywhere in the cluster. */
class SingleSessionIT {

    @Test
    void secondConnectionOnAnotherInstanceIsRefused() {
        try (RedisServer redis = RedisServer.start();
             AppInstance a = ClusterNode.on("single-a", redis).config("roomcast.users.single-session", "true").start();
             AppInstance b = ClusterNode.on("single-b", redis).config("roomcast.users.single-session", "true").start()) {
            try (WsClient first = WsClient.connect(a.wsUrl("user=zoe"))) {
                first.join("r");
                WsClient second = WsClient.open(b.wsUrl("user=zoe"), java.util.Map.of(), java.util.List.of());
                assertThat(second.awaitClose(Duration.ofSeconds(10))).isEqualTo(4009);
                assertThat(second.pending("welcome")).isEmpty();
                first.request("{\"type\":\"publish\",\"room\":\"r\",\"data\":1}");
                assertThat(first.awaitType("message")).isNotNull(); // the first one is untouched
            }
            // Once the first connection is gone, the user may connect again, on any instance.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (WsClient again = WsClient.connect(b.wsUrl("user=zoe"))) {
                    again.join("r");
                }
            });
        }
    }
}
