package dev.roomcast.hub;

import dev.roomcast.protocol.CloseCodes;

import dev.roomcast.protocol.HoldBack;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.StreamOffset;

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
     * The hold-back of each room being joined, and after a recovery until its first newer live frame: a live frame
     * up to the replay is a duplicate — it was stored before the history was read but its pub/sub delivery lagged
     * behind, or it raced the release (pub/sub delivers a room in offset order, so the first newer frame ends it).
     * Null when there is none, which is the common case: {@link #send} then costs one volatile read. Replaced, never
     * changed, under this session's lock.
     */
    private volatile Map<String, HoldBack<OutboundFrame>> holdBacks;
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
        if (holdBacks != null) {
            forget(room, null);
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
        HoldBack<OutboundFrame> gate = new HoldBack<>(OutboundFrame::offset, maxHeld);
        gate.close();
        Map<String, HoldBack<OutboundFrame>> next = holdBacks == null ? new HashMap<>(4) : new HashMap<>(holdBacks);
        next.put(room, gate);
        holdBacks = Map.copyOf(next);
    }

    /**
     * Sends {@code replay} (the room's missed messages, oldest first), then the live frames held for {@code room},
     * each at most once, and resumes live delivery without a gap or a duplicate.
     *
     * @param since where the client's history stood (the replay follows it): live frames up to it and up to the
     *              replay are dropped until the first newer one; null for a join without one (nothing dropped)
     */
    public void release(String room, StreamOffset since, List<OutboundFrame> replay) {
        Map<String, HoldBack<OutboundFrame>> gates = holdBacks;
        HoldBack<OutboundFrame> gate = gates == null ? null : gates.get(room);
        if (gate == null) {
            replay.forEach(this::write);
            return;
        }
        if (since != null) {
            gate.startAt(since);
        }
        boolean opened = gate.open(replay, this::write);
        if (since == null || !opened) {
            forget(room, gate);
        }
    }

    /** Stops holding {@code room} and drops what was held: the join did not happen. */
    public void discard(String room) {
        forget(room, null);
    }

    /** Removes the room's hold-back ({@code expected}: only if it still is that one; null: whichever). */
    private synchronized void forget(String room, HoldBack<OutboundFrame> expected) {
        Map<String, HoldBack<OutboundFrame>> gates = holdBacks;
        HoldBack<OutboundFrame> current = gates == null ? null : gates.get(room);
        if (current == null || (expected != null && current != expected)) {
            return;
        }
        Map<String, HoldBack<OutboundFrame>> next = new HashMap<>(gates);
        next.remove(room);
        holdBacks = next.isEmpty() ? null : Map.copyOf(next);
    }

    /** Sends a frame; a connection whose queue is over its bound is closed as a slow consumer. */
    public void send(OutboundFrame frame) {
        Map<String, HoldBack<OutboundFrame>> gates = holdBacks;
        if (gates == null || frame.room() == null) {
            write(frame);
            return;
        }
        sendThrough(gates.get(frame.room()), frame);
    }

    /** A frame of a room that may be held back or already replayed (the slow path of {@link #send}). */
    private void sendThrough(HoldBack<OutboundFrame> gate, OutboundFrame frame) {
        if (gate == null) {
            write(frame);
            return;
        }
        switch (gate.offer(frame, this::write)) {
            case DELIVERED -> {
                if (frame.offset() != null) {
                    forget(frame.room(), gate); // the first newer live frame: no duplicate can follow
                }
            }
            case OVER_BOUND -> sink.close(CloseCodes.SLOW_CONSUMER, "slow consumer");
            case HELD, DUPLICATE -> {
            }
        }
    }

    private void write(OutboundFrame frame) {
        if (!sink.write(frame) && sink.isOpen()) {
            sink.close(CloseCodes.SLOW_CONSUMER, "slow consumer");
        }
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
