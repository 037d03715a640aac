package dev.roomcast.hub;

import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.StreamOffset;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A join with {@code since}: live frames that reach the session after the replay but are not newer than
 * it (their pub/sub delivery lagged behind the history read, or raced the release) are not sent twice.
 */
class SessionRecoveryTest {

    private final List<String> written = new ArrayList<>();

    /** Keeps the offsets written and the code the session closed it with (0: open). */
    private final class Sink implements FrameSink {
        int closedWith;

        @Override
        public boolean write(OutboundFrame frame) {
            written.add(frame.offset().toString());
            return true;
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }

        @Override
        public boolean isOpen() {
            return closedWith == 0;
        }
    }

    private final Session session = new Session("c1", "alice", new Sink(), RoomPermissions.ALL, RateLimiter.unlimited(), 100);

    private static OutboundFrame message(String offset) {
        return OutboundFrame.message("{\"type\":\"message\",\"offset\":\"" + offset + "\"}", "doc", StreamOffset.parse(offset), 0);
    }

    @Test
    void liveFramesAlreadyReplayedAreDroppedUntilTheFirstNewerOne() {
        session.hold("doc");
        session.send(message("1-5")); // held during the join
        session.release("doc", StreamOffset.parse("1-2"), List.of(message("1-3"), message("1-4"), message("1-5")));
        session.send(message("1-4")); // lagging pub/sub delivery of replayed frames
        session.send(message("1-5"));
        session.send(message("1-6"));
        session.send(message("1-7"));
        assertThat(written).containsExactly("1-3", "1-4", "1-5", "1-6", "1-7");
    }

    @Test
    void aJoinWithoutSinceDropsNothing() {
        session.hold("doc");
        session.send(message("2-2"));
        session.release("doc", null, List.of());
        session.send(message("2-1")); // published before the join's history read, delivered late: still news
        session.send(message("2-3"));
        assertThat(written).containsExactly("2-2", "2-1", "2-3");
    }

    @Test
    void aConnectionThatFallsBehindWhileJoiningIsClosedAsASlowConsumer() {
        Sink sink = new Sink();
        Session small = new Session("c2", "bob", sink, RoomPermissions.ALL, RateLimiter.unlimited(), 2);
        small.hold("doc");
        small.send(message("3-1"));
        small.send(message("3-2"));
        assertThat(sink.closedWith).isZero();
        small.send(message("3-3"));
        assertThat(sink.closedWith).isEqualTo(dev.roomcast.protocol.CloseCodes.SLOW_CONSUMER);
        assertThat(written).isEmpty();
    }
}
