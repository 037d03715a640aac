package dev.roomcast.broker;

import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One node's cursor of a subscribed room. The position a join learns from a command reply is where a recovery would
 * start, never a reason to drop a live publication: Redis answers the join's script on the command connection and
 * delivers a message stored just before it on the pub/sub connection, in either order (DrainIT lost the first
 * acknowledged message of a room on every client of one node that way).
 */
class RoomCursorTest {

    private final List<Long> delivered = new ArrayList<>();

    private static Publication at(long n) {
        return new Publication("doc", StreamOffset.of(n), "e1", 0, "alice", "{}");
    }

    private void deliver(Publication p) {
        delivered.add(p.offset().major());
    }

    @Test
    void aPublicationThatArrivesAfterTheJoinLearntItsOffsetIsStillDelivered() {
        RoomCursor cursor = new RoomCursor(1000, Long.MAX_VALUE, false);
        cursor.startAt(StreamOffset.of(1), "e1"); // the join read latest = 1 before pub/sub delivered message 1

        cursor.live(at(1), this::deliver);
        cursor.live(at(2), this::deliver);
        cursor.live(at(2), this::deliver); // a real duplicate (recovery overlap) is still dropped

        assertThat(delivered).containsExactly(1L, 2L);
    }

    @Test
    void aRecoveryReadsOnFromTheJoinPositionUntilSomethingWasDeliveredThenFromTheLastDelivered() {
        RoomCursor cursor = new RoomCursor(1000, Long.MAX_VALUE, false);
        assertThat(cursor.lastOffset()).isNull();
        cursor.startAt(StreamOffset.of(5), "e1");
        cursor.startAt(StreamOffset.of(9), "e1"); // a later member's join: the first position counts
        assertThat(cursor.lastOffset()).isEqualTo(StreamOffset.of(5));

        cursor.live(at(6), this::deliver);
        assertThat(cursor.lastOffset()).isEqualTo(StreamOffset.of(6));

        cursor.hold(); // pub/sub outage
        cursor.live(at(8), this::deliver);
        assertThat(cursor.resume(List.of(at(7), at(8)), this::deliver)).isTrue();
        cursor.live(at(9), this::deliver);

        assertThat(delivered).containsExactly(6L, 7L, 8L, 9L);
    }

    @Test
    void aGapIsDeliveredPageByPageWithLiveOnesHeldUntilTheLastPage() {
        RoomCursor cursor = new RoomCursor(1000, Long.MAX_VALUE, false);
        cursor.startAt(StreamOffset.of(0), "e1");
        cursor.live(at(1), this::deliver);
        cursor.hold(); // pub/sub outage: 2..7 missed, 8 and 9 arrive live once it is back

        cursor.live(at(8), this::deliver);
        cursor.catchUp(List.of(at(2), at(3), at(4)), this::deliver);
        assertThat(cursor.lastOffset()).as("the next page reads on from here").isEqualTo(StreamOffset.of(4));
        cursor.live(at(9), this::deliver);
        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L);

        assertThat(cursor.resume(List.of(at(5), at(6), at(7), at(8)), this::deliver)).isTrue();
        cursor.live(at(10), this::deliver);

        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    /**
     * Live publications of large messages held while the room is recovered: beyond the bytes bound they are dropped
     * and the stream, which has them, is read again — held by count only, 1000 messages of 64 KiB would be 64 MiB.
     */
    @Test
    void liveDataBeyondTheHeldBytesIsReadAgainFromTheStream() {
        RoomCursor cursor = new RoomCursor(1000, 250, false);
        cursor.live(sized(1, 100), this::deliver);
        cursor.hold();
        cursor.live(sized(3, 100), this::deliver);
        cursor.live(sized(4, 100), this::deliver);
        cursor.live(sized(5, 100), this::deliver); // 300 bytes held: all three dropped

        assertThat(cursor.resume(List.of(sized(2, 100), sized(3, 100)), this::deliver)).as("read again").isFalse();
        assertThat(cursor.lastOffset()).isEqualTo(StreamOffset.of(3));
        cursor.live(sized(6, 100), this::deliver);
        assertThat(cursor.resume(List.of(sized(4, 100), sized(5, 100), sized(6, 100)), this::deliver)).isTrue();
        cursor.live(sized(7, 100), this::deliver);

        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    /**
     * Where the stream keeps them, a room waiting for its recovery holds nothing: its live publications are read
     * from the stream with the gap, once its turn comes. So what a node holds is bounded by the rooms being
     * recovered (8), not by every room it serves.
     */
    @Test
    void aWaitingRoomHoldsNothingAndItsRecoveryHoldsFromItsStart() {
        RoomCursor cursor = new RoomCursor(1000, Long.MAX_VALUE, true);
        cursor.live(at(1), this::deliver);
        cursor.hold();
        cursor.covered(); // resubscribed: live ones arrive, the room waits its turn
        cursor.live(at(3), this::deliver);
        cursor.live(at(4), this::deliver);

        cursor.recovering();
        cursor.live(at(6), this::deliver); // held from now on
        assertThat(cursor.resume(List.of(at(2), at(3), at(4), at(5)), this::deliver)).isTrue();
        cursor.live(at(7), this::deliver);

        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    private static Publication sized(long n, int bytes) {
        return new Publication("doc", StreamOffset.of(n), "e1", 0, "alice", "x".repeat(bytes));
    }

    @Test
    void aLastPageOpensTheRoomOnlyIfReadWhileSubscribedAndNotHeldAgainSince() {
        RoomCursor cursor = new RoomCursor(1000, Long.MAX_VALUE, false);
        assertThat(cursor.coveredSince(cursor.coverage())).as("never held").isTrue();

        cursor.hold(); // outage 1
        assertThat(cursor.coverage()).as("read while the channel is down").isNegative();
        assertThat(cursor.coveredSince(cursor.coverage())).isFalse();

        cursor.covered(); // resubscribed
        int readUnderOne = cursor.coverage();
        assertThat(cursor.coveredSince(readUnderOne)).isTrue();

        cursor.hold(); // outage 2 while the page was read
        assertThat(cursor.coveredSince(readUnderOne)).isFalse();
        cursor.covered(); // resubscribed again: a page read before it still must not open the room
        assertThat(cursor.coveredSince(readUnderOne)).isFalse();
        assertThat(cursor.coveredSince(cursor.coverage())).isTrue();
    }
}
