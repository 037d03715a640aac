package dev.roomcast.presence;

import dev.roomcast.protocol.Member;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link Presence} guarantees, run against each implementation: {@code LocalPresenceTest} (unit test)
 * and {@code RedisPresenceIT} (a real redis-server). One user counts once however many connections they have.
 */
abstract class PresenceContract {

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** The presence of one node; {@link #presence()} is called once per test. */
    protected abstract Presence presence();

    static String room() {
        return "p-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aUserCountsOnceWhateverTheirConnections() throws Exception {
        Presence p = presence();
        String room = room();
        Presence.Change first = get(p.add(room, "alice", "c1"));
        assertThat(first.userChanged()).isTrue();
        assertThat(first.users()).isEqualTo(1);
        Presence.Change second = get(p.add(room, "alice", "c2"));
        assertThat(second.userChanged()).isFalse();
        assertThat(second.users()).isEqualTo(1);
        Presence.Change bob = get(p.add(room, "bob", "c3"));
        assertThat(bob.userChanged()).isTrue();
        assertThat(bob.users()).isEqualTo(2);

        assertThat(get(p.members(room))).containsExactly(new Member("alice", 2), new Member("bob", 1));
    }

    @Test
    void aUserLeavesWithTheirLastConnection() throws Exception {
        Presence p = presence();
        String room = room();
        get(p.add(room, "alice", "c1"));
        get(p.add(room, "alice", "c2"));
        get(p.add(room, "bob", "c3"));

        Presence.Change one = get(p.remove(room, "alice", "c1"));
        assertThat(one.userChanged()).isFalse();
        assertThat(one.users()).isEqualTo(2);
        assertThat(get(p.members(room))).containsExactly(new Member("alice", 1), new Member("bob", 1));

        Presence.Change last = get(p.remove(room, "alice", "c2"));
        assertThat(last.userChanged()).isTrue();
        assertThat(last.users()).isEqualTo(1);
        assertThat(get(p.members(room))).containsExactly(new Member("bob", 1));

        get(p.remove(room, "bob", "c3"));
        assertThat(get(p.members(room))).isEmpty();
    }

    @Test
    void removingSomeoneWhoIsNotThereChangesNothing() throws Exception {
        Presence p = presence();
        String room = room();
        get(p.add(room, "alice", "c1"));
        Presence.Change change = get(p.remove(room, "zed", "c9"));
        assertThat(change.userChanged()).isFalse();
        assertThat(get(p.members(room))).containsExactly(new Member("alice", 1));
        assertThat(get(p.members(room()))).isEmpty();
    }

    @Test
    void roomsAreIndependent() throws Exception {
        Presence p = presence();
        String a = room(), b = room();
        get(p.add(a, "alice", "c1"));
        Presence.Change inB = get(p.add(b, "alice", "c1"));
        assertThat(inB.userChanged()).isTrue();
        assertThat(inB.users()).isEqualTo(1);
        get(p.remove(a, "alice", "c1"));
        assertThat(get(p.members(a))).isEmpty();
        assertThat(get(p.members(b))).containsExactly(new Member("alice", 1));
    }

    @Test
    void theJoinAndLeaveStepsRecordPresenceLikeAddAndRemove() throws Exception {
        Presence p = presence();
        String room = room();
        AnnouncingPresence announcing = p instanceof AnnouncingPresence a ? a : null;
        if (announcing != null) {
            // the one-round-trip join of the stores that have it
            AnnouncingPresence.RecordedJoin added = get(announcing.recordJoin(room, "alice", "c1", 1000));
            assertThat(added.firstOfUser()).isTrue();
            assertThat(added.users()).isEqualTo(1);
            assertThat(added.position()).isNotNull();
        } else {
            Presence.Change added = get(p.add(room, "alice", "c1"));
            assertThat(added.userChanged()).isTrue();
            assertThat(added.users()).isEqualTo(1);
        }
        assertThat(get(p.members(room))).containsExactly(new Member("alice", 1));

        Presence.Change removed = get(announcing != null
                ? announcing.recordLeave(room, "alice", "c1", true, 1000)
                : p.remove(room, "alice", "c1"));
        assertThat(removed.userChanged()).isTrue();
        assertThat(removed.users()).isZero();
        assertThat(get(p.members(room))).isEmpty();
    }
}
