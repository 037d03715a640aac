package dev.roomcast.hub;

/**
 * Token bucket for inbound frames of one connection. Only touched by the connection's own serial
 * frame handling, so it needs no synchronization.
 */
public final class RateLimiter {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;
    private int strikes;

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
    public boolean tryAcquire() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            strikes = 0;
            return true;
        }
        strikes++;
        return false;
    }

    /** Consecutive refused frames: a client that keeps flooding after being told is abusive. */
    public int strikes() {
        return strikes;
    }
}
