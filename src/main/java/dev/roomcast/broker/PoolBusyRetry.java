package dev.roomcast.broker;

import io.vertx.core.http.ConnectionPoolTooBusyException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Retries a Redis call that the client refused because its wait queue was full. Such a command was
 * never sent, so retrying it cannot apply it twice. For clean-up that must not be lost when thousands of
 * connections close at once (closes cannot be refused like joins): presence removal, session release.
 */
public final class PoolBusyRetry {

    static final int ATTEMPTS = 40;
    static final long MIN_DELAY_MS = 100, MAX_DELAY_MS = 400;

    private PoolBusyRetry() {
    }

    public static <T> CompletionStage<T> retry(Supplier<CompletionStage<T>> call) {
        return attempt(call, ATTEMPTS);
    }

    private static <T> CompletionStage<T> attempt(Supplier<CompletionStage<T>> call, int left) {
        return call.get().handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof ConnectionPoolTooBusyException) || left <= 1) {
                return CompletableFuture.<T>failedFuture(cause);
            }
            // Jittered, so that a burst of refused commands comes back spread out, not as a second burst.
            long delay = ThreadLocalRandom.current().nextLong(MIN_DELAY_MS, MAX_DELAY_MS + 1);
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> attempt(call, left - 1));
        }).thenCompose(stage -> stage);
    }
}
