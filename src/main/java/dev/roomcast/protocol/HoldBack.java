package dev.roomcast.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The one hold-back of a room's ordered stream of items (publications, their frames): while closed it holds the
 * live items back; {@link #open} delivers the items recovered from history, then the held ones. Every item with an
 * offset is delivered at most once and in offset order — one not after the last delivered position is a duplicate
 * and dropped; items without an offset (presence events) are never duplicates and keep their place among the held.
 * <p>
 * Used by a joining connection ({@code hub.Session}: a room's live frames held until the ack and the replay are out)
 * and by a room's cursor on one node ({@code broker.RoomCursor}: its live publications held while the gap after a
 * pub/sub outage is read from the stream). Items arrive on any thread; delivery happens under this object's lock, so
 * live items and recovered ones never interleave.
 * <p>
 * <b>Bound.</b> At most {@code maxHeld} items are held, and where a size is given, at most {@code maxHeldBytes}
 * of them (one item is always held, however large). The one over either makes {@link #offer} answer
 * {@link Outcome#OVER_BOUND}: everything held is dropped, and so is every further live item until the next
 * {@link #open}, which then delivers what was recovered but stays closed and answers false — the caller either
 * reads the stream again from {@link #last()} or gives up (a connection is closed as a slow consumer).
 *
 * @param <T> the item; its offset is read by the function given at construction
 */
public final class HoldBack<T> {

    public enum Outcome {
        /** Passed on now (the gate is open and it is news). */
        DELIVERED,
        /** Held until {@link #open}. */
        HELD,
        /** Not after the last delivered position: dropped. */
        DUPLICATE,
        /** Over the bound: dropped, with everything held (see the class comment). */
        OVER_BOUND
    }

    private final Function<? super T, StreamOffset> offsetOf;
    private final int maxHeld;
    /** An item's size, for the bound in bytes; null: counted only. */
    private final ToLongFunction<? super T> sizeOf;
    private final long maxHeldBytes;
    private StreamOffset last;
    /** The held items; null while open. */
    private List<T> held;
    private long heldBytes;
    private boolean overflowed;

    /**
     * @param offsetOf an item's offset, null for an item that has none
     * @param maxHeld  how many items may be held while closed
     */
    public HoldBack(Function<? super T, StreamOffset> offsetOf, int maxHeld) {
        this(offsetOf, maxHeld, null, Long.MAX_VALUE);
    }

    /**
     * @param sizeOf       an item's size in bytes
     * @param maxHeldBytes how many bytes of items may be held while closed (at least one item is)
     */
    public HoldBack(Function<? super T, StreamOffset> offsetOf, int maxHeld, ToLongFunction<? super T> sizeOf,
            long maxHeldBytes) {
        this.offsetOf = offsetOf;
        this.maxHeld = maxHeld;
        this.sizeOf = sizeOf;
        this.maxHeldBytes = maxHeldBytes;
    }

    /** A live item: delivered now unless held (closed) or already delivered. */
    public synchronized Outcome offer(T item, Consumer<? super T> deliver) {
        if (held == null) {
            return deliverOnce(item, deliver) ? Outcome.DELIVERED : Outcome.DUPLICATE;
        }
        if (overflowed) {
            return Outcome.OVER_BOUND;
        }
        long size = sizeOf == null ? 0 : sizeOf.applyAsLong(item);
        if (held.size() >= maxHeld || (!held.isEmpty() && heldBytes + size > maxHeldBytes)) {
            dropHeld();
            return Outcome.OVER_BOUND;
        }
        held.add(item);
        heldBytes += size;
        return Outcome.HELD;
    }

    /** Holds live items from now on, until {@link #open}. */
    public synchronized void close() {
        if (held == null) {
            held = new ArrayList<>();
        }
    }

    /**
     * Closes without holding: every live item is dropped from now on, as after an overflow, for a caller that will
     * read them from a stream that keeps them; {@link #holdFromNow} starts holding again before that read.
     */
    public synchronized void closeDropping() {
        close();
        dropHeld();
    }

    /** Drops what is held, and every further live item until {@link #holdFromNow} or {@link #open}. */
    private void dropHeld() {
        held.clear();
        heldBytes = 0;
        overflowed = true;
    }

    /**
     * While closed: holds live items from now on, whatever was dropped before (an overflow, {@link #closeDropping}).
     * For a caller about to read the stream from {@link #last()}, which brings back what was dropped.
     */
    public synchronized void holdFromNow() {
        if (held != null) {
            overflowed = false;
        }
    }

    /**
     * Delivers one page of recovered items (oldest first), each at most once, and stays as it is: while closed the
     * held items stay held, to follow the last page ({@link #open}). A long gap is delivered page by page this
     * way, so no more than a page of it is read into memory at a time. After an overflow the page is still
     * delivered (it comes from the stream, which has what was dropped).
     */
    public synchronized void deliver(List<? extends T> recovered, Consumer<? super T> deliver) {
        for (T item : recovered) {
            deliverOnce(item, deliver);
        }
    }

    /**
     * Delivers {@code recovered} (oldest first), then what was held, each at most once, and lets live items through
     * again. After an overflow it delivers only {@code recovered}, stays closed and returns false.
     */
    public synchronized boolean open(List<? extends T> recovered, Consumer<? super T> deliver) {
        for (T item : recovered) {
            deliverOnce(item, deliver);
        }
        if (overflowed) {
            overflowed = false;
            return false;
        }
        List<T> pending = held;
        held = null;
        heldBytes = 0;
        if (pending != null) {
            for (T item : pending) {
                deliverOnce(item, deliver);
            }
        }
        return true;
    }

    /** Sets where delivery stands when nothing was delivered yet (a known starting position). */
    public synchronized void startAt(StreamOffset offset) {
        if (last == null) {
            last = offset;
        }
    }

    /** The last position delivered (or started at); null before any. */
    public synchronized StreamOffset last() {
        return last;
    }

    public synchronized boolean isClosed() {
        return held != null;
    }

    private boolean deliverOnce(T item, Consumer<? super T> deliver) {
        StreamOffset offset = offsetOf.apply(item);
        if (offset != null) {
            if (last != null && !offset.isAfter(last)) {
                return false;
            }
            last = offset;
        }
        deliver.accept(item);
        return true;
    }
}
