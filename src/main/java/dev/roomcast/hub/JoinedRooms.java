package dev.roomcast.hub;

import java.util.Arrays;
import java.util.List;

/**
 * The rooms one connection is in, and which of them were joined without presence events.
 * <p>
 * Copy-on-write arrays rather than concurrent hash sets: a connection is in few rooms (at most
 * {@code roomcast.limits.max-rooms-per-connection}), joins and leaves are rare next to the lookups,
 * and two small arrays cost about 60 bytes where two concurrent sets cost about 460 — per connection.
 * Writes come from the connection's serial frame handling and from its close, hence the lock; reads
 * (deliveries, presence events) come from any thread and see a consistent array without one.
 */
final class JoinedRooms {

    private static final String[] NONE = {};

    private volatile String[] rooms = NONE;
    /** The subset joined with {@code "presence": false}. */
    private volatile String[] quiet = NONE;

    /** Adds the room (or updates its presence-events choice); false when it was already in. */
    synchronized boolean add(String room, boolean presenceEvents) {
        boolean isQuiet = indexOf(quiet, room) >= 0;
        if (presenceEvents && isQuiet) {
            quiet = without(quiet, room);
        } else if (!presenceEvents && !isQuiet) {
            quiet = with(quiet, room);
        }
        if (indexOf(rooms, room) >= 0) {
            return false;
        }
        rooms = with(rooms, room);
        return true;
    }

    /** Removes the room; false when it was not in. */
    synchronized boolean remove(String room) {
        if (indexOf(quiet, room) >= 0) {
            quiet = without(quiet, room);
        }
        if (indexOf(rooms, room) < 0) {
            return false;
        }
        rooms = without(rooms, room);
        return true;
    }

    boolean contains(String room) {
        return indexOf(rooms, room) >= 0;
    }

    boolean isQuiet(String room) {
        String[] q = quiet;
        return q.length > 0 && indexOf(q, room) >= 0;
    }

    int size() {
        return rooms.length;
    }

    /** An immutable snapshot. */
    List<String> snapshot() {
        return List.of(rooms);
    }

    private static int indexOf(String[] array, String room) {
        for (int i = 0; i < array.length; i++) {
            if (array[i].equals(room)) {
                return i;
            }
        }
        return -1;
    }

    private static String[] with(String[] array, String room) {
        String[] out = Arrays.copyOf(array, array.length + 1);
        out[array.length] = room;
        return out;
    }

    private static String[] without(String[] array, String room) {
        int i = indexOf(array, room);
        if (array.length == 1) {
            return NONE;
        }
        String[] out = new String[array.length - 1];
        System.arraycopy(array, 0, out, 0, i);
        System.arraycopy(array, i + 1, out, i, array.length - i - 1);
        return out;
    }
}
