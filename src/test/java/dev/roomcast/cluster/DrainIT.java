package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful drain on SIGTERM, two packaged nodes on one Redis: the drained node turns readiness DOWN and
 * refuses new upgrades at once, keeps serving its connections and closes them with 1012 spread over
 * {@code roomcast.drain.window}, then exits; its clients reconnect to the other node with since/epoch
 * and every acknowledged message reaches every one of them, in order, once — including the messages
 * acknowledged by the drained node itself up to its publisher's close.
 */
class DrainIT {

    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final int CLIENTS = 20;

    @Test
    void sigtermDrainsWith1012SpreadOverTheWindowAndLosesNothingAcknowledged() throws Exception {
        try (RedisServer redis = RedisServer.start();
             AppInstance a = AppInstance.builder().name("drain-a")
                     .config("quarkus.redis.hosts", redis.uri())
                     .config("roomcast.node-id", "drain-a")
                     .config("roomcast.drain.window", WINDOW.toMillis() + "ms")
                     .start();
             AppInstance b = ClusterNode.start("drain-b", redis);
             ReadinessRecorder readyA = new ReadinessRecorder(a.httpUrl())) {

            List<WsClient> victims = new ArrayList<>();
            String epoch = null;
            for (int i = 0; i < CLIENTS; i++) {
                WsClient c = WsClient.connect(a.wsUrl("user=d" + i));
                epoch = c.join("doc").path("epoch").asText();
                victims.add(c);
            }
            WsClient publisherOnB = WsClient.connect(b.wsUrl("user=editor-b"));
            publisherOnB.join("doc");
            SteadyPublisher onB = new SteadyPublisher(publisherOnB, "doc", Duration.ofMillis(10));
            WsClient publisherOnA = WsClient.connect(a.wsUrl("user=editor-a"));
            publisherOnA.join("doc");
            Set<Integer> ackedByA = ConcurrentHashMap.newKeySet();
            Thread onA = publishUntilClosed(publisherOnA, ackedByA);
            await().atMost(Duration.ofSeconds(10)).until(() -> onB.ackedCount() >= 30 && ackedByA.size() >= 30);

            long sigterm = System.nanoTime();
            a.sigterm();
            // New upgrades are refused at once, while the old connections are still being served.
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> WsClient.upgradeStatus(a.wsUrl("user=late"), Map.of(), List.of()) == 503);
            long refusedAfter = System.nanoTime();
            assertThat(victims.stream().filter(WsClient::isClosed).count())
                    .as("connections still open when upgrades are already refused").isLessThan(CLIENTS);

            List<Long> closeOffsetsMs = new ArrayList<>();
            for (WsClient v : victims) {
                assertThat(v.awaitClose(WINDOW.plusSeconds(10))).as("close code of %s", v.user()).isEqualTo(1012);
                closeOffsetsMs.add(TimeUnit.NANOSECONDS.toMillis(v.closedAtNanos() - sigterm));
            }
            assertThat(publisherOnA.awaitClose(WINDOW.plusSeconds(10))).isEqualTo(1012);
            onA.join(15_000);
            int exit = a.awaitExit(WINDOW.plusSeconds(15));
            long exitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
            closeOffsetsMs.sort(null);
            long first = closeOffsetsMs.get(0), last = closeOffsetsMs.get(CLIENTS - 1);
            System.out.printf("drain: upgrades refused after %d ms; %d clients closed with 1012 between %d and %d ms "
                            + "after SIGTERM (window %d ms): %s; process exited after %d ms (code %d); readiness %s%n",
                    TimeUnit.NANOSECONDS.toMillis(refusedAfter - sigterm), CLIENTS, first, last, WINDOW.toMillis(),
                    closeOffsetsMs, exitedMs, exit, readyA.transitions());

            // Readiness went DOWN (503) before the process went away (-1).
            List<Integer> transitions = readyA.transitions();
            assertThat(transitions).startsWith(200).contains(503);
            assertThat(transitions.indexOf(503)).isLessThan(Math.max(transitions.indexOf(-1), transitions.size()));
            // Spread over the window: neither all at once nor late.
            long windowMs = WINDOW.toMillis();
            assertThat(last - first).as("spread of the closes").isGreaterThanOrEqualTo(windowMs * 6 / 10);
            assertThat(last).as("last close").isLessThan(windowMs + 1_500);
            for (int third = 0; third < 3; third++) {
                long from = first + (last - first) * third / 3, to = first + (last - first) * (third + 1) / 3;
                long inThird = closeOffsetsMs.stream().filter(t -> t >= from && t <= to).count();
                assertThat(inThird).as("closes in third %d of the spread", third).isBetween(3L, (long) CLIENTS / 2 + 2);
            }

            // The clients recover on the other node with since/epoch.
            List<WsClient> reconnected = new ArrayList<>();
            Map<String, String> sinceOf = new java.util.HashMap<>();
            for (WsClient v : victims) {
                List<JsonNode> got = v.pending("message");
                String since = got.isEmpty() ? null : got.get(got.size() - 1).path("offset").asText();
                sinceOf.put(v.user(), since);
                WsClient again = WsClient.connect(b.wsUrl("user=" + v.user()));
                String sinceJson = since == null ? "" : ",\"since\":\"" + since + "\",\"epoch\":\"" + epoch + "\"";
                JsonNode ack = again.request("{\"type\":\"join\",\"room\":\"doc\"" + sinceJson + "}");
                assertThat(ack.path("recovered").asBoolean()).as("recovered for %s", v.user()).isTrue();
                reconnected.add(again);
            }
            onB.close();
            publisherOnB.request("{\"type\":\"publish\",\"room\":\"doc\",\"data\":{\"s\":-1}}");
            Set<Integer> acked = new TreeSet<>(onB.acked);
            acked.addAll(ackedByA);
            for (int i = 0; i < CLIENTS; i++) {
                WsClient before = victims.get(i), after = reconnected.get(i);
                await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(after, "doc").seqs().contains(-1));
                List<Integer> beforeClose = Received.in(before, "doc").seqs();
                List<Integer> afterReconnect = Received.in(after, "doc").seqs().stream().filter(n -> n >= 0).toList();
                List<Integer> all = new ArrayList<>(beforeClose);
                all.addAll(afterReconnect);
                assertThat(beforeClose).as("duplicates before the close for %s", after.user()).doesNotHaveDuplicates();
                assertThat(afterReconnect).as("duplicates after the reconnect of %s (since %s): %s", after.user(),
                        sinceOf.get(after.user()), duplicateFrames(after)).doesNotHaveDuplicates();
                assertThat(all).as("no duplicate across the drain for %s: %d before the close (last %s, offset %s), "
                                + "then %s", after.user(), beforeClose.size(),
                        beforeClose.isEmpty() ? null : beforeClose.get(beforeClose.size() - 1), sinceOf.get(after.user()),
                        afterReconnect.subList(0, Math.min(5, afterReconnect.size())))
                        .doesNotHaveDuplicates();
                assertThat(all.stream().filter(n -> n < 100_000).toList()).as("order of b's messages").isSorted();
                assertThat(all.stream().filter(n -> n >= 100_000).toList()).as("order of a's messages").isSorted();
                assertThat(new TreeSet<>(all)).as("acknowledged messages received by %s", after.user())
                        .containsAll(acked);
            }
            System.out.printf("drain: %d acknowledged (%d by the drained node), every one delivered to all %d clients "
                    + "after their reconnect%n", acked.size(), ackedByA.size(), CLIENTS);
            reconnected.forEach(WsClient::close);
            publisherOnB.close();
        }
    }

    /** Publishes numbered messages (from 100000 up) as fast as they are acknowledged, until the connection closes. */
    private static Thread publishUntilClosed(WsClient client, Set<Integer> acked) {
        Thread t = new Thread(() -> {
            for (int seq = 100_000; !client.isClosed(); seq++) {
                try {
                    JsonNode reply = client.request("{\"type\":\"publish\",\"room\":\"doc\",\"data\":{\"s\":" + seq + "}}");
                    if ("ack".equals(reply.path("type").asText())) {
                        acked.add(seq);
                    }
                    Thread.sleep(10); // pacing, not synchronization
                } catch (AssertionError closed) {
                    return; // closed (1012) while waiting for the ack: not acknowledged, nothing promised
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException sendFailed) {
                    return;
                }
            }
        }, "publisher-on-drained-node");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The message frames whose data appears more than once, as received (diagnostics). */
    private static List<String> duplicateFrames(WsClient c) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        List<JsonNode> messages = c.pending("message");
        messages.forEach(m -> counts.merge(m.path("data").toString(), 1, Integer::sum));
        return messages.stream().filter(m -> counts.get(m.path("data").toString()) > 1).map(JsonNode::toString).toList();
    }
}
