package dev.roomcast.hooks;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Closed until {@code failures} calls in a row fail; then open for {@code openForNanos}, failing calls without
 * trying; then half-open: one trial call goes through, its success closes the breaker, its failure opens it again.
 */
final class CircuitBreaker {

    private final int failures;
    private final long openForNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean trialInFlight = new AtomicBoolean();
    private int consecutiveFailures;
    private long openUntil;
    private boolean open;

    CircuitBreaker(int failures, long openForNanos, LongSupplier nanoTime) {
        this.failures = Math.max(1, failures);
        this.openForNanos = openForNanos;
        this.nanoTime = nanoTime;
    }

    /** Whether a call may go out now; a true answer for a half-open breaker is its one trial call. */
    synchronized boolean tryAcquire() {
        if (!open) {
            return true;
        }
        if (nanoTime.getAsLong() - openUntil < 0) {
            return false;
        }
        return trialInFlight.compareAndSet(false, true);
    }

    synchronized void succeeded() {
        consecutiveFailures = 0;
        open = false;
        trialInFlight.set(false);
    }

    synchronized void failed() {
        consecutiveFailures++;
        if (open || consecutiveFailures >= failures) {
            open = true;
            openUntil = nanoTime.getAsLong() + openForNanos;
        }
        trialInFlight.set(false);
    }

    /** A call acquired but never made: frees the half-open trial without judging the backend. */
    void release() {
        trialInFlight.set(false);
    }

    synchronized boolean isOpen() {
        return open;
    }
}
