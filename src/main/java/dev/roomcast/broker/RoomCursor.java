package dev.roomcast.broker;

import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.Offsets;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What this node delivered of one subscribed room: the last offset, and while the room is being
 * recovered after a pub/sub outage, the live frames held back until the history gap is filled.
 * Delivery happens under the cursor's lock so live frames and recovered ones never interleave.
 */
final class RoomCursor {

    private String lastOffset;
    private String epoch;
    private List<OutboundFrame> held;

    /** Delivers a live frame unless it is held (recovering) or was already delivered. */
    synchronized void live(OutboundFrame frame, Consumer<OutboundFrame> deliver) {
        if (held != null) {
            held.add(frame);
            return;
        }
        deliverOnce(frame, deliver);
    }

    synchronized void hold() {
        if (held == null) {
            held = new ArrayList<>();
        }
    }

    /** Delivers recovered frames (oldest first), then what was held, each at most once; resumes live delivery. */
    synchronized void resume(List<OutboundFrame> recovered, Consumer<OutboundFrame> deliver) {
        for (OutboundFrame f : recovered) {
            deliverOnce(f, deliver);
        }
        List<OutboundFrame> pending = held;
        held = null;
        if (pending != null) {
            for (OutboundFrame f : pending) {
                deliverOnce(f, deliver);
            }
        }
    }

    private void deliverOnce(OutboundFrame frame, Consumer<OutboundFrame> deliver) {
        String offset = frame.offset();
        if (offset != null) {
            if (lastOffset != null && Offsets.compare(offset, lastOffset) <= 0) {
                return; // already delivered (recovery overlap)
            }
            lastOffset = offset;
        }
        deliver.accept(frame);
    }

    /** Where delivery stands; {@code null} before the first message or known position. */
    synchronized String lastOffset() {
        return lastOffset;
    }

    /** Sets the starting position learnt at join time, unless messages were delivered already. */
    synchronized void startAt(String offset, String roomEpoch) {
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
