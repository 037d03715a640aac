package dev.roomcast.hub;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection's room list: membership, the presence-events choice per room, snapshots. */
class JoinedRoomsTest {

    @Test
    void addsOnceAndRemovesOnce() {
        JoinedRooms rooms = new JoinedRooms();
        assertThat(rooms.add("a", true)).isTrue();
        assertThat(rooms.add("b", true)).isTrue();
        assertThat(rooms.add("a", true)).as("already in").isFalse();
        assertThat(rooms.size()).isEqualTo(2);
        assertThat(rooms.contains("a")).isTrue();
        assertThat(rooms.remove("a")).isTrue();
        assertThat(rooms.remove("a")).as("already out").isFalse();
        assertThat(rooms.contains("a")).isFalse();
        assertThat(rooms.snapshot()).containsExactly("b");
    }

    @Test
    void keepsTheLatestPresenceEventsChoicePerRoom() {
        JoinedRooms rooms = new JoinedRooms();
        rooms.add("a", false);
        rooms.add("b", true);
        assertThat(rooms.isQuiet("a")).isTrue();
        assertThat(rooms.isQuiet("b")).isFalse();
        rooms.add("a", true);
        assertThat(rooms.isQuiet("a")).as("joined again with presence events").isFalse();
        rooms.add("b", false);
        assertThat(rooms.isQuiet("b")).isTrue();
        rooms.remove("b");
        assertThat(rooms.isQuiet("b")).as("forgotten with the room").isFalse();
    }

    @Test
    void aSnapshotDoesNotChangeAfterwards() {
        JoinedRooms rooms = new JoinedRooms();
        rooms.add("a", true);
        rooms.add("b", true);
        rooms.add("c", true);
        List<String> before = rooms.snapshot();
        rooms.remove("b");
        rooms.add("d", true);
        assertThat(before).containsExactly("a", "b", "c");
        assertThat(rooms.snapshot()).containsExactly("a", "c", "d");
    }
}
