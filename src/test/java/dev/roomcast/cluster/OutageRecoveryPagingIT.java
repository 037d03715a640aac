package dev.roomcast.cluster;

import dev.roomcast.broker.RedisKeys;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pub/sub outage over rooms that each missed more than one recovery page (half of outbound-max-bytes of data,
 * 128 KiB here): every member, on both nodes, receives every missed message once and in order, then those
 * published while the nodes reconnected and recovered, then live ones; each node read the gaps in pages, at most
 * 8 rooms at a time. Before, each room's whole gap was read and delivered in one reply, every room at once
 * (up to history.size x max-message-size, 64 MiB, per room).
 */
class OutageRecoveryPagingIT {

    private static final int ROOMS = 12;
    /** Missed messages per room, of ~10 KB each: 200 KB, two pages of 128 KiB and within one member's queue. */
    private static final int MISSED = 20;
    private static final int DURING = 3;
    private static final String PAD = "x".repeat(10_000);

    @Test
    void everyMemberGetsEveryMissedMessageOnceInOrderThenLiveOnes() {
        RedisKeys keys = new RedisKeys("rc");
        try (RedisServer redis = RedisServer.start();
             AppInstance a = ClusterNode.on("paging-a", redis).config("roomcast.limits.outbound-max-bytes", "262144").start();
             AppInstance b = ClusterNode.on("paging-b", redis).config("roomcast.limits.outbound-max-bytes", "262144").start()) {
            List<String> rooms = IntStream.range(0, ROOMS).mapToObj(i -> "paged-" + i).toList();
            List<WsClient> members = new ArrayList<>();
            List<WsClient> publishers = new ArrayList<>();
            for (String room : rooms) {
                WsClient member = WsClient.connect(a.wsUrl("user=m-" + room));
                member.join(room);
                members.add(member);
                WsClient publisher = WsClient.connect(b.wsUrl("user=p-" + room)); // a member on the other node too
                publisher.join(room);
                publishers.add(publisher);
            }
            int seq = 0;
            for (int i = 0; i < ROOMS; i++) {
                publish(publishers.get(i), rooms.get(i), seq);
            }
            seq++;
            for (int i = 0; i < ROOMS; i++) {
                WsClient member = members.get(i);
                String room = rooms.get(i);
                await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(member, room).seqs().size() == 1);
            }

            // What both nodes miss: stored in each stream as the publish script stores it, never published.
            for (String room : rooms) {
                for (int m = 0; m < MISSED; m++) {
                    redis.call("XADD", keys.stream(room), "*", "t", Long.toString(System.currentTimeMillis()),
                            "f", "ghost", "d", "{\"s\":" + (seq + m) + ",\"pad\":\"" + PAD + "\"}");
                }
            }
            seq += MISSED;
            redis.call("CLIENT", "KILL", "TYPE", "pubsub");
            // Published while the nodes reconnect and recover: held or recovered, delivered once either way.
            for (int m = 0; m < DURING; m++) {
                for (int i = 0; i < ROOMS; i++) {
                    publish(publishers.get(i), rooms.get(i), seq);
                }
                seq++;
            }
            for (AppInstance n : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    MetricsScrape m = MetricsScrape.of(n.get("/q/metrics"));
                    assertThat(m.value("roomcast_redis_gap_recovery_pages_total")).as("pages on %s", n.name())
                            .isGreaterThanOrEqualTo(2 * ROOMS);
                    assertThat(m.value("roomcast_broker_subscriber_up")).as("caught up on %s", n.name()).isEqualTo(1);
                    assertThat(m.value("roomcast_redis_gap_rooms")).isZero();
                });
                assertThat(n.logTail(500)).contains("recovering " + ROOMS + " rooms after reconnect, 8 at a time");
            }
            for (int i = 0; i < ROOMS; i++) {
                publish(publishers.get(i), rooms.get(i), seq);
            }
            seq++;

            List<Integer> expected = IntStream.range(0, seq).boxed().toList();
            for (int i = 0; i < ROOMS; i++) {
                String room = rooms.get(i);
                for (WsClient c : List.of(members.get(i), publishers.get(i))) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> c.isClosed()
                            || Received.in(c, room).seqs().size() >= expected.size());
                    assertThat(c.isClosed()).as("%s closed (%s)", c.user(), c.closeReason()).isFalse();
                    assertThat(Received.in(c, room).seqs()).as("received by %s", c.user())
                            .containsExactlyElementsOf(expected);
                }
            }
            for (AppInstance n : List.of(a, b)) {
                MetricsScrape m = MetricsScrape.of(n.get("/q/metrics"));
                assertThat(m.value("roomcast_redis_gap_recovered_messages_total")).as("recovered on %s", n.name())
                        .isGreaterThanOrEqualTo(ROOMS * MISSED);
            }
            members.forEach(WsClient::close);
            publishers.forEach(WsClient::close);
        }
    }

    private static void publish(WsClient publisher, String room, int seq) {
        assertThat(publisher.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":" + seq + "}}")
                .path("type").asText()).isEqualTo("ack");
    }
}
