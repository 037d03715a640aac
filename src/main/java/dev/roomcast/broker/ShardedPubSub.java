package dev.roomcast.broker;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Sharded pub/sub on a Redis Cluster: every channel is {@code SSUBSCRIBE}d on the master owning its slot, over
 * one connection per master this node needs (the Vert.x cluster client sends every (S)SUBSCRIBE to one node,
 * vertx-redis-client#252). The slot owners come from {@code CLUSTER SLOTS}; they are read again whenever a
 * channel is lost — its shard's connection dropped (a master failed over), the server pushed
 * {@code sunsubscribe} (its slot migrated), or a subscription was not confirmed in time (sent to a node that no
 * longer owns the slot) — and every lost channel is subscribed again where its slot lives now.
 * <p>
 * The owner hears {@link Listener#lost} when a channel may start missing messages and {@link Listener#regained}
 * once it is confirmed subscribed again, so it can fill the gap from history in between.
 */
final class ShardedPubSub implements Subscriptions {

    private static final Logger LOG = Logger.getLogger(ShardedPubSub.class);
    static final int SLOTS = 16384;
    private static final long CONFIRM_TIMEOUT_MS = 5_000;
    private static final long MIN_BACKOFF_MS = 100, MAX_BACKOFF_MS = 5_000;

    interface Listener {
        /** The channel may miss messages from now on (its shard is down or its slot moved). */
        void lost(String channel);

        /** A lost channel is confirmed subscribed again, on the master owning its slot now. */
        void regained(String channel);
    }

    private final Redis commands;
    private final Vertx vertx;
    private final Function<String, Redis> clientForAddress;
    private final BiConsumer<String, String> onMessage;
    private final Listener listener;

    /** Channels this node wants, with the shard they are subscribed on ({@link #UNASSIGNED}: waiting for a reconcile). */
    private final Map<String, Object> wanted = new ConcurrentHashMap<>();
    /** Wanted channels that were lost and are not confirmed again yet. */
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    /** Shards by "host:port"; one connection each. */
    private final Map<String, Shard> shards = new ConcurrentHashMap<>();
    private volatile String[] owners;
    private volatile boolean stopped;
    private boolean reconciling, reconcileAgain;
    private long backoff = MIN_BACKOFF_MS;

    /**
     * @param commands         the pooled cluster client, for {@code CLUSTER SLOTS}
     * @param clientForAddress a standalone client for one master, "host:port"
     */
    ShardedPubSub(Redis commands, Vertx vertx, Function<String, Redis> clientForAddress,
            BiConsumer<String, String> onMessage, Listener listener) {
        this.commands = commands;
        this.vertx = vertx;
        this.clientForAddress = clientForAddress;
        this.onMessage = onMessage;
        this.listener = listener;
    }

    /** Reads the topology (retrying until it is known); {@link #isUp()} stays false until then. */
    @Override
    public void start() {
        loadTopology(new CompletableFuture<>(), MIN_BACKOFF_MS);
    }

    private void loadTopology(CompletableFuture<Void> started, long delay) {
        readOwners().onSuccess(o -> {
            owners = o;
            started.complete(null);
        }).onFailure(e -> {
            if (stopped) {
                started.completeExceptionally(e);
                return;
            }
            LOG.warnf("cannot read the cluster's slots (%s); retrying", e.toString());
            vertx.setTimer(delay, t -> loadTopology(started, Math.min(MAX_BACKOFF_MS, delay * 2)));
        });
    }

    @Override
    public void stop() {
        stopped = true;
        shards.values().forEach(Shard::close);
    }

    /** Topology known, and every wanted channel confirmed where its slot lives. */
    @Override
    public boolean isUp() {
        return owners != null && lost.isEmpty();
    }

    /** Subscriptions sent and not confirmed yet: part of the node's backlog. */
    @Override
    public int pending() {
        int n = 0;
        for (Shard shard : shards.values()) {
            n += shard.awaiting.size();
        }
        return n;
    }

    /** Completes once the master owning the channel's slot confirms the SSUBSCRIBE. */
    @Override
    public CompletionStage<Void> subscribe(String channel) {
        String[] o = owners;
        if (o == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("cluster topology not known yet"));
        }
        Shard shard = shardFor(o[slot(channel)]);
        wanted.put(channel, shard);
        return shard.subscribe(channel).whenComplete((x, e) -> {
            if (e != null) {
                channelLost(channel, shard); // still wanted: subscribed again where its slot lives now
            }
        });
    }

    @Override
    public CompletionStage<Void> unsubscribe(String channel) {
        Object shard = wanted.remove(channel);
        lost.remove(channel);
        if (shard instanceof Shard s) {
            s.unsubscribe(channel);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The addresses of the masters this node holds a connection to (test and metrics view). */
    Set<String> connectedShards() {
        return Set.copyOf(shards.keySet());
    }

    private Shard shardFor(String address) {
        return shards.computeIfAbsent(address, Shard::new);
    }

    /** A wanted channel stopped being subscribed where it was: mark it, and find where it lives now. */
    private void channelLost(String channel, Shard from) {
        if (stopped || !wanted.replace(channel, from, UNASSIGNED)) {
            return; // unsubscribed meanwhile, or already moved on
        }
        if (lost.add(channel)) {
            listener.lost(channel);
        }
        scheduleReconcile();
    }

    private static final Object UNASSIGNED = new Object();

    private synchronized void scheduleReconcile() {
        if (reconciling) {
            reconcileAgain = true;
            return;
        }
        reconciling = true;
        long delay = ThreadLocalRandom.current().nextLong(MIN_BACKOFF_MS / 2, backoff + 1);
        vertx.setTimer(delay, t -> reconcile());
    }

    /** Reads the slot owners again and subscribes every channel that has no shard where its slot lives. */
    private void reconcile() {
        readOwners().onComplete(r -> {
            boolean failed = r.failed();
            if (r.succeeded()) {
                owners = r.result();
                for (Map.Entry<String, Object> entry : List.copyOf(wanted.entrySet())) {
                    if (entry.getValue() == UNASSIGNED) {
                        moveTo(entry.getKey(), r.result()[slot(entry.getKey())]);
                    }
                }
            } else {
                LOG.debugf("reading CLUSTER SLOTS failed: %s", r.cause().toString());
            }
            synchronized (this) {
                reconciling = false;
                backoff = failed ? Math.min(MAX_BACKOFF_MS, backoff * 2) : MIN_BACKOFF_MS;
                if (failed || reconcileAgain) {
                    reconcileAgain = false;
                    scheduleReconcile();
                }
            }
        });
    }

    private void moveTo(String channel, String address) {
        Shard shard = shardFor(address);
        if (!wanted.replace(channel, UNASSIGNED, shard)) {
            return;
        }
        shard.subscribe(channel).whenComplete((x, e) -> {
            if (e == null) {
                if (lost.contains(channel)) {
                    listener.regained(channel); // first: the owner starts its gap-filling before isUp() turns true
                    lost.remove(channel);
                }
            } else {
                channelLost(channel, shard);
            }
        });
    }

    private Future<String[]> readOwners() {
        return commands.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).map(reply -> {
            String[] o = new String[SLOTS];
            for (Response range : reply) {
                int first = range.get(0).toInteger();
                int last = range.get(1).toInteger();
                Response master = range.get(2);
                String address = master.get(0).toString() + ":" + master.get(1).toInteger();
                for (int s = first; s <= last; s++) {
                    o[s] = address;
                }
            }
            return o;
        });
    }

    /** One master's subscriber connection, connected on first use; once lost it is dropped, never reused. */
    private final class Shard {
        final String address;
        final Map<String, List<CompletableFuture<Void>>> awaiting = new HashMap<>();
        final Set<String> confirmed = ConcurrentHashMap.newKeySet();
        final Future<RedisConnection> connection;
        volatile boolean dead;

        Shard(String address) {
            this.address = address;
            this.connection = clientForAddress.apply(address).connect().onSuccess(c -> {
                if (stopped) {
                    c.close();
                    return;
                }
                c.handler(this::handle);
                c.exceptionHandler(e -> died(c, e));
                c.endHandler(v -> died(c, null));
            }).onFailure(e -> died(null, e));
        }

        CompletionStage<Void> subscribe(String channel) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            synchronized (this) {
                if (dead) {
                    return CompletableFuture.failedFuture(new IllegalStateException("shard " + address + " is down"));
                }
                awaiting.computeIfAbsent(channel, k -> new ArrayList<>()).add(done);
            }
            connection.onSuccess(c -> c.send(Request.cmd(Command.SSUBSCRIBE).arg(channel))
                    .onFailure(e -> fail(channel, e)));
            // Not confirmed in time: most likely sent to a master that no longer owns the slot (MOVED).
            return done.orTimeout(CONFIRM_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((x, e) -> {
                if (e != null) {
                    synchronized (this) {
                        List<CompletableFuture<Void>> q = awaiting.get(channel);
                        if (q != null) {
                            q.remove(done);
                            if (q.isEmpty()) {
                                awaiting.remove(channel);
                            }
                        }
                    }
                }
            });
        }

        void unsubscribe(String channel) {
            confirmed.remove(channel);
            connection.onSuccess(c -> c.send(Request.cmd(Command.SUNSUBSCRIBE).arg(channel)));
        }

        void close() {
            dead = true;
            connection.onSuccess(RedisConnection::close);
        }

        private void handle(Response r) {
            if (r == null || r.size() < 2) {
                return;
            }
            String kind = r.get(0).toString();
            String channel = r.get(1).toString();
            switch (kind) {
                case "smessage" -> onMessage.accept(channel, r.get(2).toString());
                case "ssubscribe" -> confirm(channel);
                case "sunsubscribe" -> {
                    // Ours (an unsubscribe) or the server's: the slot migrated away from this master.
                    confirmed.remove(channel);
                    if (wanted.get(channel) == this) {
                        LOG.infof("shard channel %s left %s (slot moved); resubscribing where it lives now", channel, address);
                        channelLost(channel, this);
                    }
                }
                default -> {
                }
            }
        }

        private void confirm(String channel) {
            List<CompletableFuture<Void>> q;
            synchronized (this) {
                q = awaiting.remove(channel);
            }
            confirmed.add(channel);
            if (q != null) {
                q.forEach(f -> f.complete(null));
            }
        }

        private void fail(String channel, Throwable e) {
            List<CompletableFuture<Void>> q;
            synchronized (this) {
                q = awaiting.remove(channel);
            }
            if (q != null) {
                q.forEach(f -> f.completeExceptionally(e));
            }
        }

        private void died(RedisConnection c, Throwable e) {
            Map<String, List<CompletableFuture<Void>>> waiting;
            synchronized (this) {
                if (dead) {
                    return;
                }
                dead = true;
                waiting = new HashMap<>(awaiting);
                awaiting.clear();
            }
            shards.remove(address, this);
            if (c != null) {
                c.close();
            }
            if (!stopped) {
                LOG.warnf("shard subscriber %s lost (%s)", address, e == null ? "closed" : e.toString());
            }
            IllegalStateException down = new IllegalStateException("shard " + address + " is down", e);
            waiting.values().forEach(q -> q.forEach(f -> f.completeExceptionally(down)));
            for (Map.Entry<String, Object> entry : List.copyOf(wanted.entrySet())) {
                if (entry.getValue() == this) {
                    channelLost(entry.getKey(), this);
                }
            }
        }
    }

    /** The cluster slot of a key or shard channel: CRC16 (XMODEM) of its hash tag, or of all of it. */
    static int slot(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int start = 0, end = bytes.length;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '{') {
                for (int j = i + 1; j < bytes.length; j++) {
                    if (bytes[j] == '}') {
                        if (j > i + 1) {
                            start = i + 1;
                            end = j;
                        }
                        break;
                    }
                }
                break;
            }
        }
        int crc = 0;
        for (int i = start; i < end; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % SLOTS;
    }
}
