package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's offsets are never evidence about the shared history: crafted {@code since} values with the
 * room's current epoch (ahead of the stream, behind it, between entries) give that client
 * {@code recovered:false} and leave the epoch alone, so honest clients still recover. Two nodes on a
 * real Redis; the attacker on one, the honest client on the other.
 */
class EpochIntegrityIT {

    @Test
    void craftedJoinsChangeNothingSharedAndHonestClientsStillRecover() {
        try (RedisServer redis = RedisServer.start();
             AppInstance a = node("epoch-a", redis);
             AppInstance b = node("epoch-b", redis)) {
            String room = "doc-7";
            String epoch;
            String lastSeen;
            try (WsClient honest = WsClient.connect(b.wsUrl("user=honest"))) {
                epoch = honest.join(room).path("epoch").asText();
                lastSeen = publish(honest, room, 3).get(2);
            }

            try (WsClient attacker = WsClient.connect(a.wsUrl("user=mallory"))) {
                long now = System.currentTimeMillis();
                long latestMs = Long.parseLong(lastSeen.substring(0, lastSeen.indexOf('-')));
                List<String> crafted = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    crafted.add(switch (i % 5) {
                        case 0 -> (now + 30_000 + i) + "-0";   // the future, within the clock tolerance
                        case 1 -> (now - 500) + "-" + i;        // just now: newer than the newest entry
                        case 2 -> (latestMs + 1) + "-0";        // just after the newest entry
                        case 3 -> lastSeen.substring(0, lastSeen.indexOf('-')) + "-" + (1000 + i); // same ms, later seq
                        default -> "1-" + i;                     // long before the stream began
                    });
                }
                for (String since : crafted) {
                    JsonNode ack = attacker.request("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":\"" + since
                            + "\",\"epoch\":\"" + epoch + "\"}");
                    assertThat(ack.path("type").asText()).as("join since %s", since).isEqualTo("ack");
                    assertThat(ack.path("recovered").asBoolean()).as("recovered for since %s", since).isFalse();
                    assertThat(ack.path("epoch").asText()).as("epoch after since %s", since).isEqualTo(epoch);
                    assertThat(attacker.request("{\"type\":\"leave\",\"room\":\"" + room + "\"}").path("type").asText())
                            .isEqualTo("ack");
                }
            }
            assertThat(redis.call("GET", "rc:{" + room + "}:epoch")).as("the room's epoch in Redis").isEqualTo(epoch);
            for (AppInstance n : List.of(a, b)) {
                assertThat(MetricsScrape.of(n.get("/q/metrics")).value("roomcast_history_epoch_rotations_total"))
                        .as("rotations on %s", n.name()).isZero();
                assertThat(n.logTail(400)).as("log of %s", n.name()).doesNotContain("new epoch").doesNotContain("replaced by");
            }

            // Meanwhile the room goes on; the honest client comes back and recovers exactly what it missed.
            List<String> missed;
            try (WsClient publisher = WsClient.connect(a.wsUrl("user=publisher"))) {
                publisher.join(room);
                missed = publish(publisher, room, 4);
            }
            try (WsClient honest = WsClient.connect(b.wsUrl("user=honest"))) {
                JsonNode ack = honest.request("{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":\"" + lastSeen
                        + "\",\"epoch\":\"" + epoch + "\"}");
                assertThat(ack.path("recovered").asBoolean()).as("the honest client's recovery").isTrue();
                for (String offset : missed) {
                    assertThat(honest.awaitType("message").path("offset").asText()).isEqualTo(offset);
                }
                // and a fresh client on the attacker's node can join, publish and receive
                try (WsClient fresh = WsClient.connect(a.wsUrl("user=fresh"))) {
                    fresh.join(room);
                    fresh.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":99}}");
                    assertThat(fresh.awaitType("message").path("data").path("s").asInt()).isEqualTo(99);
                    assertThat(honest.awaitType("message").path("data").path("s").asInt()).isEqualTo(99);
                }
            }
        }
    }

    private static List<String> publish(WsClient c, String room, int n) {
        List<String> offsets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            c.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":" + i + "}}");
            offsets.add(c.awaitType("message").path("offset").asText());
        }
        return offsets;
    }

    private static AppInstance node(String name, RedisServer redis) {
        return AppInstance.builder().name(name).config("quarkus.redis.hosts", redis.uri()).start();
    }
}
