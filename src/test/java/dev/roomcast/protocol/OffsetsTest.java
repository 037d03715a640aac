package dev.roomcast.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetsTest {

    @Test
    void comparesMemoryAndRedisOffsetsNumerically() {
        assertThat(Offsets.compare("9", "10")).isNegative();
        assertThat(Offsets.compare("1700000000000-9", "1700000000000-10")).isNegative();
        assertThat(Offsets.compare("1700000000001-0", "1700000000000-99")).isPositive();
        assertThat(Offsets.compare("0", "0-0")).isZero();
        assertThat(Offsets.compare("5-0", "5")).isZero();
    }

    @Test
    void validatesSyntax() {
        assertThat(Offsets.isValid("12")).isTrue();
        assertThat(Offsets.isValid("1700000000000-3")).isTrue();
        for (String bad : new String[] {"", "-1", "1-", "a", "1-2-3", "1.5", "99999999999999999999"}) {
            assertThat(Offsets.isValid(bad)).as(bad).isFalse();
        }
    }
}
