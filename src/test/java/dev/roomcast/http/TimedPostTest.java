package dev.roomcast.http;

import dev.roomcast.testing.HookBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The POST hooks and webhooks share, against a real HTTP backend: its deadline covers the wait for a pooled
 * connection and the answer, and what it keeps of an answer is bounded.
 */
class TimedPostTest {

    private final Vertx vertx = Vertx.vertx();
    private final HookBackend backend = new HookBackend();

    @AfterEach
    void close() {
        backend.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /**
     * A POST that timed out while it waited for a pooled connection is given up, not sent once a connection frees:
     * sent then, it would have no timer left, and against a backend that never answers it would hold that connection
     * for good (every later call timing out behind it). Here: one pooled connection held by a first POST, a second
     * that times out waiting for it — the backend must never see the second.
     */
    @Test
    void aPostThatTimedOutWaitingForAConnectionIsNeverSent() {
        backend.answer("/join", r -> new HookBackend.Answer(200, "{\"allow\":true}", 3000));
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(8));
        // One pooled connection: the first POST holds it for a second (then its timeout resets it), the second
        // waits for it and gives up after 200 ms, long before it frees.
        CompletableFuture<?> first = post(http, "/join", "{\"user\":\"first\"}", 1000, 1024);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.received("/join").size() == 1);
        CompletableFuture<?> second = post(http, "/join", "{\"user\":\"second\"}", 200, 1024);
        await().atMost(Duration.ofSeconds(5)).until(() -> first.isDone() && second.isDone());
        assertThat(List.of(failure(first), failure(second))).allMatch(e -> e instanceof TimedPost.TimedOut);

        // The first POST's reset frees the pool; the second, given up long before, must not go out on it.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> backend.received("/join").size() == 1);
        assertThat(backend.received("/join")).extracting(j -> j.path("user").asText()).containsExactly("first");
    }

    @Test
    void anAnswerIsKeptUpToTheBoundAndALargerOneFails() throws Exception {
        HttpClient http = vertx.createHttpClient();
        backend.answer("/small", r -> HookBackend.Answer.json("{\"allow\":true}"));
        backend.answer("/large", r -> HookBackend.Answer.json("{\"pad\":\"" + "x".repeat(4096) + "\"}"));

        TimedPost.Answer small = post(http, "/small", "{}", 5000, 1024).get(5, TimeUnit.SECONDS);
        assertThat(small.isSuccess()).isTrue();
        assertThat(small.body().toString()).isEqualTo("{\"allow\":true}");
        assertThat(failure(post(http, "/large", "{}", 5000, 1024))).isInstanceOf(TimedPost.AnswerTooLarge.class)
                .hasMessage("answer over 1024 bytes");
        // Nothing kept: the body is read and dropped, the status is the answer.
        TimedPost.Answer dropped = post(http, "/large", "{}", 5000, 0).get(5, TimeUnit.SECONDS);
        assertThat(dropped.status()).isEqualTo(200);
        assertThat(dropped.body().length()).isZero();
    }

    @Test
    void anErrorStatusIsAnAnswerWithoutItsBody() throws Exception {
        HttpClient http = vertx.createHttpClient();
        backend.answer("/down", r -> new HookBackend.Answer(503, "{\"error\":\"maintenance\"}", 0));
        TimedPost.Answer answer = post(http, "/down", "{}", 5000, 1024).get(5, TimeUnit.SECONDS);
        assertThat(answer.isSuccess()).isFalse();
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.body().length()).isZero();
    }

    @Test
    void aRefusedConnectionFailsWithItsCause() {
        HttpClient http = vertx.createHttpClient();
        HookBackend gone = new HookBackend();
        String closed = gone.url("/join");
        gone.close();
        Throwable e = failure(TimedPost.send(vertx, http, new RequestOptions().setAbsoluteURI(closed),
                Buffer.buffer("{}"), 5000, 1024).toCompletableFuture());
        assertThat(e).isNotNull().isNotInstanceOf(TimedPost.TimedOut.class);
    }

    private CompletableFuture<TimedPost.Answer> post(HttpClient http, String path, String body, long timeoutMillis,
            int maxBodyBytes) {
        RequestOptions options = new RequestOptions().setAbsoluteURI(backend.url(path))
                .putHeader("Content-Type", "application/json");
        return TimedPost.send(vertx, http, options, Buffer.buffer(body), timeoutMillis, maxBodyBytes)
                .toCompletableFuture();
    }

    /** The exception the POST failed with, as thrown (not wrapped); null if it succeeded. */
    private static Throwable failure(CompletableFuture<?> post) {
        try {
            post.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
