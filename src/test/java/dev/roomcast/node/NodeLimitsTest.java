package dev.roomcast.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An idempotency window of 0 would make the publish script fail after it published (SET PX 0): refused at startup. */
class NodeLimitsTest {

    @Test
    void theIdempotencyWindowIsAtLeastOneMillisecond() {
        assertThatThrownBy(() -> new Node.Limits(128, 1000, Duration.ZERO))
                .hasMessageContaining("roomcast.api.idempotency-window");
        assertThat(new Node.Limits(128, 1000).idempotencyWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(new Node.Limits(128, 1000, Duration.ofMillis(1)).idempotencyWindow()).isEqualTo(Duration.ofMillis(1));
    }
}
