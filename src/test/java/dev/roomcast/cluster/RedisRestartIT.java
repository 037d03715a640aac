package dev.roomcast.cluster;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis restarts (losing everything: no persistence) under two instances with connected clients and
 * steady publishing: every acknowledged message reaches every member — except one Redis acknowledged in the
 * instant it was killed, which may go with its memory, and then the member sees the room's new epoch — readiness
 * goes DOWN and comes back UP, and no client is disconnected.
 */
class RedisRestartIT {

    /** What the broker logs when a room's epoch changes: the epoch the room has afterwards. */
    private static final Pattern EPOCH_LOG = Pattern.compile("room steady: .*epoch \\S+ (?:is now|replaced by|had already been replaced by) (\\S+)");

    @Test
    void acknowledgedMessagesSurviveARedisRestart() throws Exception {
        try (RedisServer redis = RedisServer.start();
             AppInstance a = ClusterNode.start("restart-a", redis);
             AppInstance b = ClusterNode.start("restart-b", redis);
             ReadinessRecorder readyA = new ReadinessRecorder(a.httpUrl());
             ReadinessRecorder readyB = new ReadinessRecorder(b.httpUrl())) {

            List<WsClient> members = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                WsClient c = WsClient.connect((i % 2 == 0 ? a : b).wsUrl("user=m" + i));
                c.join("steady");
                members.add(c);
            }
            WsClient publisherClient = WsClient.connect(a.wsUrl("user=pub"));
            publisherClient.join("steady");
            SteadyPublisher publisher = new SteadyPublisher(publisherClient, "steady", Duration.ofMillis(20));
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.ackedCount() >= 20);

            long killSent = System.nanoTime();
            redis.kill9();
            await().atMost(Duration.ofSeconds(10)).until(() -> !readyA.isUp() && !readyB.isUp());
            long restarting = System.nanoTime(); // an ack until here came from the Redis that was killed
            redis.restart();
            await().atMost(Duration.ofSeconds(20)).until(() -> readyA.isUp() && readyB.isUp());
            int ackedAfterRestart = publisher.ackedCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.ackedCount() >= ackedAfterRestart + 20);
            publisher.close();

            // Everything acknowledged arrives, except what Redis acknowledged as it died: it writes a script's
            // reply before the PUBLISH the script made, and without persistence the stream goes with it. A member
            // missing such a message is told by the new epoch (asserted below). The end marker proves delivery
            // caught up.
            Set<Integer> ackedAsRedisDied = publisher.ackedBetween(killSent, restarting);
            Set<Integer> mustArrive = new TreeSet<>(publisher.acked);
            mustArrive.removeAll(ackedAsRedisDied);
            publisherClient.request("{\"type\":\"publish\",\"room\":\"steady\",\"data\":{\"s\":-1}}");
            Set<Integer> lost = new TreeSet<>();
            for (WsClient m : members) {
                await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(m, "steady").seqs().contains(-1));
                Received r = Received.in(m, "steady");
                assertThat(r.missing(mustArrive)).as("acknowledged but not delivered to %s", m.user()).isEmpty();
                assertThat(r.epochs()).as("epochs seen by %s", m.user()).hasSizeGreaterThan(1);
                lost.addAll(r.missing(publisher.acked));
                assertThat(r.hasDuplicates()).as("duplicates at %s", m.user()).isFalse();
                assertThat(m.isClosed()).isFalse();
            }
            // The history started over with the restart (every member saw a new epoch, above): the log names the
            // epoch the room really has now.
            List<String> epochs = new ArrayList<>(Received.in(members.get(0), "steady").epochs());
            String kept = epochs.get(epochs.size() - 1);
            for (AppInstance n : List.of(a, b)) {
                Matcher m = EPOCH_LOG.matcher(n.logTail(3000));
                List<String> reported = new ArrayList<>();
                while (m.find()) {
                    reported.add(m.group(1));
                }
                assertThat(reported).as("epochs %s reported as kept", n.name()).isNotEmpty().containsOnly(kept);
            }
            assertThat(readyA.transitions()).containsSubsequence(200, 503, 200);
            assertThat(readyB.transitions()).containsSubsequence(200, 503, 200);
            System.out.printf("redis restart: %d published, %d acknowledged, %d refused (unavailable),"
                            + " %s acknowledged as Redis died, %s of them lost with it%n",
                    publisher.published(), publisher.ackedCount(), publisher.refused.size(), ackedAsRedisDied, lost);
            members.forEach(WsClient::close);
            publisherClient.close();
        }
    }
}
