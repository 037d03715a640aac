package dev.roomcast.hub;

import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.protocol.MessageFrames;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.ServerFrames;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.BrokerListener;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.broker.UserControl;
import dev.roomcast.presence.AnnouncingPresence;
import dev.roomcast.presence.OnlineUsers;
import dev.roomcast.presence.Presence;
import org.jboss.logging.Logger;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node-local registry {@code room → sessions} and {@code user → sessions}, and local delivery.
 * <p>
 * A room's broker channel is subscribed when its first local member joins and unsubscribed when the
 * last one leaves. The decision and the broker call happen inside {@link ConcurrentHashMap#compute}, so
 * concurrent join/leave/close of many connections issue subscribe/unsubscribe strictly alternating, in
 * the order the registry changed — the broker keeps that order per channel.
 */
public final class Hub implements BrokerListener {

    private static final Logger LOG = Logger.getLogger(Hub.class);

    private final Broker broker;
    private final Presence presence;
    /** The presence store's one-round-trip join and leave, when it has them (Redis); null otherwise. */
    private final AnnouncingPresence announcing;
    private final DeliveryObserver observer;
    private final ConcurrentHashMap<String, Group> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Group> users = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Told each user's first and last connection on this node (webhooks' user.online/offline); NONE when off. */
    private volatile OnlineUsers online = OnlineUsers.NONE;

    public Hub(Broker broker, Presence presence, DeliveryObserver observer) {
        this.broker = broker;
        this.presence = presence;
        this.announcing = presence instanceof AnnouncingPresence a ? a : null;
        this.observer = observer;
    }

    // --- connections ---------------------------------------------------------------------------

    /** Registers a new connection; completes once direct messages to its user reach this node. */
    public CompletionStage<Void> register(Session session) {
        sessions.add(session);
        Group g = users.compute(session.user(), (user, group) -> {
            if (group == null) {
                group = new Group(broker.subscribeUser(user));
                online.arrived(user);
            }
            group.members.add(session);
            return group;
        });
        return g.subscribed.thenApply(x -> null);
    }

    /** Reports users' first and last connections on this node to {@code online} from now on. */
    public void trackOnline(OnlineUsers online) {
        this.online = online;
    }

    /** Reports every user with a connection here as arrived again (this node's online state was reaped). */
    public void reportOnlineAgain() {
        for (String user : users.keySet()) {
            online.arrived(user);
        }
    }

    /** Removes a closed connection from every room and user entry. */
    public void unregister(Session session) {
        if (!sessions.remove(session)) {
            return;
        }
        for (String room : Set.copyOf(session.rooms())) {
            leave(session, room, true);
        }
        users.computeIfPresent(session.user(), (user, group) -> {
            group.members.remove(session);
            if (group.members.isEmpty()) {
                broker.unsubscribeUser(user).exceptionally(e -> logFailure("unsubscribe user " + user, e));
                online.departed(user);
                return null;
            }
            return group;
        });
    }

    // --- rooms ---------------------------------------------------------------------------------

    /**
     * Adds the session to the room. Completes when the room's channel is subscribed and presence is
     * recorded, with whether this was the user's first connection in the room. Joining twice is a no-op.
     *
     * @param plain a join without recovery: presence may announce {@code joined} and read the history
     *              position in the same round trip (where presence is an {@link AnnouncingPresence})
     */
    public CompletionStage<JoinOutcome> join(Session session, String room, boolean presenceEvents, boolean plain) {
        if (!session.addRoom(room, presenceEvents)) {
            Group existing = rooms.get(room);
            CompletionStage<Object> ready = existing == null ? CompletableFuture.completedFuture(null) : existing.subscribed;
            return ready.thenApply(x -> new JoinOutcome(false, false, 0, false, null));
        }
        Group g = rooms.compute(room, (r, group) -> {
            if (group == null) {
                group = new Group(broker.subscribeRoom(r));
            }
            group.members.add(session);
            return group;
        });
        return g.subscribed
                .thenCompose(x -> plain && announcing != null
                        ? announcing.recordJoin(room, session.user(), session.id(), maxMembersForEvents)
                                .thenApply(j -> new JoinOutcome(true, j.firstOfUser(), j.users(), true, j.position()))
                        : presence.add(room, session.user(), session.id())
                                .thenApply(c -> new JoinOutcome(true, c.userChanged(), c.users(), false, null)))
                .thenCompose(outcome -> session.isMember(room)
                        ? CompletableFuture.completedFuture(outcome)
                        : forgetOvertakenJoin(session, room, outcome))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        // Nothing stays joined when the subscription or presence write failed.
                        removeFromRoom(session, room);
                    }
                });
    }

    /**
     * The connection left the room while its join was in flight (it closed, or the server removed it): that leave
     * found no presence entry yet, so the one the join just wrote is removed here — with {@code left} when the join
     * announced {@code joined} — and nobody else is told the user joined.
     */
    private CompletionStage<JoinOutcome> forgetOvertakenJoin(Session session, String room, JoinOutcome outcome) {
        CompletionStage<?> removed = announcing != null
                ? announcing.recordLeave(room, session.user(), session.id(), outcome.announced(), maxMembersForEvents)
                : presence.remove(room, session.user(), session.id());
        return removed.thenApply(x -> new JoinOutcome(outcome.added(), false, outcome.users(), true, outcome.position()));
    }

    /**
     * Removes the session from the room; false if it was not a member.
     *
     * @param announce send {@code left} if this was the user's last connection in the room; false to undo
     *                 a join that never completed (its {@code joined} was never sent)
     */
    public boolean leave(Session session, String room, boolean announce) {
        if (!removeFromRoom(session, room)) {
            return false;
        }
        if (announcing != null) {
            announcing.recordLeave(room, session.user(), session.id(), announce, maxMembersForEvents)
                    .exceptionally(e -> {
                        logFailure("presence remove " + room, e);
                        return null;
                    });
            return true;
        }
        presence.remove(room, session.user(), session.id())
                .thenAccept(change -> {
                    if (announce && change.userChanged()) {
                        announce(PresenceEvent.left(room, session.user()), change.users());
                    }
                })
                .exceptionally(e -> logFailure("presence remove " + room, e));
        return true;
    }

    private boolean removeFromRoom(Session session, String room) {
        if (!session.removeRoom(room)) {
            return false;
        }
        rooms.computeIfPresent(room, (r, group) -> {
            group.members.remove(session);
            if (group.members.isEmpty()) {
                broker.unsubscribeRoom(r).exceptionally(e -> logFailure("unsubscribe room " + r, e));
                return null;
            }
            return group;
        });
        return true;
    }

    /** Publishes a presence event to the room's members on every node, unless the room has too many users. */
    public void announce(PresenceEvent event, int usersInRoom) {
        if (usersInRoom > maxMembersForEvents) {
            return;
        }
        broker.publishPresence(event).exceptionally(e -> logFailure("presence event " + event.room(), e));
    }

    private volatile int maxMembersForEvents = Integer.MAX_VALUE;

    public void setMaxMembersForEvents(int max) {
        this.maxMembersForEvents = max;
    }

    // --- delivery ------------------------------------------------------------------------------

    /** Builds the room's {@code message} frame once for this node; every local member gets the same object. */
    @Override
    public void onPublication(Publication publication) {
        if (rooms.containsKey(publication.room())) {
            onRoomFrame(publication.room(), MessageFrames.message(publication));
        }
    }

    @Override
    public void onUserPublication(String user, Publication publication) {
        if (users.containsKey(user)) {
            onUserFrame(user, MessageFrames.direct(publication));
        }
    }

    /**
     * A command for the user's connections on this node: close them, or take them out of a room with a
     * {@code removed} frame (the room's other members see {@code left} as after a leave).
     */
    @Override
    public void onUserControl(String user, UserControl control) {
        Group g = users.get(user);
        if (g == null) {
            return;
        }
        for (Session s : g.members) {
            if (control instanceof UserControl.Disconnect d) {
                s.close(d.code(), d.reason());
            } else if (control instanceof UserControl.Remove r && leave(s, r.room(), true)) {
                s.send(OutboundFrame.reply(ServerFrames.removed(r.room(), r.reason())));
            }
        }
    }

    /**
     * The node missed messages of the room that its history no longer holds: its members here are closed with
     * {@link CloseCodes#INSUFFICIENT_STATE}, before anything after the hole reaches them, so they rejoin with
     * {@code since} and are told {@code recovered: false} rather than skipped past the hole.
     */
    @Override
    public void onHistoryGap(String room) {
        Group g = rooms.get(room);
        if (g == null) {
            return;
        }
        for (Session s : g.members) {
            s.close(CloseCodes.INSUFFICIENT_STATE, "insufficient state");
        }
    }

    /** Builds the {@code joined}/{@code left} frame once for this node, for the members who want events. */
    @Override
    public void onPresenceEvent(PresenceEvent event) {
        if (rooms.containsKey(event.room())) {
            onRoomFrame(event.room(), MessageFrames.presence(event));
        }
    }

    private void onRoomFrame(String room, OutboundFrame frame) {
        Group g = rooms.get(room);
        if (g == null) {
            return;
        }
        boolean event = frame.kind() == OutboundFrame.Kind.PRESENCE_EVENT;
        observer.delivered(room, frame, fanOut(g, frame, event ? room : null));
    }

    private void onUserFrame(String user, OutboundFrame frame) {
        Group g = users.get(user);
        if (g == null) {
            return;
        }
        observer.delivered(null, frame, fanOut(g, frame, null));
    }

    /**
     * Writes the frame to every member of the group.
     *
     * @param eventRoom for presence events, the room whose opted-out members ({@code presence:false}) are
     *                  skipped; null for everything else
     * @return how many members it was written to
     */
    private static int fanOut(Group g, OutboundFrame frame, String eventRoom) {
        int delivered = 0;
        for (Session s : g.members) {
            if (eventRoom != null && !s.wantsPresenceEvents(eventRoom)) {
                continue;
            }
            s.send(frame);
            delivered++;
        }
        return delivered;
    }

    // --- introspection -------------------------------------------------------------------------

    public int connectionCount() {
        return sessions.size();
    }

    public int roomCount() {
        return rooms.size();
    }

    public int userCount() {
        return users.size();
    }

    public int localMembers(String room) {
        Group g = rooms.get(room);
        return g == null ? 0 : g.members.size();
    }

    public Set<String> roomNames() {
        return rooms.keySet();
    }

    public Set<Session> sessions() {
        return sessions;
    }

    private static Void logFailure(String what, Throwable e) {
        LOG.warnf("%s failed: %s", what, e.toString());
        return null;
    }

    /** Local members of a room or connections of a user, and the subscription of its channel. */
    private static final class Group {
        final Set<Session> members = ConcurrentHashMap.newKeySet();
        final CompletionStage<Object> subscribed;

        @SuppressWarnings("unchecked")
        Group(CompletionStage<Void> subscribed) {
            this.subscribed = (CompletionStage<Object>) (CompletionStage<?>) subscribed;
        }
    }

    /**
     * @param added       false when the session was already a member
     * @param firstOfUser the user's first connection in the room (cluster-wide): announce {@code joined}
     * @param users       distinct users in the room after the join
     * @param announced   presence already published {@code joined} if it was due
     * @param position    the room's history position, read with presence; null: ask the broker
     */
    public record JoinOutcome(boolean added, boolean firstOfUser, int users, boolean announced, HistoryPage position) {
    }
}
