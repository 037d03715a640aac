package dev.roomcast.broker;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The node's one dedicated pub/sub connection, supervised: channels are subscribed and unsubscribed
 * dynamically; when the connection is lost it reconnects with exponential backoff and jitter and
 * resubscribes every active channel, then tells its owner so it can fill the gap from history.
 * <p>
 * The Vert.x client completes a SUBSCRIBE as soon as it is written; this class completes it only when
 * Redis confirms it, so a join is acknowledged only once the room's messages really reach this node.
 */
final class PubSubConnection implements Subscriptions {

    private static final Logger LOG = Logger.getLogger(PubSubConnection.class);
    private static final long MIN_BACKOFF_MS = 100, MAX_BACKOFF_MS = 5_000;
    private static final int CHANNELS_PER_COMMAND = 500;
    private static final long CONFIRM_TIMEOUT_MS = 5_000;

    private final Redis redis;
    private final Vertx vertx;
    private final BiConsumer<String, String> onMessage;
    private final Listener listener;

    /** Channels this node wants, in the order of the latest calls. Survives reconnects. */
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    /** SUBSCRIBE calls waiting for Redis' confirmation, per channel, oldest first. Guarded by this. */
    private final Map<String, ArrayDeque<CompletableFuture<Void>>> confirmations = new HashMap<>();

    /** SUBSCRIBE/UNSUBSCRIBE calls Redis has not answered yet: part of the node's backlog. */
    private final AtomicInteger pending = new AtomicInteger();

    private volatile RedisConnection connection;
    private volatile boolean up;
    private volatile boolean stopped;
    private long backoff = MIN_BACKOFF_MS;

    interface Listener {
        /** The connection is down: the node no longer receives what is published. */
        void down();

        /** Connected (again) and every wanted channel is confirmed subscribed. */
        void resubscribed(boolean firstConnect);

        /** The connection reached a different Redis server process than before (failover, restart). */
        void serverChanged();
    }

    PubSubConnection(Redis redis, Vertx vertx, BiConsumer<String, String> onMessage, Listener listener) {
        this.redis = redis;
        this.vertx = vertx;
        this.onMessage = onMessage;
        this.listener = listener;
    }

    @Override
    public void start() {
        connect(true);
    }

    @Override
    public void stop() {
        stopped = true;
        RedisConnection c = connection;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public boolean isUp() {
        return up;
    }

    @Override
    public int pending() {
        return pending.get();
    }

    @Override
    public CompletionStage<Void> subscribe(String channel) {
        wanted.add(channel);
        RedisConnection c = connection;
        if (c == null || !up) {
            // Down: the channel is resubscribed on reconnect, but whoever asked is told now.
            return CompletableFuture.failedFuture(new IllegalStateException("pub/sub connection is down"));
        }
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        pending.incrementAndGet();
        confirmed.whenComplete((x, e) -> pending.decrementAndGet());
        enqueue(channel, confirmed);
        c.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onFailure(e -> failPending(channel, e));
        return confirmed.orTimeout(CONFIRM_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Void> unsubscribe(String channel) {
        wanted.remove(channel);
        RedisConnection c = connection;
        if (c == null || !up) {
            return CompletableFuture.completedFuture(null); // nothing to undo: not resubscribed when wanted is reapplied
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.incrementAndGet();
        c.send(Request.cmd(Command.UNSUBSCRIBE).arg(channel)).onComplete(r -> {
            pending.decrementAndGet();
            done.complete(null);
        });
        return done;
    }

    private synchronized void enqueue(String channel, CompletableFuture<Void> f) {
        confirmations.computeIfAbsent(channel, k -> new ArrayDeque<>()).add(f);
    }

    /**
     * Any confirmation means the channel is subscribed now: everyone waiting for it may go on. Futures
     * are completed outside the lock: their continuations reach into the hub, which may at the same
     * time be inside its own registry lock calling {@link #subscribe} (a lock-order deadlock otherwise).
     */
    private void confirm(String channel) {
        ArrayDeque<CompletableFuture<Void>> q;
        CompletableFuture<Void> allDone = null;
        synchronized (this) {
            q = confirmations.remove(channel);
            if (awaiting != null && awaiting.remove(channel) && awaiting.isEmpty()) {
                allDone = resubscribed;
            }
        }
        if (q != null) {
            q.forEach(f -> f.complete(null));
        }
        if (allDone != null) {
            allDone.complete(null);
        }
    }

    /** Channels of a resubscription not confirmed yet, and the future completed when none is left. */
    private Set<String> awaiting;
    private CompletableFuture<Void> resubscribed;

    private void failPending(String channel, Throwable e) {
        ArrayDeque<CompletableFuture<Void>> q;
        synchronized (this) {
            q = confirmations.remove(channel);
        }
        if (q != null) {
            q.forEach(f -> f.completeExceptionally(e));
        }
    }

    private void connect(boolean first) {
        if (stopped) {
            return;
        }
        redis.connect().onSuccess(c -> {
            if (stopped) {
                c.close();
                return;
            }
            connection = c;
            c.handler(this::handle);
            c.exceptionHandler(e -> lost(c, e));
            c.endHandler(v -> lost(c, null));
            // Which server is this? Asked before SUBSCRIBE, while the connection still takes commands.
            c.send(Request.cmd(Command.INFO).arg("server"))
                    .onSuccess(info -> noteServer(info == null ? null : info.toString()))
                    .toCompletionStage().handle((x, e) -> null)
                    .thenCompose(x -> resubscribeAll(c)).whenComplete((v, e) -> {
                if (e != null) {
                    lost(c, e);
                    return;
                }
                backoff = MIN_BACKOFF_MS;
                up = true;
                LOG.infof("pub/sub connection up, %d channels subscribed", wanted.size());
                listener.resubscribed(first);
            });
        }).onFailure(e -> retry(first, e));
    }

    /**
     * Subscribes every wanted channel and completes once Redis confirmed each of them: only then may the
     * owner read history to fill the gap, or a message published in between could be missed by both.
     */
    private CompletionStage<Void> resubscribeAll(RedisConnection c) {
        List<String> channels = new ArrayList<>(wanted);
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (channels.isEmpty()) {
            done.complete(null);
            return done;
        }
        synchronized (this) {
            awaiting = ConcurrentHashMap.newKeySet();
            awaiting.addAll(channels);
            resubscribed = done;
        }
        for (int i = 0; i < channels.size(); i += CHANNELS_PER_COMMAND) {
            Request r = Request.cmd(Command.SUBSCRIBE);
            channels.subList(i, Math.min(channels.size(), i + CHANNELS_PER_COMMAND)).forEach(r::arg);
            c.send(r).onFailure(done::completeExceptionally);
        }
        return done.orTimeout(CONFIRM_TIMEOUT_MS * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private String serverRunId;

    private void noteServer(String info) {
        if (info == null) {
            return;
        }
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                String runId = line.substring(7).trim();
                if (serverRunId != null && !serverRunId.equals(runId)) {
                    listener.serverChanged();
                }
                serverRunId = runId;
            }
        }
    }

    private void lost(RedisConnection c, Throwable e) {
        if (connection != c || stopped) {
            return; // an old connection's late callback, or our own close at shutdown
        }
        connection = null;
        boolean wasUp = up;
        up = false;
        if (wasUp) {
            LOG.warnf("pub/sub connection lost (%s); reconnecting", e == null ? "closed" : e.toString());
            listener.down();
        }
        c.close();
        retry(false, e);
    }

    private void retry(boolean first, Throwable e) {
        if (stopped) {
            return;
        }
        // Full jitter: many nodes losing the same Redis do not reconnect in lockstep.
        long delay = ThreadLocalRandom.current().nextLong(MIN_BACKOFF_MS / 2, backoff + 1);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        LOG.debugf("pub/sub connect failed (%s), retry in %d ms", e, delay);
        vertx.setTimer(delay, t -> connect(first));
    }

    private void handle(Response r) {
        if (r == null || r.size() < 3) {
            return;
        }
        String kind = r.get(0).toString();
        switch (kind) {
            case "message" -> onMessage.accept(r.get(1).toString(), r.get(2).toString());
            case "subscribe" -> confirm(r.get(1).toString());
            default -> {
            }
        }
    }
}
