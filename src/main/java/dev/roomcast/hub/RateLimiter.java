package dev.roomcast.hub;

/**
 * Token bucket for inbound frames of one connection: text frames (the connection's serial frame
 * handling) and control frames (its event loop) share it, so it is synchronized — never contended in
 * practice, as both run on the connection's event loop.
 * <p>
 * Refused frames are counted as strikes. The count starts over only once the connection has gone
 * {@link #QUIET_NANOS one second} without a refusal: a client that keeps sending faster than the rate
 * accumulates strikes even though a frame gets through now and then as the bucket refills, while a
 * client that backs off after a burst is forgiven.
 */
public final class RateLimiter {

    /** A refusal-free pause this long forgives earlier strikes. */
    static final long QUIET_NANOS = 1_000_000_000L;

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;
    private int strikes;
    private long lastRefusal;

    public RateLimiter(int perSecond, int burst) {
        this.ratePerNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    public static RateLimiter unlimited() {
        return new RateLimiter(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** Takes one token; false when the bucket is empty. */
    public synchronized boolean tryAcquire() {
        return tryAcquire(System.nanoTime());
    }

    synchronized boolean tryAcquire(long now) {
        tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
        last = now;
        if (strikes > 0 && now - lastRefusal >= QUIET_NANOS) {
            strikes = 0;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        strikes++;
        lastRefusal = now;
        return false;
    }

    /**
     * Frames refused since the last refusal-free second: a client that keeps flooding after being told
     * is abusive.
     */
    public synchronized int strikes() {
        return strikes;
    }
}
