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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Scale-out through Redis: one dedicated pub/sub connection per node with per-room and per-user
 * channels, room history in streams written atomically with the publish (one Lua round trip), and
 * recovery of whatever the node missed while its subscriber was down.
 */
public final class RedisBroker implements Broker, RoomPositions {

    private static final Logger LOG = Logger.getLogger(RedisBroker.class);
    /**
     * A room's cursor holds up to the history's size of live publications while the room is recovered, and at
     * least this many: with a small or disabled history, what is held is what the stream cannot give back.
     */
    private static final int MIN_HELD_PER_ROOM = 1000;

    private final InFlightRedis redis;
    private final RedisKeys keys;
    private final Subscriptions pubsub;
    private final PublishCommand publish;
    private final Vertx vertx;
    private final int historySize;
    private final long historyTtlMillis;
    private final BrokerObserver observer;
    private final ConcurrentHashMap<String, RoomCursor> cursors = new ConcurrentHashMap<>();
    private final AtomicInteger recovering = new AtomicInteger();
    private volatile boolean commandsUp;
    private volatile BrokerListener listener;
    /** The listener's {@code onPublication}, made once rather than per delivery. */
    private volatile Consumer<Publication> deliver;
    private long pingTimer = -1;

    public RedisBroker(RedisBackend backend, BrokerObserver observer) {
        this.redis = backend.redis();
        this.vertx = backend.vertx();
        this.keys = backend.keys();
        this.historySize = backend.historySize();
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
                if (room != null && cursors.containsKey(room)) {
                    recovering.incrementAndGet();
                    recoverRoom(room, 0);
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
        cursors.computeIfAbsent(room, r -> new RoomCursor(Math.max(historySize, MIN_HELD_PER_ROOM)));
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
    public CompletionStage<HistoryPage> history(String room, StreamOffset since, int limit) {
        return readHistory(room, since, limit).onFailure(e -> observer.failed("history")).map(h -> {
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
    private record RawHistory(String epoch, StreamOffset latest, boolean reachesSince, List<Publication> publications) {
    }

    private Future<RawHistory> readHistory(String room, StreamOffset since, int limit) {
        List<String> args = List.of(keys.stream(room), keys.epoch(room),
                since == null ? "" : since.toString(), Integer.toString(limit), Long.toString(historyTtlMillis),
                newEpoch());
        return eval(RedisScripts.HISTORY, 2, args).map(r -> {
            String epoch = r.get(0).toString();
            List<Publication> publications = new ArrayList<>();
            Response entries = r.get(3);
            if (entries != null) {
                for (Response entry : entries) {
                    Publication p = RedisEnvelope.streamEntry(room, entry.get(0).toString(), epoch, entry.get(1));
                    if (p != null) {
                        publications.add(p);
                    }
                }
            }
            String latest = str(r.get(1));
            return new RawHistory(epoch, latest == null ? null : StreamOffset.parse(latest), r.get(2).toInteger() == 1,
                    publications);
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
        recovering.addAndGet(rooms.size());
        if (rooms.isEmpty()) {
            observer.subscriberUp(true);
            return;
        }
        LOG.infof("recovering %d rooms after reconnect", rooms.size());
        for (String room : rooms) {
            recoverRoom(room, 0);
        }
    }

    private void recoverRoom(String room, int attempt) {
        RoomCursor cursor = cursors.get(room);
        if (cursor == null) {
            roomRecovered();
            return;
        }
        StreamOffset after = cursor.lastOffset();
        readHistory(room, after == null ? EMPTY : after, historySize).onSuccess(h -> {
            RoomCursor current = cursors.get(room);
            if (current != null) {
                // Evidence from Redis itself: the stream no longer has what this node delivered from it.
                boolean lostTail = after != null && (h.latest == null || after.isAfter(h.latest));
                String known = cursor.epoch();
                if (known != null && !known.equals(h.epoch)) {
                    // Redis lost the epoch key with the history (a restart without persistence, an expiry):
                    // a new epoch exists already, and it is the one kept.
                    LOG.warnf("room %s: the history in Redis started over; epoch %s is now %s", room, known, h.epoch);
                    observer.epochRotated();
                    current.epoch(h.epoch);
                } else if (lostTail && known != null) {
                    rotateEpoch(room, known, "history lost messages that were delivered").onSuccess(current::epoch);
                }
                boolean resumed = current.resume(h.publications, deliver);
                observer.recoveredMessages(h.publications.size());
                if (!resumed) {
                    // More arrived during the read than the cursor holds: read on from what it delivered.
                    recoverRoom(room, 0);
                    return;
                }
            }
            roomRecovered();
        }).onFailure(e -> {
            long delay = Math.min(5_000, 200L << Math.min(attempt, 5));
            LOG.warnf("recovery of room %s failed (%s), retrying in %d ms", room, e.toString(), delay);
            vertx.setTimer(delay, t -> recoverRoom(room, attempt + 1));
        });
    }

    private void roomRecovered() {
        if (recovering.decrementAndGet() == 0) {
            LOG.info("recovery complete");
            observer.subscriberUp(true);
        }
    }

    // --- state ---------------------------------------------------------------------------------

    @Override
    public boolean isReady() {
        return pubsub.isUp() && recovering.get() == 0 && commandsUp;
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
