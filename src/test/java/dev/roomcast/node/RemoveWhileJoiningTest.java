package dev.roomcast.node;

import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.hub.DeliveryObserver;
import dev.roomcast.hub.FrameSink;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.RateLimiter;
import dev.roomcast.hub.RoomPermissions;
import dev.roomcast.hub.Session;
import dev.roomcast.presence.LocalPresence;
import dev.roomcast.presence.Presence;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The backend removes a user from a room while one of its connections is joining it (the presence write still in
 * flight): the connection gets {@code removed}, its join is refused instead of acknowledged, and presence keeps
 * nothing of it.
 */
class RemoveWhileJoiningTest {

    /** Local presence whose {@code add} waits for {@link #release}. */
    static final class GatedPresence implements Presence {
        final LocalPresence delegate = new LocalPresence();
        final CompletableFuture<Void> gate = new CompletableFuture<>();

        @Override
        public CompletionStage<Change> add(String room, String user, String connectionId) {
            return gate.thenCompose(x -> delegate.add(room, user, connectionId));
        }

        @Override
        public CompletionStage<Change> remove(String room, String user, String connectionId) {
            return delegate.remove(room, user, connectionId);
        }

        @Override
        public CompletionStage<List<Member>> members(String room) {
            return delegate.members(room);
        }

        void release() {
            gate.complete(null);
        }
    }

    @Test
    void aJoinOvertakenByARemoveIsRefusedAndLeavesNoPresence() throws Exception {
        MemoryBroker broker = new MemoryBroker(100, Duration.ofMinutes(15), Clock.systemUTC());
        GatedPresence presence = new GatedPresence();
        Hub hub = new Hub(broker, presence, DeliveryObserver.NONE);
        broker.start(hub);
        Node node = new Node(hub, broker, presence, new Admission(broker, 2000), ProtocolObserver.NONE,
                Clock.systemUTC(), new Node.Limits(128, 100));
        List<String> frames = new CopyOnWriteArrayList<>();
        Session alice = new Session("c1", "alice", new FrameSink() {
            @Override
            public boolean write(OutboundFrame frame) {
                frames.add(frame.text());
                return true;
            }

            @Override
            public void close(int code, String reason) {
            }

            @Override
            public boolean isOpen() {
                return true;
            }
        }, RoomPermissions.ALL, RateLimiter.unlimited(), 100);
        hub.register(alice).toCompletableFuture().get(5, TimeUnit.SECONDS);

        CompletionStage<Void> join = node.join(alice, "mod", null, null, true, "j1");
        node.remove("alice", "mod", "moderated").toCompletableFuture().get(5, TimeUnit.SECONDS);
        presence.release();

        assertThatThrownBy(() -> join.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ProtocolException.class)
                .satisfies(e -> {
                    assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.forbidden);
                    assertThat(((ProtocolException) e).frameId()).isEqualTo("j1");
                });
        assertThat(frames).containsExactly("{\"type\":\"removed\",\"room\":\"mod\",\"reason\":\"moderated\"}");
        assertThat(alice.isMember("mod")).isFalse();
        assertThat(presence.members("mod").toCompletableFuture().get()).isEmpty();
        assertThat(hub.localMembers("mod")).isZero();
    }
}
