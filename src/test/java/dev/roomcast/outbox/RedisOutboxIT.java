package dev.roomcast.outbox;

import dev.roomcast.broker.RedisBackend;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.VertxRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbox's consumer-group contract on a real redis-server, node by node: two nodes never take the same event,
 * a dead node's events are taken over after the claim time and not while their node renews its hold, a restarted
 * node finishes its own first, events the length cap removed are reported lost, and a lost stream comes back.
 */
class RedisOutboxIT {

    static VertxRedis redis;
    static RedisServer server;
    static RedisBackend backend;

    @BeforeAll
    static void startRedis() {
        redis = VertxRedis.start();
        server = redis.server();
        backend = new RedisBackend(redis.client(), redis.vertx(), "rc", 100, Duration.ofMinutes(15));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyOutbox() {
        server.call("DEL", backend.keys().webhookOutbox());
    }

    static RedisOutbox node(String name, Duration claimIdle, int maxLength) {
        return new RedisOutbox(backend, name, claimIdle, maxLength, EnumSet.allOf(EventType.class));
    }

    static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    static void append(Outbox outbox, int n, String prefix) {
        for (int i = 0; i < n; i++) {
            join(outbox.append(OutboxEvent.user(EventType.USER_ONLINE, prefix + i)));
        }
    }

    static List<String> users(Outbox.Taken taken) {
        return taken.events().stream().map(OutboxEvent::user).toList();
    }

    static List<String> ids(Outbox.Taken taken) {
        return taken.events().stream().map(OutboxEvent::id).toList();
    }

    @Test
    void twoNodesTakeDisjointEventsInOutboxOrder() {
        RedisOutbox a = node("a", Duration.ofSeconds(30), 1000), b = node("b", Duration.ofSeconds(30), 1000);
        append(a, 10, "u");
        Outbox.Taken byA = join(a.take(4));
        Outbox.Taken byB = join(b.take(100));
        assertThat(users(byA)).containsExactly("u0", "u1", "u2", "u3");
        assertThat(users(byB)).containsExactly("u4", "u5", "u6", "u7", "u8", "u9");
        assertThat(join(b.take(100)).events()).isEmpty();
        join(a.finish(ids(byA)));
        join(b.finish(ids(byB)));
        assertThat(join(a.backlog(System.currentTimeMillis())).events()).isZero();
        OutboxEvent first = byA.events().get(0);
        assertThat(first.type()).isEqualTo(EventType.USER_ONLINE);
        assertThat(first.time()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    }

    @Test
    void aDeadNodesEventsAreTakenOverAfterTheClaimTimeButNotWhileItRenewsItsHold() {
        Duration claimIdle = Duration.ofMillis(600);
        RedisOutbox a = node("a", claimIdle, 1000), b = node("b", claimIdle, 1000);
        append(a, 3, "held");
        List<String> held = ids(join(a.take(10)));
        assertThat(held).hasSize(3);
        // a is alive and renews every 100 ms, well within the claim time: b gets nothing for three claim times.
        long renewing = redis.vertx().setPeriodic(100, t -> a.renew(held));
        try {
            await().during(claimIdle.multipliedBy(3)).atMost(claimIdle.multipliedBy(6))
                    .until(() -> join(b.take(10)).events().isEmpty());
        } finally {
            redis.vertx().cancelTimer(renewing);
        }
        assertThat(join(a.renew(held))).containsExactlyElementsOf(held);
        // a dies (stops renewing): b takes its events over, and a no longer holds them.
        Outbox.Taken takenOver = await().atMost(Duration.ofSeconds(10)).until(() -> join(b.take(10)),
                t -> !t.events().isEmpty());
        assertThat(ids(takenOver)).containsExactlyElementsOf(held);
        assertThat(join(a.renew(held))).isEmpty();
        join(b.finish(held));
        assertThat(join(b.backlog(System.currentTimeMillis())).events()).isZero();
    }

    @Test
    void aRestartedNodeTakesItsOwnUnfinishedEventsFirst() {
        RedisOutbox before = node("n", Duration.ofSeconds(30), 1000);
        append(before, 2, "mine");
        List<String> mine = ids(join(before.take(10)));
        append(before, 2, "new");
        RedisOutbox after = node("n", Duration.ofSeconds(30), 1000); // same node id, new process
        assertThat(ids(join(after.take(10)))).containsExactlyElementsOf(mine);
        join(after.finish(mine));
        assertThat(users(join(after.take(10)))).containsExactly("new0", "new1");
    }

    @Test
    void eventsTheLengthCapRemovedAreReportedLost() {
        RedisOutbox a = node("a", Duration.ofSeconds(30), 10);
        append(a, 5, "early");
        List<String> early = ids(join(a.take(5)));
        assertThat(early).hasSize(5);
        append(a, 300, "late"); // MAXLEN ~ 10 drops whole stream nodes (100 entries), the early ones with them
        Outbox.Taken afterRestart = join(node("a", Duration.ofSeconds(30), 10).take(5));
        assertThat(afterRestart.events()).isEmpty();
        assertThat(afterRestart.lost()).isEqualTo(5);
        Set<String> left = new HashSet<>(early);
        left.retainAll(join(a.renew(early)));
        assertThat(left).isEmpty();
    }

    @Test
    void theGroupComesBackWhenRedisLostTheStream() {
        RedisOutbox a = node("a", Duration.ofSeconds(30), 1000);
        append(a, 1, "before");
        join(a.take(10));
        server.call("DEL", backend.keys().webhookOutbox()); // a restart without persistence, say
        append(a, 2, "after");
        List<String> taken = new ArrayList<>(users(join(a.take(10))));
        assertThat(taken).containsExactly("after0", "after1");
    }
}
