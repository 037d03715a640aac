package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.broker.RedisKeys;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's pub/sub outage during which a room got more messages than its history keeps: what the node missed is
 * partly trimmed from the stream, so its members there cannot get it live. They must be told, not skipped past the
 * gap: each is closed with 4011 (insufficient state) before anything after the gap reaches it, and its rejoin with
 * {@code since} answers {@code recovered: false}. A room whose history still reaches back recovers as always, its
 * members untouched. Before, the node delivered the retained tail and its members never learnt of the hole.
 */
class TrimmedGapIT {

    private static final int HISTORY = 10;

    @Test
    void membersOfARoomWhoseGapWasTrimmedAreClosedToRecoverTheOthersKeepEverything() {
        RedisKeys keys = new RedisKeys("rc");
        try (RedisServer redis = RedisServer.start();
             AppInstance node = ClusterNode.on("trimmed", redis).config("roomcast.history.size", Integer.toString(HISTORY))
                     .start()) {
            WsClient trimmedMember = WsClient.connect(node.wsUrl("user=t-member"));
            trimmedMember.join("trimmed");
            WsClient intactMember = WsClient.connect(node.wsUrl("user=i-member"));
            intactMember.join("intact");
            WsClient trimmedPublisher = WsClient.connect(node.wsUrl("user=t-publisher"));
            trimmedPublisher.join("trimmed");
            WsClient intactPublisher = WsClient.connect(node.wsUrl("user=i-publisher"));
            intactPublisher.join("intact");
            publish(trimmedPublisher, "trimmed", 0);
            publish(intactPublisher, "intact", 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(trimmedMember, "trimmed").seqs().size() == 1
                    && Received.in(intactMember, "intact").seqs().size() == 1);
            JsonNode first = trimmedMember.pending("message").get(0);

            // Missed by the node: 3 × the history in one room (the stream trims as the publish script does), 3 in
            // the other; stored, never published.
            store(redis, keys.stream("trimmed"), 1, 3 * HISTORY);
            store(redis, keys.stream("intact"), 1, 3);
            redis.call("CLIENT", "KILL", "TYPE", "pubsub");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                MetricsScrape m = MetricsScrape.of(node.get("/q/metrics"));
                assertThat(m.value("roomcast_redis_gap_recovery_pages_total")).isGreaterThanOrEqualTo(2);
                assertThat(m.value("roomcast_redis_gap_rooms")).isZero();
            });

            for (WsClient c : List.of(trimmedMember, trimmedPublisher)) {
                assertThat(c.awaitClose(Duration.ofSeconds(10))).as(c.user()).isEqualTo(CloseCodes.INSUFFICIENT_STATE);
                assertThat(c.closeReason()).isEqualTo("insufficient state");
                assertThat(Received.in(c, "trimmed").seqs()).as("nothing after the hole").containsExactly(0);
            }

            publish(intactPublisher, "intact", 4);
            await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(intactMember, "intact").seqs().size() == 5);
            assertThat(Received.in(intactMember, "intact").seqs()).containsExactly(0, 1, 2, 3, 4);
            assertThat(intactMember.isClosed()).isFalse();

            // The client's recovery: rejoin with what it had; told that the history no longer reaches it.
            WsClient back = WsClient.connect(node.wsUrl("user=t-member"));
            JsonNode ack = back.request("{\"type\":\"join\",\"room\":\"trimmed\",\"since\":\"" + first.path("offset").asText()
                    + "\",\"epoch\":\"" + first.path("epoch").asText() + "\"}");
            assertThat(ack.path("type").asText()).isEqualTo("ack");
            assertThat(ack.path("recovered").asBoolean()).isFalse();

            MetricsScrape m = MetricsScrape.of(node.get("/q/metrics"));
            assertThat(m.value("roomcast_server_closes_total", Map.of("code", "4011"))).isEqualTo(2);
            List.of(intactPublisher, intactMember, back).forEach(WsClient::close);
        }
    }

    /** Stores messages {@code from}..{@code from + count - 1} in the stream, trimmed to the history's size. */
    private static void store(RedisServer redis, String stream, int from, int count) {
        IntStream.range(from, from + count).forEach(s -> redis.call("XADD", stream, "MAXLEN", Integer.toString(HISTORY),
                "*", "t", Long.toString(System.currentTimeMillis()), "f", "ghost", "d", "{\"s\":" + s + "}"));
    }

    private static void publish(WsClient publisher, String room, int seq) {
        assertThat(publisher.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":" + seq + "}}")
                .path("type").asText()).isEqualTo("ack");
    }
}
