package dev.roomcast.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One POST to the app's backend (hooks, webhooks) that never outlives its deadline. The timer covers waiting for
 * a pooled connection, sending, and reading the whole answer; when it fires the request is reset, so a slow
 * backend cannot keep a pooled connection, and a request that gets its connection only after the deadline is
 * reset unsent.
 */
public final class TimedPost {

    /** The backend's answer: its status and, for a 2xx, its body (empty where the caller keeps none). */
    public record Answer(int status, Buffer body) {
        public boolean isSuccess() {
            return isSuccess(status);
        }

        static boolean isSuccess(int status) {
            return status / 100 == 2;
        }
    }

    /** The deadline passed before the whole answer was read. */
    public static final class TimedOut extends RuntimeException {
        TimedOut(long timeoutMillis) {
            super("no answer within " + timeoutMillis + " ms", null, false, false);
        }
    }

    /** A 2xx answer's body was longer than the caller keeps. */
    public static final class AnswerTooLarge extends RuntimeException {
        AnswerTooLarge(int maxBytes) {
            super("answer over " + maxBytes + " bytes", null, false, false);
        }
    }

    private TimedPost() {
    }

    /**
     * POSTs {@code body} with the headers in {@code options} (method and URI are set there too). The stage ends
     * with the {@link Answer} once it is read, or fails with {@link TimedOut}, {@link AnswerTooLarge}, or the
     * connection's error.
     *
     * @param maxBodyBytes the most of a 2xx answer's body kept, larger fails; 0 reads and drops it (its status is
     *                     all that counts). A non-2xx answer's body is always dropped.
     */
    public static CompletionStage<Answer> send(Vertx vertx, HttpClient http, RequestOptions options, Buffer body,
            long timeoutMillis, int maxBodyBytes) {
        CompletableFuture<Answer> result = new CompletableFuture<>();
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long timer = vertx.setTimer(timeoutMillis, id -> {
            if (result.completeExceptionally(new TimedOut(timeoutMillis))) {
                HttpClientRequest request = sent.get();
                if (request != null) {
                    request.reset();
                }
            }
        });
        http.request(options.setMethod(HttpMethod.POST)).onComplete(requested -> {
            if (requested.failed()) {
                result.completeExceptionally(requested.cause());
                return;
            }
            HttpClientRequest request = requested.result();
            // Its own resets (deadline, answer too large) end here too, after the result: not logged as errors.
            request.exceptionHandler(result::completeExceptionally);
            sent.set(request);
            if (result.isDone()) {
                // Timed out while waiting for a connection: sent now, it would hold one with no timer left.
                request.reset();
                return;
            }
            request.send(body).onComplete(answered -> {
                if (answered.failed()) {
                    result.completeExceptionally(answered.cause());
                    return;
                }
                var response = answered.result();
                boolean keep = maxBodyBytes > 0 && Answer.isSuccess(response.statusCode());
                Buffer received = Buffer.buffer(keep ? 256 : 0);
                // Read to the end either way, so the connection can be reused.
                response.handler(chunk -> {
                    if (!keep) {
                        return;
                    }
                    if (received.length() + chunk.length() > maxBodyBytes) {
                        if (result.completeExceptionally(new AnswerTooLarge(maxBodyBytes))) {
                            request.reset();
                        }
                        return;
                    }
                    received.appendBuffer(chunk);
                });
                response.exceptionHandler(result::completeExceptionally);
                response.endHandler(v -> result.complete(new Answer(response.statusCode(), received)));
            });
        });
        result.whenComplete((a, e) -> vertx.cancelTimer(timer));
        return result; // itself, so a failure reaches the caller as thrown, not wrapped
    }
}
