package dev.roomcast.node;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.RespClient;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closes cannot be refused like joins: when many connections close while Redis is stalled, their presence
 * removals overflow the Redis client's (here tiny) wait queue. They are retried, so presence ends up empty
 * instead of keeping members that are long gone.
 */
class CloseStormIT {

    static final int CLIENTS = 40;
    static final int ROOMS = 4;

    @Test
    void presenceIsRemovedEvenWhenACloseStormOverflowsTheRedisQueue() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (RedisServer redis = RedisServer.start();
             AppInstance node = AppInstance.builder().name("close-storm")
                     .config("quarkus.redis.hosts", redis.uri())
                     .config("quarkus.redis.max-pool-size", "4")
                     .config("quarkus.redis.max-pool-waiting", "4")
                     .start();
             RespClient staller = new RespClient(redis.port(), Duration.ofSeconds(10))) {
            List<WsClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                WsClient c = WsClient.connect(node.wsUrl("user=u" + i));
                c.join("a" + (i % ROOMS));
                c.join("b" + (i % ROOMS));
                clients.add(c);
            }
            assertThat(usersIn(redis, "a0")).isEqualTo(CLIENTS / ROOMS);

            // 80 removals at once against 2 pooled connections for commands (pub/sub and lease hold the other
            // two) and 4 waiting places, Redis stalled for 1 s.
            staller.send("EVAL", AdmissionIT.STALL_SCRIPT, "0", "1000000");
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            clients.forEach(c -> closes.add(CompletableFuture.runAsync(c::close, pool)));
            closes.forEach(CompletableFuture::join);
            assertThat(staller.read(Duration.ofSeconds(10))).isEqualTo(1L);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                for (int r = 0; r < ROOMS; r++) {
                    assertThat(usersIn(redis, "a" + r)).as("users left in a" + r).isZero();
                    assertThat(usersIn(redis, "b" + r)).as("users left in b" + r).isZero();
                }
            });
            assertThat(node.logTail(2000)).as("refused removals are retried, not reported lost")
                    .doesNotContain("presence remove");
        } finally {
            pool.shutdownNow();
        }
    }

    static long usersIn(RedisServer redis, String room) {
        return (Long) redis.call("HLEN", "rc:{" + room + "}:users");
    }
}
