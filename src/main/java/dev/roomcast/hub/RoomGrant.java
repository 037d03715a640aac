package dev.roomcast.hub;

import java.util.function.LongConsumer;

/**
 * One room allowed to one user by a verified subscription token (a join's {@code token}), whatever the
 * connection token's {@code rooms} say. Its permissions add to the connection's for this room only. A
 * {@link Session} holds at most one per joined room; leaving the room ends it.
 */
public final class RoomGrant {

    private final String user;
    private final String room;
    private final long expiresAt;
    private final boolean mayPublish;
    private final boolean maySeePresence;
    /** The transport's expiry timer of this grant (-1: none), and how to cancel it (guarded by this). */
    private long timer = -1;
    private LongConsumer cancelTimer;
    private boolean ended;

    /**
     * @param expiresAt the token's {@code exp}, seconds since the Unix epoch
     */
    public RoomGrant(String user, String room, long expiresAt, boolean mayPublish, boolean maySeePresence) {
        this.user = user;
        this.room = room;
        this.expiresAt = expiresAt;
        this.mayPublish = mayPublish;
        this.maySeePresence = maySeePresence;
    }

    public String user() {
        return user;
    }

    public String room() {
        return room;
    }

    public long expiresAt() {
        return expiresAt;
    }

    public boolean mayPublish() {
        return mayPublish;
    }

    /** The {@code presence} list and the {@code joined}/{@code left} events of the room. */
    public boolean maySeePresence() {
        return maySeePresence;
    }

    public synchronized long timer() {
        return timer;
    }

    /** The current expiry timer (-1: none) and how to cancel it; one that ended cancels a new timer at once. */
    public synchronized void timer(long id, LongConsumer cancel) {
        if (ended && id >= 0) {
            cancel.accept(id);
            return;
        }
        this.timer = id;
        this.cancelTimer = cancel;
    }

    /** The grant no longer applies (its room was left, or a new token replaced it): its timer is cancelled. */
    synchronized void end() {
        ended = true;
        if (timer >= 0 && cancelTimer != null) {
            cancelTimer.accept(timer);
        }
        timer = -1;
    }

    @Override
    public String toString() {
        return "RoomGrant[" + user + ", " + room + ", exp " + expiresAt + (mayPublish ? ", publish" : "")
                + (maySeePresence ? ", presence" : "") + "]";
    }
}
