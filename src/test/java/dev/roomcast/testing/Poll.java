package dev.roomcast.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Polls a probe until it yields a value or a deadline passes. Exceptions thrown by the probe count as
 * "not yet" (a server that is still starting refuses connections); the last one is kept for the failure message.
 */
final class Poll {

    static final Duration DEFAULT_INTERVAL = Duration.ofMillis(25);

    private Poll() {
    }

    /**
     * @param what        what we wait for, for the failure message
     * @param probe       returns an empty Optional (or throws) while the condition does not hold yet
     * @param diagnostics extra text for the failure message (e.g. a log tail), computed only on failure
     */
    static <T> T until(String what, Duration timeout, Callable<Optional<T>> probe, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable lastError = null;
        while (true) {
            try {
                Optional<T> result = probe.call();
                if (result.isPresent()) {
                    return result.get();
                }
            } catch (AbortPoll e) {
                throw new AssertionError(what + ": " + e.getMessage() + "\n" + diagnostics.get(), e.getCause());
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String cause = lastError == null ? "" : " (last error: " + lastError + ")";
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what + cause
                        + "\n" + diagnostics.get(), lastError);
            }
            LockSupport.parkNanos(DEFAULT_INTERVAL.toNanos());
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition) {
        until(what, timeout, () -> condition.call() ? Optional.of(Boolean.TRUE) : Optional.empty(), () -> "");
    }

    /** Like {@link #until(String, Duration, Callable)}, with extra text for the failure message. */
    static void untilTrue(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> diagnostics) {
        until(what, timeout, () -> condition.call() ? Optional.of(Boolean.TRUE) : Optional.empty(), diagnostics);
    }

    /** Thrown by a probe to stop polling at once, e.g. when the awaited process has died. */
    static final class AbortPoll extends RuntimeException {
        AbortPoll(String message) {
            super(message);
        }
    }
}
