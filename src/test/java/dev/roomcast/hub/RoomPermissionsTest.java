package dev.roomcast.hub;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Glob patterns of the {@code rooms} claim: what they match, in bounded time whatever the pattern. */
class RoomPermissionsTest {

    @Test
    void starsMatchAnyRunAndEverythingElseIsLiteral() {
        assertThat(RoomPermissions.matches("team-*", "team-a")).isTrue();
        assertThat(RoomPermissions.matches("team-*", "team-")).isTrue();
        assertThat(RoomPermissions.matches("team-*", "xteam-a")).isFalse();
        assertThat(RoomPermissions.matches("*-a", "team-a")).isTrue();
        assertThat(RoomPermissions.matches("*-a", "team-ab")).isFalse();
        assertThat(RoomPermissions.matches("a*b*c", "abc")).isTrue();
        assertThat(RoomPermissions.matches("a*b*c", "aXbYbZc")).isTrue();
        assertThat(RoomPermissions.matches("a*b*c", "acb")).isFalse();
        assertThat(RoomPermissions.matches("a*ab", "ab")).as("prefix and suffix may not overlap").isFalse();
        assertThat(RoomPermissions.matches("a*a", "a")).isFalse();
        assertThat(RoomPermissions.matches("a*a", "aa")).isTrue();
        assertThat(RoomPermissions.matches("*", "")).isTrue();
        assertThat(RoomPermissions.matches("**", "x")).isTrue();
        assertThat(RoomPermissions.matches("user:alice", "user:alice")).isTrue();
        assertThat(RoomPermissions.matches("user:alice", "user:alicex")).isFalse();
        assertThat(RoomPermissions.matches("a.c", "abc")).as("no regex meaning").isFalse();
        assertThat(RoomPermissions.matches("x*ab*ab*y", "xababy")).isTrue();
        assertThat(RoomPermissions.matches("x*ab*ab*y", "xaby")).isFalse();
        assertThat(RoomPermissions.matches("*b*b", "bb")).isTrue();
        assertThat(RoomPermissions.matches("*bb*b", "bbb")).isTrue();
        assertThat(RoomPermissions.matches("*bb*b", "bb")).isFalse();
    }

    @Test
    void theWorstCasesOfBacktrackingStayFast() {
        String name = "a".repeat(127) + "b"; // 128 characters, the longest room name
        List<String> hostile = List.of("*a".repeat(5) + "*c", "*a".repeat(11) + "*c", "*a".repeat(127) + "*c",
                "*".repeat(255) + "c", "a*".repeat(127) + "c");
        RoomPermissions p = RoomPermissions.of(hostile, hostile);
        long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            assertThat(p.mayJoin(name)).isFalse();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // 50,000 matches; a backtracking regex spent 1.75 s on ONE match with 5 stars and never returned with 11.
        assertThat(took).as("10,000 checks of 5 hostile patterns").isLessThan(Duration.ofSeconds(3));
        assertThat(p.mayJoin("a".repeat(127) + "c")).isTrue();
    }

    @Test
    void patternCountAndLengthAreBounded() {
        List<String> tooMany = java.util.stream.IntStream.rangeClosed(0, RoomPermissions.MAX_PATTERNS)
                .mapToObj(i -> "r" + i).toList();
        assertThatThrownBy(() -> RoomPermissions.of(tooMany, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoomPermissions.of(List.of(), List.of("x".repeat(RoomPermissions.MAX_PATTERN_LENGTH + 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RoomPermissions.of(tooMany.subList(0, RoomPermissions.MAX_PATTERNS),
                List.of("x".repeat(RoomPermissions.MAX_PATTERN_LENGTH))).mayJoin("r3")).isTrue();
    }
}
