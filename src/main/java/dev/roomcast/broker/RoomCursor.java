package dev.roomcast.broker;

import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What this node delivered of one subscribed room: the last offset, and while the room is being
 * recovered after a pub/sub outage, the live publications held back until the history gap is filled.
 * Delivery happens under the cursor's lock so live publications and recovered ones never interleave.
 */
final class RoomCursor {

    private StreamOffset lastOffset;
    private String epoch;
    private List<Publication> held;

    /** Delivers a live publication unless it is held (recovering) or was already delivered. */
    synchronized void live(Publication p, Consumer<Publication> deliver) {
        if (held != null) {
            held.add(p);
            return;
        }
        deliverOnce(p, deliver);
    }

    synchronized void hold() {
        if (held == null) {
            held = new ArrayList<>();
        }
    }

    /** Delivers recovered publications (oldest first), then what was held, each at most once; resumes live delivery. */
    synchronized void resume(List<Publication> recovered, Consumer<Publication> deliver) {
        for (Publication p : recovered) {
            deliverOnce(p, deliver);
        }
        List<Publication> pending = held;
        held = null;
        if (pending != null) {
            for (Publication p : pending) {
                deliverOnce(p, deliver);
            }
        }
    }

    private void deliverOnce(Publication p, Consumer<Publication> deliver) {
        if (lastOffset != null && !p.offset().isAfter(lastOffset)) {
            return; // already delivered (recovery overlap)
        }
        lastOffset = p.offset();
        deliver.accept(p);
    }

    /** Where delivery stands; {@code null} before the first message or known position. */
    synchronized StreamOffset lastOffset() {
        return lastOffset;
    }

    /** Sets the starting position learnt at join time, unless messages were delivered already. */
    synchronized void startAt(StreamOffset offset, String roomEpoch) {
        if (lastOffset == null && offset != null) {
            lastOffset = offset;
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
