package dev.roomcast.bench;

/**
 * Wall-clock microseconds with nanosecond-timer resolution: the epoch is read once at start-up and advanced with
 * {@link System#nanoTime()}, so timestamps are monotonic and comparable between every thread of this process
 * (publishers and subscribers live in the same process).
 */
public final class Clock {
    private static final long BASE_MICROS = System.currentTimeMillis() * 1000L;
    private static final long BASE_NANOS = System.nanoTime();

    private Clock() {
    }

    public static long nowMicros() {
        return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000L;
    }

    /** Epoch micros corresponding to a {@link System#nanoTime()} value. */
    public static long microsAt(long nanoTime) {
        return BASE_MICROS + (nanoTime - BASE_NANOS) / 1000L;
    }
}
