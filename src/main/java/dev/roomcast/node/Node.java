package dev.roomcast.node;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.RoomGrant;
import dev.roomcast.hub.Session;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.OutboxEvent;
import dev.roomcast.presence.Presence;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.MessageFrames;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.RoomPatterns;
import dev.roomcast.protocol.ServerFrames;
import dev.roomcast.protocol.StreamOffset;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The node facade: every rule of joining (with recovery), leaving, publishing, sending, presence and history,
 * in one place, used by the WebSocket dispatcher and the HTTP API alike — they parse, validate the shape of
 * what they got, call this and encode the answer. A refusal is a {@link ProtocolException} (thrown or as the
 * failed stage); a broker failure is any other exception, reported by the transports as {@code unavailable}.
 */
public final class Node {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Node.class);

    private final Hub hub;
    private final Broker broker;
    private final Presence presence;
    private final Admission admission;
    private final ProtocolObserver observer;
    private final Clock clock;
    private final Limits limits;
    /** The backend's hooks (package hooks, wired when configured); null: none, nothing on the hot path. */
    private volatile JoinGuard joinGuard;
    private volatile PublishFilter publishFilter;
    /** Webhooks' message.published: the outbox and the rooms it is recorded for; null: none. */
    private volatile Outbox publishedEvents;
    private volatile RoomPatterns publishedRooms;

    /** Limits of what one connection may do through the node. */
    public record Limits(int maxRoomsPerConnection, int historyLimit) {
    }

    public Node(Hub hub, Broker broker, Presence presence, Admission admission, ProtocolObserver observer, Clock clock,
            Limits limits) {
        this.hub = hub;
        this.broker = broker;
        this.presence = presence;
        this.admission = admission;
        this.observer = observer;
        this.clock = clock;
        this.limits = limits;
    }

    /** Puts the backend's join and publish hooks in the loop (either may be null: that hook is not configured). */
    public void useHooks(JoinGuard joinGuard, PublishFilter publishFilter) {
        this.joinGuard = joinGuard;
        this.publishFilter = publishFilter;
    }

    /** Records a {@code message.published} webhook event for every message published to {@code rooms}. */
    public void useWebhooks(Outbox outbox, RoomPatterns rooms) {
        this.publishedRooms = rooms;
        this.publishedEvents = rooms.isEmpty() ? null : outbox;
    }

    // --- join / leave --------------------------------------------------------------------------

    /**
     * Joins {@code session} to {@code room} and sends its ack (frame id {@code replyId}); with {@code since} and
     * {@code epoch}, replays what the client missed before any live frame of the room. Live frames are held back
     * from the subscription on, so there is no gap and no duplicate. Completes when the ack is queued.
     */
    public CompletionStage<Void> join(Session session, String room, String sinceText, String epoch,
            boolean presenceEvents, String replyId) {
        return join(session, room, null, sinceText, epoch, presenceEvents, replyId);
    }

    /**
     * {@link #join(Session, String, String, String, boolean, String)} by a verified subscription token: {@code grant}
     * allows the room whatever the connection's permissions say (and the backend's join hook is not asked: the
     * token is the backend's decision); the connection holds the room by it once joined. Without the grant's
     * presence permission (or the connection's own) the room is joined without presence events.
     */
    public CompletionStage<Void> join(Session session, String room, RoomGrant grant, String sinceText, String epoch,
            boolean presenceEvents, String replyId) {
        if (grant == null) {
            return joinRoom(session, room, null, sinceText, epoch, presenceEvents, replyId);
        }
        boolean events = presenceEvents && (grant.maySeePresence() || session.permissions().mayJoin(room));
        return joinRoom(session, room, grant, sinceText, epoch, events, replyId)
                .thenRun(() -> session.grant(grant));
    }

    private CompletionStage<Void> joinRoom(Session session, String room, RoomGrant grant, String sinceText,
            String epoch, boolean presenceEvents, String replyId) {
        if (grant == null && !session.mayJoin(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to join " + room, replyId);
        }
        if (session.isMember(room)) {
            return position(room).thenAccept(page ->
                    session.send(OutboundFrame.reply(ServerFrames.joinAck(replyId, room, page.epoch(), page.latest(), null))));
        }
        if (session.roomCount() >= limits.maxRoomsPerConnection()) {
            throw new ProtocolException(ErrorCode.too_many_rooms,
                    "a connection may join at most " + limits.maxRoomsPerConnection() + " rooms", replyId);
        }
        StreamOffset since = sinceText == null ? null : StreamOffset.parse(sinceText);
        if (sinceText != null && since == null) {
            throw new ProtocolException(ErrorCode.bad_request, "since is not a valid offset", replyId);
        }
        if (since != null && epoch == null) {
            throw new ProtocolException(ErrorCode.bad_request, "epoch is required with since", replyId);
        }
        JoinGuard guard = grant == null ? joinGuard : null;
        if (guard != null && guard.covers(room)) {
            // The backend decides after the node's own rules; the session may be gone by the time it answers.
            return guarded(guard.check(session.user(), room), replyId, "join " + room).thenCompose(data -> session.isOpen()
                    ? admitAndJoin(session, room, since, epoch, presenceEvents, replyId, data)
                    : CompletableFuture.completedFuture(null));
        }
        return admitAndJoin(session, room, since, epoch, presenceEvents, replyId, null);
    }

    private CompletionStage<Void> admitAndJoin(Session session, String room, StreamOffset since, String epoch,
            boolean presenceEvents, String replyId, String hookData) {
        if (!admission.admitJoin()) {
            // Redis is far behind: refuse now, before queueing more commands, and let the client retry.
            observer.joinRefused(Admission.OVERLOADED);
            return CompletableFuture.failedFuture(
                    new ProtocolException(ErrorCode.unavailable, "the node is overloaded, retry later", replyId));
        }
        // Subscribe first and hold live frames, then read history, then merge: no gap, no duplicate.
        session.hold(room);
        JoinProgress progress = new JoinProgress();
        return hub.join(session, room, presenceEvents, since == null)
                .thenCompose(outcome -> {
                    progress.joined = true;
                    CompletionStage<HistoryPage> position = outcome.position() != null
                            ? CompletableFuture.completedFuture(outcome.position())
                            : broker.history(room, since, limits.historyLimit());
                    return position.thenApply(page -> {
                        finishJoin(session, room, since, epoch, replyId, page, hookData);
                        if (outcome.firstOfUser() && !outcome.announced()) {
                            hub.announce(PresenceEvent.joined(room, session.user()), outcome.users());
                        }
                        return (Void) null;
                    });
                })
                .whenComplete((x, e) -> {
                    if (e != null) {
                        // Nothing stays joined when any step failed (a refused since, a broker error).
                        session.discard(room);
                        if (progress.joined) {
                            hub.leave(session, room, false);
                        }
                    }
                });
    }

    /** Whether the registry step of a join completed (a failure after it must undo it). */
    private static final class JoinProgress {
        volatile boolean joined;
    }

    /**
     * Acks the join and lets the room's frames through: without {@code since} straight away; with it, after the
     * replay that {@link Recovery#decide} (the one recovery decision) chose, or as {@code bad_request} when the
     * since cannot be one of this history's offsets.
     */
    private void finishJoin(Session session, String room, StreamOffset since, String epoch, String replyId,
            HistoryPage page, String hookData) {
        if (since == null) {
            session.send(OutboundFrame.reply(HookReplies.withData(
                    ServerFrames.joinAck(replyId, room, page.epoch(), page.latest(), null), hookData)));
            session.release(room, null, List.of());
            observer.joined();
            return;
        }
        Recovery recovery = Recovery.decide(since, epoch, page, clock.millis());
        if (recovery.outcome() == Recovery.Outcome.REFUSED) {
            throw new ProtocolException(ErrorCode.bad_request, recovery.refusal(), replyId);
        }
        session.send(OutboundFrame.reply(HookReplies.withData(
                ServerFrames.joinAck(replyId, room, page.epoch(), page.latest(), recovery.recovered()), hookData)));
        List<OutboundFrame> replay = new ArrayList<>(recovery.replay().size());
        for (Publication p : recovery.replay()) {
            replay.add(MessageFrames.message(p));
        }
        session.release(room, recovery.replayAfter(), replay);
        observer.recovered(recovery.recovered());
    }

    /** Takes {@code session} out of {@code room}, announcing {@code left} if due; false if it was not a member. */
    public boolean leave(Session session, String room) {
        return hub.leave(session, room, true);
    }

    // --- publish / send ------------------------------------------------------------------------

    /** Refuses a connection's publish to {@code room} unless it may publish there and is a member. */
    public void checkPublish(Session session, String room, String replyId) {
        if (!session.mayPublish(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to publish to " + room, replyId);
        }
        if (!session.isMember(room)) {
            throw new ProtocolException(ErrorCode.not_joined, "join " + room + " before publishing to it", replyId);
        }
    }

    /** Whether a client's publish to {@code room} goes through the backend's publish hook first. */
    public boolean filtersPublish(String room) {
        PublishFilter filter = publishFilter;
        return filter != null && filter.covers(room);
    }

    /**
     * Asks the publish hook about a client's message: the stage gives the data to store (the client's or the
     * backend's replacement), or fails with {@code forbidden} (refused) or {@code unavailable} (no answer).
     */
    public CompletionStage<String> filterPublish(String user, String room, String data, String replyId) {
        return guarded(publishFilter.check(user, room, data), replyId, "publish to " + room)
                .thenApply(replacement -> replacement != null ? replacement : data);
    }

    /** A hook's verdict as the data it allowed with, a refusal as {@code forbidden}, no answer as {@code unavailable}. */
    private static CompletionStage<String> guarded(CompletionStage<HookVerdict> verdict, String replyId, String what) {
        return verdict.handle((v, e) -> {
            if (e != null) {
                throw new ProtocolException(ErrorCode.unavailable, "the backend could not decide, retry later", replyId);
            }
            if (!v.allowed()) {
                throw new ProtocolException(ErrorCode.forbidden,
                        v.reason() != null ? v.reason() : "the backend refused to " + what, replyId);
            }
            return v.data();
        });
    }

    /**
     * Stores {@code data} (raw JSON) in the room's history and delivers it to the room's members on every node.
     *
     * @param from the publishing user, null for a backend publishing without a name
     */
    public CompletionStage<Broker.Published> publish(String room, String from, String data) {
        long now = clock.millis();
        return broker.publishRoom(room, now, from, data).thenCompose(published -> {
            observer.published(room);
            Outbox outbox = publishedEvents;
            if (outbox == null || !publishedRooms.matches(room)) {
                return CompletableFuture.completedFuture(published);
            }
            // Recorded before the ack; should Redis fail right between the two, the message stands without its event.
            return outbox.append(OutboxEvent.published(room, from, published.offset().toString(), published.epoch(), data))
                    .handle((x, e) -> {
                        if (e != null) {
                            LOG.warnf("message.published webhook event of %s not recorded: %s", room, e.toString());
                        }
                        return published;
                    });
        });
    }

    /** Delivers {@code data} (raw JSON) to every connection of {@code to}, on every node. */
    public CompletionStage<Void> send(String to, String from, String data) {
        long now = clock.millis();
        return broker.publishUser(to, now, from, data);
    }

    // --- presence / history --------------------------------------------------------------------

    /** Who is in {@code room}, cluster-wide, sorted by user. */
    public CompletionStage<List<Member>> presence(String room) {
        return presence.members(room);
    }

    /** The room's position (epoch and latest offset) without messages. */
    public CompletionStage<HistoryPage> position(String room) {
        return broker.history(room, null, 0);
    }
}
