package dev.roomcast.protocol;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The reply frames, serialized by Jackson, are the bytes the hand-written encoders produced. */
class ServerFramesTest {

    @Test
    void repliesKeepTheirMemberOrderAndLeaveAbsentIdsOut() {
        assertThat(ServerFrames.welcome("alice", "c1", "n1"))
                .isEqualTo("{\"type\":\"welcome\",\"user\":\"alice\",\"connection\":\"c1\",\"node\":\"n1\",\"protocol\":1}");
        assertThat(ServerFrames.ack("7")).isEqualTo("{\"type\":\"ack\",\"id\":\"7\"}");
        assertThat(ServerFrames.ack(null)).isEqualTo("{\"type\":\"ack\",\"id\":null}");
        assertThat(ServerFrames.ack(null, "r")).isEqualTo("{\"type\":\"ack\",\"room\":\"r\"}");
        assertThat(ServerFrames.joinAck("j", "r", "e1", StreamOffset.parse("5-0"), null))
                .isEqualTo("{\"type\":\"ack\",\"id\":\"j\",\"room\":\"r\",\"epoch\":\"e1\",\"offset\":\"5-0\"}");
        assertThat(ServerFrames.joinAck(null, "r", "e1", StreamOffset.of(3), false))
                .isEqualTo("{\"type\":\"ack\",\"room\":\"r\",\"epoch\":\"e1\",\"offset\":\"3\",\"recovered\":false}");
        assertThat(ServerFrames.presence("p", "r", List.of(new Member("a", 2), new Member("b", 1))))
                .isEqualTo("{\"type\":\"presence\",\"id\":\"p\",\"room\":\"r\",\"count\":2,"
                        + "\"members\":[{\"user\":\"a\",\"connections\":2},{\"user\":\"b\",\"connections\":1}]}");
        assertThat(ServerFrames.pong(null)).isEqualTo("{\"type\":\"pong\"}");
        assertThat(ServerFrames.pong("x")).isEqualTo("{\"type\":\"pong\",\"id\":\"x\"}");
        // The connection token's refresh frames as before; a room's carry the room.
        assertThat(ServerFrames.refreshDue(1700000000)).isEqualTo("{\"type\":\"refresh\",\"expires\":1700000000}");
        assertThat(ServerFrames.refreshDue("vip", 1700000000))
                .isEqualTo("{\"type\":\"refresh\",\"room\":\"vip\",\"expires\":1700000000}");
        assertThat(ServerFrames.refreshAck("7", 1700000000)).isEqualTo("{\"type\":\"ack\",\"id\":\"7\",\"expires\":1700000000}");
        assertThat(ServerFrames.refreshAck("8", "vip", 1700000000))
                .isEqualTo("{\"type\":\"ack\",\"id\":\"8\",\"room\":\"vip\",\"expires\":1700000000}");
    }

    @Test
    void stringsAreEscapedAsBefore() {
        assertThat(ServerFrames.error("a\"b", ErrorCode.bad_request, "line\nbreak \\ tab\t \u0001 é €"))
                .isEqualTo("{\"type\":\"error\",\"id\":\"a\\\"b\",\"code\":\"bad_request\","
                        + "\"message\":\"line\\nbreak \\\\ tab\\t \\u0001 é €\"}");
        assertThat(ServerFrames.error(null, ErrorCode.bad_request, "x")).isEqualTo(
                "{\"type\":\"error\",\"code\":\"bad_request\",\"message\":\"x\"}");
    }
}
