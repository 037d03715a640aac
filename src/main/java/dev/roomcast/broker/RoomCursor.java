package dev.roomcast.broker;

import dev.roomcast.protocol.HoldBack;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.List;
import java.util.function.Consumer;

/**
 * What this node delivered of one subscribed room: the last offset and the room's epoch, and while the room is
 * being recovered after a pub/sub outage, its live publications held back until the gap is filled from the stream
 * ({@link HoldBack}). What it holds is bounded (by the broker: the history's size, at least 1000, and a page's
 * bytes of message data); over that the held publications are dropped and the stream is read again from the last
 * delivered offset (it has them), so the buffer stays bounded however long the read takes. Where the stream keeps
 * them, a room waiting for its turn holds nothing ({@link #hold} drops, {@link #recovering} starts holding). A long
 * gap is delivered in pages ({@link #catchUp}), the room held until the last ({@link #resume}).
 */
final class RoomCursor {

    private final HoldBack<Publication> delivered;
    /**
     * The room's position when this node learnt it from a command (a join's presence step or history read): where
     * a recovery reads from while nothing was delivered yet. Never a reason to drop a live publication: pub/sub
     * may deliver a message stored before that reply after it (they travel on different connections).
     */
    private StreamOffset startedAt;
    private String epoch;
    /** Times the room was held: one per loss of its channel. */
    private int holds;
    /** {@link #holds} when the room's channel was last subscribed again: equal while the subscription is up. */
    private int coveredHolds;

    /** Whether live publications are dropped, not held, until the room's recovery starts (the stream keeps them). */
    private final boolean dropUntilRecovering;

    /**
     * @param maxHeld             live publications held at most while the room is recovered
     * @param maxHeldBytes        their message data held at most (at least one publication is held)
     * @param dropUntilRecovering drop live publications from {@link #hold} until {@link #recovering}, rather than hold
     *                            them while the room waits its turn: only where the stream keeps what is dropped
     */
    RoomCursor(int maxHeld, long maxHeldBytes, boolean dropUntilRecovering) {
        this.delivered = new HoldBack<>(Publication::offset, maxHeld, p -> p.data().length(), maxHeldBytes);
        this.dropUntilRecovering = dropUntilRecovering;
    }

    /** Delivers a live publication unless it is held (recovering) or was already delivered. */
    void live(Publication p, Consumer<Publication> deliver) {
        delivered.offer(p, deliver);
    }

    void hold() {
        synchronized (this) {
            holds++;
        }
        if (dropUntilRecovering) {
            delivered.closeDropping();
        } else {
            delivered.close();
        }
    }

    /**
     * The room's recovery starts: live publications are held from now on, until {@link #resume}; its read from
     * {@link #lastOffset()} brings back whatever was dropped before.
     */
    void recovering() {
        delivered.holdFromNow();
    }

    /** The room's channel is subscribed again after {@link #hold()}: what is published from now on arrives. */
    synchronized void covered() {
        coveredHolds = holds;
    }

    /**
     * Taken when a recovery reads the room's last page: a mark that {@link #coveredSince} accepts only if the
     * subscription was up then and the room was not held again since — else what was published after the read
     * may be neither in the page nor among the held publications, and the room must not be opened yet.
     */
    synchronized int coverage() {
        return coveredHolds == holds ? holds : -1;
    }

    synchronized boolean coveredSince(int coverage) {
        return coverage >= 0 && coverage == holds && coveredHolds == holds;
    }

    /**
     * Delivers one page of recovered publications (oldest first) that is not the last, each at most once; live ones
     * stay held.
     */
    void catchUp(List<Publication> page, Consumer<Publication> deliver) {
        delivered.deliver(page, deliver);
    }

    /**
     * Delivers the last page of recovered publications (oldest first), then what was held, each at most once; resumes live
     * delivery. False when more arrived meanwhile than the cursor holds: it stays held, and the stream must be
     * read again from {@link #lastOffset()}.
     */
    boolean resume(List<Publication> recovered, Consumer<Publication> deliver) {
        return delivered.open(recovered, deliver);
    }

    /**
     * Where a recovery reads on from: the last publication delivered, or before any, the position learnt at join
     * time; {@code null} before both.
     */
    synchronized StreamOffset lastOffset() {
        StreamOffset last = delivered.last();
        return last != null ? last : startedAt;
    }

    /** Records the position learnt at join time (the first one counts) and the room's epoch. */
    synchronized void startAt(StreamOffset offset, String roomEpoch) {
        if (startedAt == null) {
            startedAt = offset;
        }
        if (epoch == null) {
            epoch = roomEpoch;
        }
    }

    synchronized void epoch(String e) {
        epoch = e;
    }

    synchronized String epoch() {
        return epoch;
    }
}
