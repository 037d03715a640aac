package dev.roomcast.broker;

import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Scale-out through Redis: one dedicated pub/sub connection per node with per-room and per-user
 * channels, room history in streams written atomically with the publish (one Lua round trip), and
 * recovery of whatever the node missed while its subscriber was down.
 * <p>
 * <b>Node recovery.</b> When the subscriber is lost every room's live publications are held ({@link RoomCursor});
 * once it is back each room is refilled from its stream, from the last offset the node delivered, before its held
 * publications and live delivery resume. A room's gap is read in pages of at most {@code recoveryPageBytes} of
 * message data (half of {@code roomcast.limits.outbound-max-bytes}, 512 KiB by default: what one member's
 * outbound queue is sure to take) and each page is delivered before the next is read, so the node holds one page
 * per room being recovered rather than the whole history (up to {@code history.size} x {@code max-message-size},
 * 64 MiB). At most {@link #RECOVERY_CONCURRENCY} rooms are recovered at a time, the others wait their turn
 * ({@link RecoveryQueue}); the broker is not ready until all are done. Where the history keeps them
 * ({@code history.size} at least 1000), a waiting room drops its live publications and a room being recovered holds
 * at most a page's worth: the rest is read from the stream, so what the node holds is bounded by the rooms being
 * recovered, not by all of them. A room
 * whose stream no longer reaches back to where this node's delivery stopped (trimmed meanwhile) is reported to the
 * listener first ({@link BrokerListener#onHistoryGap}): its members here must not be carried past the hole.
 */
public final class RedisBroker implements Broker, RoomPositions {

    private static final Logger LOG = Logger.getLogger(RedisBroker.class);
    /**
     * A room's cursor holds up to the history's size of live publications while the room is recovered, and at
     * least this many: with a small or disabled history, what is held is what the stream cannot give back.
     */
    private static final int MIN_HELD_PER_ROOM = 1000;
    /** Rooms refilled from their streams at the same time after a pub/sub outage; the others wait. */
    static final int RECOVERY_CONCURRENCY = 8;
    /** Half of the default {@code roomcast.limits.outbound-max-bytes}. */
    public static final long DEFAULT_RECOVERY_PAGE_BYTES = 512 * 1024;

    private final InFlightRedis redis;
    private final RedisKeys keys;
    private final Subscriptions pubsub;
    private final PublishCommand publish;
    private final Vertx vertx;
    private final int historySize;
    private final long historyTtlMillis;
    private final BrokerObserver observer;
    private final ConcurrentHashMap<String, RoomCursor> cursors = new ConcurrentHashMap<>();
    private final long recoveryPageBytes;
    /** history.size covers the count bound: what a room drops instead of holding is still in its stream. */
    private final boolean streamKeepsHeld;
    private final RecoveryQueue recovery;
    private volatile boolean commandsUp;
    private volatile BrokerListener listener;
    /** The listener's {@code onPublication}, made once rather than per delivery. */
    private volatile Consumer<Publication> deliver;
    private long pingTimer = -1;

    public RedisBroker(RedisBackend backend, BrokerObserver observer) {
        this(backend, observer, DEFAULT_RECOVERY_PAGE_BYTES);
    }

    /**
     * @param recoveryPageBytes the most message data one page of a room's recovery after a pub/sub outage reads
     *                          and delivers (a page has at least one message)
     */
    public RedisBroker(RedisBackend backend, BrokerObserver observer, long recoveryPageBytes) {
        if (recoveryPageBytes < 1) {
            throw new IllegalArgumentException("recoveryPageBytes must be at least 1, not " + recoveryPageBytes);
        }
        this.recoveryPageBytes = recoveryPageBytes;
        this.recovery = new RecoveryQueue(RECOVERY_CONCURRENCY, room -> recoverRoom(room, null, true, 0),
                observer::recoveringRooms);
        this.redis = backend.redis();
        this.vertx = backend.vertx();
        this.keys = backend.keys();
        this.historySize = backend.historySize();
        // Where the stream keeps every publication a cursor may hold (history.size >= the count bound), a room holds
        // nothing while it waits its turn and a page's worth while recovered: the rest is read again from the
        // stream. With a shorter history, what is held may be all there is: held while waiting, by count only.
        this.streamKeepsHeld = historySize >= MIN_HELD_PER_ROOM;
        this.historyTtlMillis = backend.historyTtlMillis();
        this.observer = observer;
        this.publish = backend.publish();
        this.pubsub = backend.cluster() ? sharded(backend) : new PubSubConnection(redis, vertx, this::onChannelMessage, new PubSubConnection.Listener() {
            @Override
            public void down() {
                // Hold live frames of every room from now on: the gap is filled before they are let through.
                cursors.values().forEach(RoomCursor::hold);
                observer.subscriberUp(false);
            }

            @Override
            public void serverChanged() {
                LOG.info("pub/sub reconnected to a different Redis server (failover or restart)");
                observer.failover();
            }

            @Override
            public void resubscribed(boolean firstConnect) {
                if (!firstConnect) {
                    observer.reconnected();
                    recoverAll();
                } else {
                    observer.subscriberUp(true);
                }
            }
        });
    }

    /**
     * On a Redis Cluster: a shard channel is lost on its own (its master failed over, its slot moved), so each
     * room is held and recovered from its stream — on the same slot, hence the same master — by itself.
     */
    private ShardedPubSub sharded(RedisBackend backend) {
        return new ShardedPubSub(redis, vertx, backend.shardClients(), this::onChannelMessage, new ShardedPubSub.Listener() {
            @Override
            public void lost(String channel) {
                String room = keys.roomOf(channel);
                RoomCursor cursor = room == null ? null : cursors.get(room);
                if (cursor != null) {
                    cursor.hold();
                }
                observer.subscriberUp(false);
            }

            @Override
            public void regained(String channel) {
                observer.reconnected();
                String room = keys.roomOf(channel);
                RoomCursor cursor = room == null ? null : cursors.get(room);
                if (cursor != null) {
                    cursor.covered();
                    recovery.add(room);
                }
            }
        });
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
        this.deliver = listener::onPublication;
        pubsub.start();
        pingTimer = vertx.setPeriodic(1000, t -> checkCommands());
        checkCommands();
    }

    public void stop() {
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
        }
        pubsub.stop();
    }

    private void checkCommands() {
        redis.send(Request.cmd(Command.PING)).onComplete(r -> commandsUp = r.succeeded());
    }

    // --- subscriptions -------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> subscribeRoom(String room) {
        cursors.computeIfAbsent(room, r -> new RoomCursor(Math.max(historySize, MIN_HELD_PER_ROOM),
                streamKeepsHeld ? recoveryPageBytes : Long.MAX_VALUE, streamKeepsHeld));
        return observed("subscribe", pubsub.subscribe(keys.roomChannel(room)));
    }

    private <T> CompletionStage<T> observed(String operation, CompletionStage<T> stage) {
        stage.whenComplete((x, e) -> {
            if (e != null) {
                observer.failed(operation);
            }
        });
        return stage;
    }

    @Override
    public CompletionStage<Void> unsubscribeRoom(String room) {
        cursors.remove(room);
        return pubsub.unsubscribe(keys.roomChannel(room));
    }

    @Override
    public CompletionStage<Void> subscribeUser(String user) {
        return observed("subscribe", pubsub.subscribe(keys.userChannel(user)));
    }

    @Override
    public CompletionStage<Void> unsubscribeUser(String user) {
        return pubsub.unsubscribe(keys.userChannel(user));
    }

    /** Runs on the pub/sub connection's event loop. */
    private void onChannelMessage(String channel, String payload) {
        BrokerListener l = listener;
        String room = keys.roomOf(channel);
        if (room != null) {
            if (RedisEnvelope.isPublication(payload)) {
                Publication p = RedisEnvelope.roomPublication(room, payload);
                RoomCursor cursor = cursors.get(room);
                if (p == null || cursor == null) {
                    return;
                }
                cursor.live(p, deliver);
            } else {
                PresenceEvent event = RedisEnvelope.presenceEvent(room, payload);
                if (event != null) {
                    l.onPresenceEvent(event);
                }
            }
            return;
        }
        String user = keys.userOf(channel);
        if (user != null && RedisEnvelope.isControl(payload)) {
            UserControl control = RedisEnvelope.control(payload);
            if (control != null) {
                l.onUserControl(user, control);
            }
            return;
        }
        if (user != null) {
            Publication p = RedisEnvelope.directPublication(payload);
            if (p != null) {
                l.onUserPublication(user, p);
            }
        }
    }

    // --- publishing ----------------------------------------------------------------------------

    @Override
    public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data) {
        long start = System.nanoTime();
        List<String> args = List.of(
                keys.stream(room), keys.epoch(room), keys.roomChannel(room),
                Long.toString(publishedAtMillis), from == null ? "" : from, data,
                Integer.toString(historySize), Long.toString(historyTtlMillis), newEpoch());
        return eval(publish.script(RedisScripts.PUBLISH), 3, args)
                .map(r -> new Published(StreamOffset.parse(r.get(0).toString()), r.get(1).toString()))
                .onComplete(r -> observer.publish(Duration.ofNanos(System.nanoTime() - start), r.succeeded()))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data,
            String idempotencyKey, long windowMillis) {
        if (idempotencyKey == null) {
            return publishRoom(room, publishedAtMillis, from, data);
        }
        long start = System.nanoTime();
        List<String> args = List.of(
                keys.stream(room), keys.epoch(room), keys.roomChannel(room), keys.idempotency(room, idempotencyKey),
                Long.toString(publishedAtMillis), from == null ? "" : from, data,
                Integer.toString(historySize), Long.toString(historyTtlMillis), newEpoch(), Long.toString(windowMillis));
        return eval(publish.script(RedisScripts.PUBLISH), 4, args)
                .map(r -> new Published(StreamOffset.parse(r.get(0).toString()), r.get(1).toString(), r.size() > 2))
                .onComplete(r -> observer.publish(Duration.ofNanos(System.nanoTime() - start), r.succeeded()))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<Void> publishPresence(PresenceEvent event) {
        return redis.send(publish.request(keys.roomChannel(event.room()), RedisEnvelope.presencePayload(event)))
                .<Void>mapEmpty().toCompletionStage();
    }

    @Override
    public CompletionStage<Void> publishUser(String user, long publishedAtMillis, String from, String data) {
        long start = System.nanoTime();
        String payload = RedisEnvelope.directPayload(publishedAtMillis, from, data);
        return redis.send(publish.request(keys.userChannel(user), payload))
                .onComplete(r -> observer.publish(Duration.ofNanos(System.nanoTime() - start), r.succeeded()))
                .<Void>mapEmpty().toCompletionStage();
    }

    @Override
    public CompletionStage<Void> publishUserControl(String user, UserControl control) {
        return redis.send(publish.request(keys.userChannel(user), RedisEnvelope.controlPayload(control)))
                .<Void>mapEmpty().toCompletionStage();
    }

    // --- history -------------------------------------------------------------------------------

    @Override
    public CompletionStage<HistoryPage> history(String room, StreamOffset since, int limit, long maxBytes) {
        return readHistory(room, since, limit, maxBytes).onFailure(e -> observer.failed("history")).map(h -> {
            RoomCursor cursor = cursors.get(room);
            if (cursor != null) {
                cursor.startAt(h.latest, h.epoch);
            }
            // A since the stream cannot confirm (ahead of it) changes nothing shared here: a lost tail rotates the
            // epoch only where Redis itself shows it (recoverRoom, after a reconnect).
            return new HistoryPage(h.epoch, h.latest == null ? EMPTY : h.latest, h.publications, h.reachesSince);
        }).toCompletionStage();
    }

    @Override
    public CompletionStage<HistoryRead> readHistory(String room, StreamOffset since, int limit, boolean newestFirst) {
        List<String> args = List.of(keys.stream(room), keys.epoch(room), since == null ? "" : since.toString(),
                Integer.toString(limit), newestFirst ? "1" : "0", Long.toString(historyTtlMillis), newEpoch());
        return eval(RedisScripts.HISTORY_PAGE, 2, args).map(r -> {
            String epoch = r.get(0).toString();
            List<Publication> publications = new ArrayList<>();
            for (Response entry : r.get(2)) {
                Publication p = RedisEnvelope.streamEntry(room, entry.get(0).toString(), epoch, entry.get(1));
                if (p != null) {
                    publications.add(p);
                }
            }
            String latest = str(r.get(1));
            return new HistoryRead(epoch, latest == null ? EMPTY : StreamOffset.parse(latest), publications);
        }).onFailure(e -> observer.failed("history")).toCompletionStage();
    }

    @Override
    public HistoryPage positioned(String room, String epoch, StreamOffset latest) {
        RoomCursor cursor = cursors.get(room);
        if (cursor != null) {
            cursor.startAt(latest, epoch);
        }
        return HistoryPage.position(epoch, latest == null ? EMPTY : latest);
    }

    /** The position of an empty history: a client that saw nothing recovers from here. */
    static final StreamOffset EMPTY = StreamOffset.parse("0-0");

    /** A history read as the script answers it: {@code latest} is null for an empty stream. */
    private record RawHistory(String epoch, StreamOffset latest, boolean reachesSince, List<Publication> publications,
            StreamOffset lastRead) {
    }

    private Future<RawHistory> readHistory(String room, StreamOffset since, int limit, long maxBytes) {
        List<String> args = List.of(keys.stream(room), keys.epoch(room),
                since == null ? "" : since.toString(), Integer.toString(limit), Long.toString(historyTtlMillis),
                newEpoch(), maxBytes == Long.MAX_VALUE ? "0" : Long.toString(maxBytes));
        return eval(RedisScripts.HISTORY, 2, args).map(r -> {
            String epoch = r.get(0).toString();
            List<Publication> publications = new ArrayList<>();
            Response entries = r.get(3);
            String lastRead = null;
            if (entries != null) {
                for (Response entry : entries) {
                    lastRead = entry.get(0).toString();
                    Publication p = RedisEnvelope.streamEntry(room, lastRead, epoch, entry.get(1));
                    if (p != null) {
                        publications.add(p);
                    }
                }
            }
            String latest = str(r.get(1));
            return new RawHistory(epoch, latest == null ? null : StreamOffset.parse(latest), r.get(2).toInteger() == 1,
                    publications, lastRead == null ? null : StreamOffset.parse(lastRead));
        });
    }

    /**
     * Replaces the epoch {@code expected} with a new one, unless it changed already (another node rotated it,
     * or Redis lost the key and a new one was created); returns the epoch the room has afterwards.
     */
    private Future<String> rotateEpoch(String room, String expected, String why) {
        String fresh = newEpoch();
        return eval(RedisScripts.ROTATE_EPOCH, 1, List.of(keys.epoch(room), expected, fresh, Long.toString(historyTtlMillis)))
                .map(Response::toString)
                .onSuccess(kept -> {
                    if (kept.equals(fresh)) {
                        observer.epochRotated();
                        LOG.warnf("room %s: %s; epoch %s replaced by %s", room, why, expected, kept);
                    } else {
                        LOG.warnf("room %s: %s; epoch %s had already been replaced by %s", room, why, expected, kept);
                    }
                });
    }

    // --- node recovery -------------------------------------------------------------------------

    /** After a reconnect: deliver what every active room missed, then let live frames through again. */
    private void recoverAll() {
        List<String> rooms = new ArrayList<>(cursors.keySet());
        if (rooms.isEmpty() && recovery.size() == 0) {
            observer.subscriberUp(true);
            return;
        }
        LOG.infof("recovering %d rooms after reconnect, %d at a time", rooms.size(), RECOVERY_CONCURRENCY);
        for (String room : rooms) {
            RoomCursor cursor = cursors.get(room);
            if (cursor != null) {
                cursor.covered();
            }
            recovery.add(room);
        }
    }

    /**
     * Reads one page of the room's gap after {@code after} (null: from the cursor's last offset, the first page)
     * and delivers it; the room stays held until the page that reaches the stream's newest entry, which delivers
     * the held publications too and lets live ones through. The room's turn ends there.
     */
    private void recoverRoom(String room, StreamOffset after, boolean firstPage, int attempt) {
        RoomCursor cursor = cursors.get(room);
        if (cursor == null) {
            // Left meanwhile. Asynchronously: a queue of left rooms must not recurse through done().
            vertx.runOnContext(v -> roomRecovered(room));
            return;
        }
        if (firstPage && after == null) {
            cursor.recovering(); // its turn: hold live ones from here, the read brings back what was dropped
        }
        StreamOffset from = after != null ? after : cursor.lastOffset();
        int coverage = cursor.coverage();
        readHistory(room, from == null ? EMPTY : from, historySize, recoveryPageBytes).onSuccess(h -> {
            observer.recoveryPage();
            RoomCursor current = cursors.get(room);
            if (current != cursor) {
                roomRecovered(room);
                return;
            }
            boolean newEpoch = false;
            if (firstPage) {
                // Evidence from Redis itself: the stream no longer has what this node delivered from it.
                boolean lostTail = from != null && (h.latest == null || from.isAfter(h.latest));
                String known = cursor.epoch();
                if (known != null && !known.equals(h.epoch)) {
                    // Redis lost the epoch key with the history (a restart without persistence, an expiry):
                    // a new epoch exists already, and it is the one kept.
                    LOG.warnf("room %s: the history in Redis started over; epoch %s is now %s", room, known, h.epoch);
                    observer.epochRotated();
                    cursor.epoch(h.epoch);
                    newEpoch = true;
                } else if (lostTail && known != null) {
                    rotateEpoch(room, known, "history lost messages that were delivered").onSuccess(cursor::epoch);
                    newEpoch = true;
                }
            }
            if (!newEpoch && from != null && !h.reachesSince) {
                // Trimmed (more than history.size published since delivery stopped, before this page or between
                // two): the members here must hear of the hole before anything after it reaches them.
                LOG.warnf("room %s: the history no longer reaches back to %s, where this node's delivery stopped;"
                        + " its members here must recover", room, from);
                listener.onHistoryGap(room);
            }
            observer.recoveredMessages(h.publications.size());
            boolean lastPage = h.lastRead == null || h.latest == null || !h.latest.isAfter(h.lastRead);
            if (!lastPage) {
                // More than a page is missing: deliver this one, read on from where it ended, live ones still held.
                cursor.catchUp(h.publications, deliver);
                recoverRoom(room, h.lastRead, false, 0);
                return;
            }
            if (!cursor.coveredSince(coverage)) {
                // Read while the room's channel was down, or lost again since: what followed the read may be
                // missing from both the page and the held. Stay held; the run after the resubscription opens it
                // (the room is asked for again then, or was already: RecoveryQueue starts it over).
                cursor.catchUp(h.publications, deliver);
                roomRecovered(room);
                return;
            }
            if (!cursor.resume(h.publications, deliver)) {
                // More arrived during the read than the cursor holds: read on from what it delivered.
                recoverRoom(room, null, false, 0);
                return;
            }
            roomRecovered(room);
        }).onFailure(e -> {
            long delay = Math.min(5_000, 200L << Math.min(attempt, 5));
            LOG.warnf("recovery of room %s failed (%s), retrying in %d ms", room, e.toString(), delay);
            vertx.setTimer(delay, t -> recoverRoom(room, after, firstPage, attempt + 1));
        });
    }

    private void roomRecovered(String room) {
        if (recovery.done(room) && pubsub.isUp()) {
            LOG.info("recovery complete");
            observer.subscriberUp(true);
        }
    }

    // --- state ---------------------------------------------------------------------------------

    @Override
    public boolean isReady() {
        return pubsub.isUp() && recovery.size() == 0 && commandsUp;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public int backlog() {
        return redis.inFlight() + pubsub.pending();
    }

    // --- helpers -------------------------------------------------------------------------------

    private Future<Response> eval(RedisScript script, int numKeys, List<String> args) {
        return script.eval(redis, numKeys, args);
    }

    public static String newEpoch() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static String str(Response r) {
        return r == null ? null : r.toString();
    }
}
