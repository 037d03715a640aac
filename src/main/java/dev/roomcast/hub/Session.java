package dev.roomcast.hub;

import dev.roomcast.protocol.CloseCodes;

import dev.roomcast.protocol.OutboundFrame;

import dev.roomcast.protocol.StreamOffset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client connection: who it is, which rooms it joined, and where its frames go.
 * Frames of one connection are handled one at a time (serial inbound processing), but deliveries arrive
 * from any thread. There is one per connection, so it keeps its footprint small: the room list is two
 * small arrays ({@link JoinedRooms}) and the state of a join in progress exists only while one is.
 */
public final class Session {

    private final String id;
    private final String user;
    private final FrameSink sink;
    /** Replaced by a {@code refresh} with a new token. */
    private volatile RoomPermissions permissions;
    /** The pending token-expiry timer of this connection (-1: none); owned by the transport. */
    private volatile long expiryTimer = -1;
    /**
     * Rooms held by a subscription token: at most one grant per joined room, so bounded by the rooms per
     * connection. Created at the first grant (writes under this), read without a lock.
     */
    private volatile Map<String, RoomGrant> grants;
    private final JoinedRooms rooms = new JoinedRooms();
    private final RateLimiter limiter;
    /**
     * Live frames of rooms being joined, held back until the ack and the replayed history are out.
     * Created at the first join (guarded by this).
     */
    private Map<String, List<OutboundFrame>> held;
    /**
     * Rooms just recovered: the last offset the replay sent. A live frame up to it is a duplicate — it was
     * stored before the history was read but its pub/sub delivery lagged behind, or it raced the release.
     * Dropped at the first newer live frame (pub/sub delivers a room in offset order). Created at the first
     * recovery (under this), read without a lock.
     */
    private volatile Map<String, StreamOffset> replayedUpTo;
    private volatile boolean holding;
    private final int maxHeld;

    public Session(String id, String user, FrameSink sink, RoomPermissions permissions, RateLimiter limiter,
            int maxHeld) {
        this.maxHeld = maxHeld;
        this.id = id;
        this.user = user;
        this.sink = sink;
        this.permissions = permissions;
        this.limiter = limiter;
    }

    public String id() {
        return id;
    }

    public String user() {
        return user;
    }

    public RoomPermissions permissions() {
        return permissions;
    }

    /** The permissions of a refreshed token; rooms it no longer allows are the caller's to leave. */
    public void permissions(RoomPermissions permissions) {
        this.permissions = permissions;
    }

    /** Whether the connection may join {@code room}: its token's {@code rooms}, or a subscription token it holds. */
    public boolean mayJoin(String room) {
        return permissions.mayJoin(room) || grant(room) != null;
    }

    /** Whether the connection may publish to {@code room}: its token's {@code rooms}, or the room's subscription token. */
    public boolean mayPublish(String room) {
        if (permissions.mayPublish(room)) {
            return true;
        }
        RoomGrant grant = grant(room);
        return grant != null && grant.mayPublish();
    }

    /** Whether the connection may see who is in {@code room} (the {@code presence} list, {@code joined}/{@code left}). */
    public boolean maySeePresence(String room) {
        if (permissions.mayJoin(room)) {
            return true;
        }
        RoomGrant grant = grant(room);
        return grant != null && grant.maySeePresence();
    }

    /** The subscription token this connection holds {@code room} by, or null. */
    public RoomGrant grant(String room) {
        Map<String, RoomGrant> g = grants;
        return g == null ? null : g.get(room);
    }

    /**
     * Holds the grant's room by it from now on, ending the grant it replaces; false (and nothing held) when the
     * connection is not in the room (any more).
     */
    public synchronized boolean grant(RoomGrant grant) {
        if (!rooms.contains(grant.room())) {
            return false;
        }
        if (grants == null) {
            grants = new ConcurrentHashMap<>(4);
        }
        RoomGrant replaced = grants.put(grant.room(), grant);
        if (replaced != null && replaced != grant) {
            replaced.end();
        }
        return true;
    }

    /** Ends {@code grant} if it is still the one its room is held by; false when it was not. */
    public synchronized boolean dropGrant(RoomGrant grant) {
        if (grants == null || !grants.remove(grant.room(), grant)) {
            return false;
        }
        grant.end();
        return true;
    }

    public long expiryTimer() {
        return expiryTimer;
    }

    public void expiryTimer(long timer) {
        this.expiryTimer = timer;
    }

    public RateLimiter limiter() {
        return limiter;
    }

    public boolean isMember(String room) {
        return rooms.contains(room);
    }

    /** The rooms joined, as an immutable snapshot. */
    public List<String> rooms() {
        return rooms.snapshot();
    }

    public int roomCount() {
        return rooms.size();
    }

    boolean addRoom(String room, boolean presenceEvents) {
        return rooms.add(room, presenceEvents);
    }

    boolean removeRoom(String room) {
        Map<String, StreamOffset> replayed = replayedUpTo;
        if (replayed != null) {
            replayed.remove(room);
        }
        boolean removed = rooms.remove(room);
        if (grants != null) {
            endGrant(room);
        }
        return removed;
    }

    /** A room left ends the subscription token it was held by (and its timer). */
    private synchronized void endGrant(String room) {
        RoomGrant grant = grants.remove(room);
        if (grant != null) {
            grant.end();
        }
    }

    public boolean wantsPresenceEvents(String room) {
        return !rooms.isQuiet(room);
    }

    /** Starts holding back live frames of {@code room}; call before joining it. */
    public synchronized void hold(String room) {
        if (held == null) {
            held = new HashMap<>(4);
        }
        held.put(room, new ArrayList<>());
        holding = true;
    }

    /**
     * Sends the frames held for {@code room} — only those after {@code after} when it is not null, since
     * the replay already covered the rest — and resumes live delivery, without a gap or a duplicate.
     */
    public synchronized void release(String room, StreamOffset after) {
        if (after != null) {
            if (replayedUpTo == null) {
                replayedUpTo = new ConcurrentHashMap<>(4);
            }
            replayedUpTo.put(room, after);
        }
        if (held == null) {
            return;
        }
        List<OutboundFrame> frames = held.remove(room);
        holding = !held.isEmpty();
        if (frames == null) {
            return;
        }
        for (OutboundFrame f : frames) {
            if (after == null || f.offset() == null || f.offset().isAfter(after)) {
                write(f);
            }
        }
    }

    /** Stops holding {@code room} and drops what was held: the join did not happen. */
    public synchronized void discard(String room) {
        if (replayedUpTo != null) {
            replayedUpTo.remove(room);
        }
        if (held == null) {
            return;
        }
        held.remove(room);
        holding = !held.isEmpty();
    }

    /** Sends a frame; a connection whose queue is over its bound is closed as a slow consumer. */
    public void send(OutboundFrame frame) {
        if (holding && frame.room() != null && hold(frame)) {
            return;
        }
        Map<String, StreamOffset> replayed = replayedUpTo;
        if (replayed != null && !replayed.isEmpty() && frame.room() != null && alreadyReplayed(replayed, frame)) {
            return;
        }
        write(frame);
    }

    private static boolean alreadyReplayed(Map<String, StreamOffset> replayedUpTo, OutboundFrame frame) {
        StreamOffset upTo = replayedUpTo.get(frame.room());
        if (upTo == null || frame.offset() == null) {
            return false;
        }
        if (!frame.offset().isAfter(upTo)) {
            return true;
        }
        replayedUpTo.remove(frame.room(), upTo);
        return false;
    }

    /** Sends a replayed history frame of a room being joined, ahead of the live frames held back. */
    public void replay(OutboundFrame frame) {
        write(frame);
    }

    private void write(OutboundFrame frame) {
        if (!sink.write(frame) && sink.isOpen()) {
            sink.close(CloseCodes.SLOW_CONSUMER, "slow consumer");
        }
    }

    private synchronized boolean hold(OutboundFrame frame) {
        List<OutboundFrame> frames = held == null ? null : held.get(frame.room());
        if (frames == null) {
            return false;
        }
        if (frames.size() >= maxHeld) {
            sink.close(CloseCodes.SLOW_CONSUMER, "slow consumer");
        }
        frames.add(frame);
        return true;
    }

    public void close(int code, String reason) {
        sink.close(code, reason);
    }

    public boolean isOpen() {
        return sink.isOpen();
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + user + "]";
    }
}
