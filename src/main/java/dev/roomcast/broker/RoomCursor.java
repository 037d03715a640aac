package dev.roomcast.broker;

import dev.roomcast.protocol.HoldBack;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.List;
import java.util.function.Consumer;

/**
 * What this node delivered of one subscribed room: the last offset and the room's epoch, and while the room is
 * being recovered after a pub/sub outage, its live publications held back until the gap is filled from the stream
 * ({@link HoldBack}). What it holds is bounded (by the broker: the history's size, at least 1000); over that the
 * held publications are dropped and the stream is read again from the last delivered offset (it has them), so the
 * buffer stays bounded however long the read takes.
 */
final class RoomCursor {

    private final HoldBack<Publication> delivered;
    private String epoch;

    RoomCursor(int maxHeld) {
        this.delivered = new HoldBack<>(Publication::offset, maxHeld);
    }

    /** Delivers a live publication unless it is held (recovering) or was already delivered. */
    void live(Publication p, Consumer<Publication> deliver) {
        delivered.offer(p, deliver);
    }

    void hold() {
        delivered.close();
    }

    /**
     * Delivers recovered publications (oldest first), then what was held, each at most once; resumes live
     * delivery. False when more arrived meanwhile than the cursor holds: it stays held, and the stream must be
     * read again from {@link #lastOffset()}.
     */
    boolean resume(List<Publication> recovered, Consumer<Publication> deliver) {
        return delivered.open(recovered, deliver);
    }

    /** Where delivery stands; {@code null} before the first message or known position. */
    StreamOffset lastOffset() {
        return delivered.last();
    }

    /** Sets the starting position learnt at join time, unless messages were delivered already. */
    synchronized void startAt(StreamOffset offset, String roomEpoch) {
        if (offset != null) {
            delivered.startAt(offset);
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
