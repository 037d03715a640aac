package dev.roomcast.node;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.broker.UserControl;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.RoomGrant;
import dev.roomcast.hub.Session;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.OutboxEvent;
import dev.roomcast.presence.ClusterView;
import dev.roomcast.presence.Presence;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.MessageFrames;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.RoomPatterns;
import dev.roomcast.protocol.ServerFrames;
import dev.roomcast.protocol.StreamOffset;

import java.time.Clock;
import java.time.Duration;
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

    /**
     * Limits of what one connection may do through the node.
     *
     * @param idempotencyWindow how long a publish's idempotency key is remembered ({@code roomcast.api.idempotency-window})
     */
    public record Limits(int maxRoomsPerConnection, int historyLimit, Duration idempotencyWindow) {
        public Limits {
            if (idempotencyWindow.toMillis() < 1) {
                throw new IllegalArgumentException("roomcast.api.idempotency-window must be at least 1ms, not "
                        + idempotencyWindow);
            }
        }

        public Limits(int maxRoomsPerConnection, int historyLimit) {
            this(maxRoomsPerConnection, historyLimit, Duration.ofMinutes(5));
        }
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
                    if (!session.isMember(room)) {
                        // Taken out of the room while joining it (the server API's remove, a narrowing refresh): it
                        // was told with `removed`; the hub dropped its presence entry.
                        throw new ProtocolException(ErrorCode.forbidden, "removed from " + room + " while joining it",
                                replyId);
                    }
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
        return stored(room, from, data, broker.publishRoom(room, clock.millis(), from, data));
    }

    /**
     * What follows a publish the broker stored: it is counted and, with webhooks, its {@code message.published}
     * recorded before the ack. A retry answered from its idempotency key stored nothing, so nothing follows it.
     */
    private CompletionStage<Broker.Published> stored(String room, String from, String data,
            CompletionStage<Broker.Published> publish) {
        return publish.thenCompose(published -> {
            if (published.duplicate()) {
                return CompletableFuture.completedFuture(published);
            }
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

    // --- server API: moderation, history, batch publish, cluster view ---------------------------

    /** Close codes a backend may use: 4000–4099 are roomcast's own (4008 slow consumer, 4009, 4010 …). */
    public static final int MIN_BACKEND_CLOSE_CODE = 4100;
    public static final int MAX_BACKEND_CLOSE_CODE = 4999;
    /** A WebSocket close reason fits in a control frame: 125 bytes less the 2 of the code. */
    public static final int MAX_REASON_BYTES = 123;
    public static final int MAX_HISTORY_LIMIT = 1000;
    public static final int MAX_PUBLISH_BATCH = 100;
    public static final int MAX_ROOMS_PAGE = 1000;
    public static final int MAX_IDEMPOTENCY_KEY = 128;
    static final String DEFAULT_REMOVE_REASON = "removed by the server";

    /** This node's id in the cluster view (set by the wiring); "local" until then. */
    private volatile String nodeId = "local";

    public void identify(String nodeId) {
        this.nodeId = nodeId;
    }

    /**
     * Closes every connection of {@code user}, on every node, with {@code code} (4100–4999) and {@code reason}
     * (at most 123 bytes of UTF-8). Completes once the command is published; nodes act on it as they receive it.
     */
    public CompletionStage<Void> disconnect(String user, int code, String reason) {
        requireUser(user);
        if (code < MIN_BACKEND_CLOSE_CODE || code > MAX_BACKEND_CLOSE_CODE) {
            throw new ProtocolException(ErrorCode.bad_request, "code must be between " + MIN_BACKEND_CLOSE_CODE
                    + " and " + MAX_BACKEND_CLOSE_CODE + " (4000-4099 are roomcast's own)", null);
        }
        return broker.publishUserControl(user, new UserControl.Disconnect(code, requireReason(reason, "")));
    }

    /**
     * Takes every connection of {@code user}, on every node, out of {@code room}: each gets {@code removed} with
     * {@code reason}, the room's other members see {@code left} as after a leave. Nothing stops the user from
     * joining again where its token (or the join hook) allows it.
     */
    public CompletionStage<Void> remove(String user, String room, String reason) {
        requireUser(user);
        requireRoom(room);
        return broker.publishUserControl(user, new UserControl.Remove(room, requireReason(reason, DEFAULT_REMOVE_REASON)));
    }

    /**
     * A page of the room's history: at most {@code limit} messages after {@code since} oldest first, or before it
     * newest first; without {@code since} the oldest or the newest. {@code since} needs the {@code epoch} it came
     * with, and is refused with {@code epoch_changed} when the room's history is another one now.
     */
    public CompletionStage<Broker.HistoryRead> history(String room, String sinceText, String epoch, int limit,
            boolean newestFirst) {
        requireRoom(room);
        if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
            throw new ProtocolException(ErrorCode.bad_request, "limit must be between 1 and " + MAX_HISTORY_LIMIT, null);
        }
        StreamOffset since = sinceText == null ? null : StreamOffset.parse(sinceText);
        if (sinceText != null && since == null) {
            throw new ProtocolException(ErrorCode.bad_request, "since is not a valid offset", null);
        }
        if (since != null && epoch == null) {
            throw new ProtocolException(ErrorCode.bad_request, "epoch is required with since", null);
        }
        return broker.readHistory(room, since, limit, newestFirst).thenApply(page -> {
            if (since != null && !page.epoch().equals(epoch)) {
                throw new ProtocolException(ErrorCode.epoch_changed, "the room's history is epoch " + page.epoch()
                        + " now: offsets of " + epoch + " mean nothing in it; read it again without since", null);
            }
            if (since != null && since.isPair() && !page.latest().isPair()) {
                throw new ProtocolException(ErrorCode.bad_request, "since is not an offset of this server", null);
            }
            return page;
        });
    }

    /**
     * {@link #publish(String, String, String)}, once per {@code idempotencyKey} (null: none) and room within
     * {@code roomcast.api.idempotency-window}: a retry returns the first result and publishes nothing.
     */
    public CompletionStage<Broker.Published> publish(String room, String from, String data, String idempotencyKey) {
        requireRoom(room);
        if (from != null) {
            requireUser(from);
        }
        requireIdempotencyKey(idempotencyKey);
        if (idempotencyKey == null) {
            return publish(room, from, data);
        }
        return stored(room, from, data, broker.publishRoom(room, clock.millis(), from, data, idempotencyKey,
                limits.idempotencyWindow().toMillis()));
    }

    /** One message of a batch publish. */
    public record Message(String room, String from, String data, String idempotencyKey) {
    }

    /** A batch item's result: where it was published, or why not ({@code error}). */
    public record Outcome(String room, Broker.Published published, ProtocolException error) {
    }

    /**
     * Publishes many messages, each with its own outcome, in the order given: messages to one room are published
     * one after the other (they get increasing offsets in that order), rooms in parallel. A refused or failed
     * message does not stop the others; at most {@link #MAX_PUBLISH_BATCH} messages.
     */
    public CompletionStage<List<Outcome>> publishAll(List<Message> messages) {
        if (messages.isEmpty() || messages.size() > MAX_PUBLISH_BATCH) {
            throw new ProtocolException(ErrorCode.bad_request,
                    "a batch holds 1 to " + MAX_PUBLISH_BATCH + " messages", null);
        }
        java.util.Map<String, CompletionStage<?>> lastOfRoom = new java.util.HashMap<>();
        List<CompletableFuture<Outcome>> outcomes = new java.util.ArrayList<>(messages.size());
        for (Message m : messages) {
            CompletionStage<?> before = lastOfRoom.getOrDefault(m.room(), CompletableFuture.completedFuture(null));
            CompletableFuture<Outcome> outcome = before.handle((x, e) -> null)
                    .thenCompose(x -> publishOne(m)).toCompletableFuture();
            lastOfRoom.put(m.room(), outcome);
            outcomes.add(outcome);
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(x -> outcomes.stream().map(CompletableFuture::join).toList());
    }

    private CompletionStage<Outcome> publishOne(Message m) {
        CompletionStage<Broker.Published> stage;
        try {
            stage = publish(m.room(), m.from(), m.data(), m.idempotencyKey());
        } catch (ProtocolException refused) {
            return CompletableFuture.completedFuture(new Outcome(m.room(), null, refused));
        }
        return stage.handle((published, e) -> {
            if (e == null) {
                return new Outcome(m.room(), published, null);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            return new Outcome(m.room(), null, cause instanceof ProtocolException refused ? refused
                    : new ProtocolException(ErrorCode.unavailable, "the message broker is unavailable, retry later", null));
        });
    }

    /**
     * The nodes of the cluster with their connection and room counts: this node's as they are now, the others' as
     * they reported them at their last lease renewal ({@code roomcast.presence.lease-refresh} ago at most).
     */
    public CompletionStage<List<ClusterView.NodeStats>> nodes() {
        ClusterView.NodeStats self = new ClusterView.NodeStats(nodeId, hub.connectionCount(), hub.roomCount());
        return clusterView().nodes().thenApply(reported -> {
            List<ClusterView.NodeStats> nodes = new java.util.ArrayList<>(reported.size() + 1);
            nodes.add(self);
            for (ClusterView.NodeStats n : reported) {
                if (!n.node().equals(self.node())) {
                    nodes.add(n);
                }
            }
            nodes.sort(java.util.Comparator.comparing(ClusterView.NodeStats::node));
            return nodes;
        });
    }

    /** Rooms with members, cluster-wide, whose names start with {@code prefix}, a page after {@code after}. */
    public CompletionStage<ClusterView.RoomPage> rooms(String prefix, String after, int limit) {
        String p = prefix == null ? "" : prefix;
        if (!p.isEmpty() && !Names.isValidRoom(p)) {
            throw new ProtocolException(ErrorCode.invalid_room, "prefix: " + Names.ROOM_RULE, null);
        }
        if (after != null && !Names.isValidRoom(after)) {
            throw new ProtocolException(ErrorCode.invalid_room, "cursor: " + Names.ROOM_RULE, null);
        }
        if (limit < 1 || limit > MAX_ROOMS_PAGE) {
            throw new ProtocolException(ErrorCode.bad_request, "limit must be between 1 and " + MAX_ROOMS_PAGE, null);
        }
        return clusterView().rooms(p, after, limit);
    }

    private ClusterView clusterView() {
        if (presence instanceof ClusterView view) {
            return view;
        }
        throw new IllegalStateException(presence + " has no cluster view");
    }

    private static void requireRoom(String room) {
        if (!Names.isValidRoom(room)) {
            throw new ProtocolException(ErrorCode.invalid_room, Names.ROOM_RULE, null);
        }
    }

    private static void requireUser(String user) {
        if (!Names.isValidUser(user)) {
            throw new ProtocolException(ErrorCode.invalid_user, Names.USER_RULE, null);
        }
    }

    private static String requireReason(String reason, String fallback) {
        if (reason == null) {
            return fallback;
        }
        if (reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            throw new ProtocolException(ErrorCode.bad_request,
                    "reason is longer than " + MAX_REASON_BYTES + " bytes (UTF-8)", null);
        }
        return reason;
    }

    /** Refuses an idempotency key (null: none) that is not 1–128 of the room names' characters (it is part of a Redis key). */
    public static void requireIdempotencyKey(String key) {
        if (key != null && !Names.isValidRoom(key)) {
            throw new ProtocolException(ErrorCode.bad_request, "idempotency keys are 1-" + MAX_IDEMPOTENCY_KEY
                    + " characters of A-Z a-z 0-9 _ . : @ / -", null);
        }
    }
}
