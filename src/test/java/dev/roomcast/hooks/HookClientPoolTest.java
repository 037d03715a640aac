package dev.roomcast.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.testing.HookBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call that timed out while it waited for a pooled connection is given up, not sent once a connection frees: sent
 * then, it would have no timer left, and against a backend that never answers it would hold that connection for good
 * (every later call timing out behind it). Here: one pooled connection held by a first call, a second call that times
 * out waiting for it — the backend must never see the second.
 */
class HookClientPoolTest {

    private final Vertx vertx = Vertx.vertx();
    private final HookBackend backend = new HookBackend();

    @AfterEach
    void close() {
        backend.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aCallThatTimedOutWaitingForAConnectionIsNeverSent() {
        backend.answer("/join", r -> new HookBackend.Answer(200, "{\"allow\":true}", 3000));
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(8));
        // One pooled connection: the first call holds it for a second (then its timeout resets it), the second
        // waits for it and gives up after 200 ms, long before it frees.
        HookClient patient = client(http, Duration.ofSeconds(1));
        HookClient hasty = client(http, Duration.ofMillis(200));

        CompletableFuture<?> first = call(patient, "first");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.received("/join").size() == 1);
        CompletableFuture<?> second = call(hasty, "second");
        await().atMost(Duration.ofSeconds(5)).until(() -> first.isDone() && second.isDone());
        assertThat(List.of(first, second)).allMatch(CompletableFuture::isCompletedExceptionally); // both timed out

        // The first call's reset frees the pool; the second, given up long before, must not go out on it.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> backend.received("/join").size() == 1);
        assertThat(backend.received("/join")).extracting(j -> j.path("user").asText()).containsExactly("first");
    }

    private HookClient client(HttpClient http, Duration timeout) {
        return new HookClient("join", backend.url("/join"), http, vertx, new ObjectMapper(), config(timeout),
                new SimpleMeterRegistry());
    }

    private static CompletableFuture<?> call(HookClient client, String user) {
        CompletionStage<?> stage = client.call(Map.of("user", user), System.nanoTime());
        return stage.toCompletableFuture();
    }

    private static HooksConfig config(Duration timeout) {
        return new HooksConfig() {
            @Override
            public Connect connect() {
                return null;
            }

            @Override
            public Join join() {
                return null;
            }

            @Override
            public Publish publish() {
                return null;
            }

            @Override
            public Duration timeout() {
                return timeout;
            }

            @Override
            public int maxConcurrency() {
                return 8;
            }

            @Override
            public Optional<String> apiKey() {
                return Optional.empty();
            }

            @Override
            public Breaker breaker() {
                return new Breaker() {
                    @Override
                    public int failures() {
                        return 1000;
                    }

                    @Override
                    public Duration openFor() {
                        return Duration.ofSeconds(5);
                    }
                };
            }
        };
    }
}
