package dev.roomcast.hub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket and its strike count, on a clock the test controls. */
class RateLimiterTest {

    private static final long MS = 1_000_000L;

    @Test
    void aBurstIsAllowedThenTheRate() {
        RateLimiter limiter = new RateLimiter(100, 200);
        long t = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryAcquire(t)).isTrue();
        }
        assertThat(limiter.tryAcquire(t)).isFalse();
        assertThat(limiter.tryAcquire(t + 10 * MS)).as("one token per 10 ms").isTrue();
        assertThat(limiter.tryAcquire(t + 10 * MS)).isFalse();
        assertThat(limiter.strikes()).isEqualTo(2);
    }

    @Test
    void strikesAccumulateWhileAClientKeepsSendingFasterThanTheRate() {
        RateLimiter limiter = new RateLimiter(100, 200);
        long t = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            limiter.tryAcquire(t);
        }
        // Twice the rate for 5 s: every other frame gets through as the bucket refills.
        int accepted = 0;
        for (int i = 1; i <= 1000; i++) {
            if (limiter.tryAcquire(t + i * 5 * MS)) {
                accepted++;
            }
        }
        assertThat(accepted).isBetween(490, 510);
        assertThat(limiter.strikes()).as("never forgiven: no refusal-free second").isGreaterThan(490);
    }

    @Test
    void aRefusalFreeSecondForgivesStrikes() {
        RateLimiter limiter = new RateLimiter(100, 200);
        long t = System.nanoTime();
        for (int i = 0; i < 250; i++) {
            limiter.tryAcquire(t);
        }
        assertThat(limiter.strikes()).isEqualTo(50);
        assertThat(limiter.tryAcquire(t + 999 * MS)).isTrue();
        assertThat(limiter.strikes()).as("not yet a full second").isEqualTo(50);
        assertThat(limiter.tryAcquire(t + 1000 * MS)).isTrue();
        assertThat(limiter.strikes()).isZero();
    }
}
