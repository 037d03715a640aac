package dev.roomcast.outbox;

import dev.roomcast.broker.RedisBackend;
import dev.roomcast.protocol.StreamOffset;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The cluster's outbox: the stream {@code rc:{webhooks}:outbox} (bounded by {@code MAXLEN ~}) with the consumer
 * group {@code webhooks}, one consumer per node (its node id). An event is taken by one node ({@code XREADGROUP}),
 * stays in that consumer's pending list until it is finished ({@code XACK} + {@code XDEL}), and is claimed by
 * another node ({@code XAUTOCLAIM}) once it was left untouched for the claim time. Scripts that record a change
 * append their events in the same step with {@link #LUA_EVENT} (docs/operations.md, "Webhook outbox").
 */
public final class RedisOutbox implements Outbox {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(RedisOutbox.class);
    public static final String GROUP = "webhooks";

    /**
     * Lua for scripts that append events in the same step as the change they record: {@code event(type, field,
     * value, …)}. The script's last KEY is the outbox; its last two ARGV are the recorded types and the length cap
     * ({@link #scriptKeys}, {@link #scriptArgs}); a type that is not recorded appends nothing.
     */
    public static final String LUA_EVENT = """
            local function event(kind, ...)
              if string.find(ARGV[#ARGV - 1], kind, 1, true) then
                redis.call('XADD', KEYS[#KEYS], 'MAXLEN', '~', ARGV[#ARGV], '*', 'e', kind, ...)
              end
            end
            """;

    private final Redis redis;
    private final String key;
    private final String consumer;
    private final long claimIdleMillis;
    private final int maxLength;
    private final String recordedTypes;
    private volatile boolean ownFirst = true;
    private volatile long lastClaimNanos = System.nanoTime();
    private volatile String claimCursor = "0-0";

    /**
     * @param consumer  this node's id
     * @param claimIdle how long a node may leave events it took untouched before another node claims them
     * @param recorded  the event types scripts record (the others are not appended at all)
     */
    public RedisOutbox(RedisBackend backend, String consumer, java.time.Duration claimIdle, int maxLength,
            Set<EventType> recorded) {
        this.redis = backend.redis();
        this.key = backend.keys().webhookOutbox();
        this.consumer = consumer;
        this.claimIdleMillis = claimIdle.toMillis();
        this.maxLength = Math.max(1, maxLength);
        this.recordedTypes = String.join(" ", recorded.stream().map(EventType::wireName).sorted().toList());
    }

    /** What a script using {@link #LUA_EVENT} adds to its KEYS. */
    public List<String> scriptKeys() {
        return List.of(key);
    }

    /** What a script using {@link #LUA_EVENT} adds to its ARGV. */
    public List<String> scriptArgs() {
        return List.of(recordedTypes, Integer.toString(maxLength));
    }

    /** Whether events of this type are recorded. */
    public boolean records(EventType type) {
        return recordedTypes.contains(type.wireName());
    }

    @Override
    public CompletionStage<Void> append(OutboxEvent event) {
        if (!records(event.type())) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        Request xadd = Request.cmd(Command.XADD).arg(key).arg("MAXLEN").arg("~").arg(maxLength).arg("*")
                .arg("e").arg(event.type().wireName());
        field(xadd, "r", event.room());
        field(xadd, "u", event.user());
        field(xadd, "f", event.from());
        field(xadd, "o", event.offset());
        field(xadd, "p", event.epoch());
        field(xadd, "d", event.data());
        return redis.send(xadd).<Void>mapEmpty().toCompletionStage();
    }

    private static void field(Request xadd, String name, String value) {
        if (value != null) {
            xadd.arg(name).arg(value);
        }
    }

    @Override
    public CompletionStage<Taken> take(int max) {
        Future<Taken> taken;
        if (ownFirst) {
            taken = read(max, "0").map(t -> {
                if (t.events().isEmpty()) {
                    ownFirst = false;
                }
                return t;
            });
        } else {
            taken = Future.succeededFuture(Taken.NONE);
        }
        return taken.compose(t -> !t.events().isEmpty() || t.lost() > 0 ? Future.succeededFuture(t) : claimDue(max))
                .compose(t -> !t.events().isEmpty() || t.lost() > 0 ? Future.succeededFuture(t) : read(max, ">"))
                .toCompletionStage();
    }

    private Future<Taken> read(int max, String from) {
        return OutboxScripts.READ.eval(redis, 1, List.of(key, GROUP, consumer, Integer.toString(max), from))
                .compose(entries -> {
                    List<OutboxEvent> events = new ArrayList<>();
                    List<String> gone = new ArrayList<>();
                    List<String> unknown = new ArrayList<>();
                    parse(entries, events, gone, unknown);
                    // Own entries the length cap removed, or of no type this version knows: nothing to deliver.
                    List<String> done = new ArrayList<>(gone);
                    done.addAll(unknown);
                    return done.isEmpty() ? Future.succeededFuture(new Taken(events, 0))
                            : Future.fromCompletionStage(finish(done)).map(x -> new Taken(events, gone.size()));
                });
    }

    /** Claims what dead nodes left, at most every quarter of the claim time (it scans the pending list). */
    private Future<Taken> claimDue(int max) {
        long now = System.nanoTime();
        if (now - lastClaimNanos < Math.max(100, claimIdleMillis / 4) * 1_000_000L) {
            return Future.succeededFuture(Taken.NONE);
        }
        lastClaimNanos = now;
        return OutboxScripts.CLAIM.eval(redis, 1, List.of(key, GROUP, consumer, Long.toString(claimIdleMillis),
                        claimCursor, Integer.toString(max)))
                .map(r -> {
                    claimCursor = r.get(0).toString();
                    List<OutboxEvent> events = new ArrayList<>();
                    List<String> unknown = new ArrayList<>();
                    parse(r.get(1), events, new ArrayList<>(), unknown);
                    finish(unknown);
                    if (!"0-0".equals(claimCursor)) {
                        lastClaimNanos = 0; // more to scan: again on the next take
                    }
                    if (!events.isEmpty()) {
                        LOG.infof("took over %d webhook events another node left unfinished for %d ms (first id %s)",
                                events.size(), claimIdleMillis, events.get(0).id());
                    }
                    return new Taken(events, r.get(2).toInteger());
                });
    }

    /**
     * Entries into events; ids of entries removed by the length cap into {@code gone}, and of entries with a type
     * this version does not know (written by a newer one during a rolling upgrade: dropped, with a warning) into
     * {@code unknown}.
     */
    private static void parse(Response entries, List<OutboxEvent> events, List<String> gone, List<String> unknown) {
        if (entries == null) {
            return;
        }
        for (Response entry : entries) {
            String id = entry.get(0).toString();
            Response fields = entry.size() > 1 ? entry.get(1) : null;
            if (fields == null || fields.size() == 0) {
                gone.add(id);
                continue;
            }
            EventType type = null;
            String room = null, user = null, from = null, offset = null, epoch = null, data = null;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String value = fields.get(i + 1).toString();
                switch (fields.get(i).toString()) {
                    case "e" -> type = EventType.of(value);
                    case "r" -> room = value;
                    case "u" -> user = value;
                    case "f" -> from = value;
                    case "o" -> offset = value;
                    case "p" -> epoch = value;
                    case "d" -> data = value;
                    default -> {
                    }
                }
            }
            if (type == null) {
                LOG.warnf("webhook event %s has a type this version does not know: dropped", id);
                unknown.add(id);
                continue;
            }
            events.add(new OutboxEvent(id, type, room, user, from, offset, epoch, data));
        }
    }

    @Override
    public CompletionStage<Set<String>> renew(List<String> ids) {
        if (ids.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(Set.of());
        }
        Comparator<String> order = Comparator.comparing(StreamOffset::parse);
        List<String> args = new ArrayList<>(List.of(key, GROUP, consumer, ids.stream().min(order).orElseThrow(),
                ids.stream().max(order).orElseThrow()));
        args.addAll(ids);
        return OutboxScripts.RENEW.eval(redis, 1, args).map(held -> {
            Set<String> mine = new LinkedHashSet<>();
            for (Response id : held) {
                mine.add(id.toString());
            }
            return (Set<String>) mine;
        }).toCompletionStage();
    }

    @Override
    public CompletionStage<Void> finish(List<String> ids) {
        if (ids.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        List<String> args = new ArrayList<>(List.of(key, GROUP));
        args.addAll(ids);
        return OutboxScripts.FINISH.eval(redis, 1, args).<Void>mapEmpty().toCompletionStage();
    }

    @Override
    public CompletionStage<Backlog> backlog(long nowMillis) {
        return OutboxScripts.BACKLOG.eval(redis, 1, List.of(key)).map(r -> {
            long length = r.get(0).toLong();
            Response oldest = r.get(1);
            long age = oldest == null ? 0 : Math.max(0, nowMillis - StreamOffset.parse(oldest.toString()).major());
            return new Backlog(length, age);
        }).toCompletionStage();
    }

    /** Consumers idle for ten claim times that hold nothing are nodes long gone. */
    @Override
    public CompletionStage<Void> tidy() {
        return OutboxScripts.TIDY.eval(redis, 1, List.of(key, GROUP, Long.toString(claimIdleMillis * 10), consumer))
                .<Void>mapEmpty().toCompletionStage();
    }
}
