package dev.roomcast.presence;

import dev.roomcast.broker.PoolBusyRetry;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisKeys;
import dev.roomcast.broker.RedisScript;
import dev.roomcast.outbox.RedisOutbox;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Online users across the cluster in Redis ({@link OnlineScripts}). A user's arrivals and departures on this node
 * are sent one after the other (pooled connections could reorder them); a dead node's users are removed by whoever
 * reaps its lease ({@link NodeLease}).
 */
public final class RedisOnlineUsers implements OnlineUsers {

    private static final Logger LOG = Logger.getLogger(RedisOnlineUsers.class);
    static final int SWEEP_LIMIT = OnlineUsers.SWEEP_LIMIT;

    private final Redis redis;
    private final RedisKeys keys;
    private final RedisOutbox outbox;
    private final String node;
    private final String offlineDelayMillis;
    /** Per user, the last change sent and not answered yet; bounded by this node's users. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

    public RedisOnlineUsers(RedisBackend backend, RedisOutbox outbox, String node, java.time.Duration offlineDelay) {
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.outbox = outbox;
        this.node = node;
        this.offlineDelayMillis = Long.toString(offlineDelay.toMillis());
    }

    @Override
    public void arrived(String user) {
        inOrder(user, OnlineScripts.ARRIVED, List.of(user));
    }

    @Override
    public void departed(String user) {
        inOrder(user, OnlineScripts.DEPARTED, List.of(user, offlineDelayMillis));
    }

    private void inOrder(String user, RedisScript script, List<String> userArgs) {
        List<String> args = new ArrayList<>(List.of(keys.nodeUsers(node), keys.onlineUsers(), keys.offlineUsers()));
        args.addAll(outbox.scriptKeys());
        args.addAll(userArgs);
        args.addAll(outbox.scriptArgs());
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> before = pending.put(user, done);
        CompletionStage<Void> previous = before == null ? CompletableFuture.completedFuture(null) : before;
        previous.thenCompose(x -> PoolBusyRetry.retry(() -> script.eval(redis, 4, args).toCompletionStage()))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.warnf("online state of %s not recorded (%s): its webhook event may be missing", user, e.toString());
                    }
                    pending.remove(user, done);
                    done.complete(null);
                });
    }

    @Override
    public CompletionStage<Integer> sweep() {
        List<String> args = new ArrayList<>(List.of(keys.offlineUsers(), keys.onlineUsers()));
        args.addAll(outbox.scriptKeys());
        args.add(Integer.toString(SWEEP_LIMIT));
        args.addAll(outbox.scriptArgs());
        return OnlineScripts.SWEEP.eval(redis, 3, args).map(r -> r.toInteger()).toCompletionStage();
    }

    /** Removes a (dead) node's users, in chunks. */
    Future<Void> reap(String deadNode) {
        return reap(deadNode, "0");
    }

    private Future<Void> reap(String deadNode, String cursor) {
        List<String> args = new ArrayList<>(List.of(keys.nodeUsers(deadNode), keys.onlineUsers(), keys.offlineUsers()));
        args.addAll(outbox.scriptKeys());
        args.add(offlineDelayMillis);
        args.add(cursor);
        args.addAll(outbox.scriptArgs());
        return OnlineScripts.REAP.eval(redis, 4, args)
                .compose(r -> r.get(1).toInteger() > 0 ? reap(deadNode, r.get(0).toString()) : Future.succeededFuture());
    }
}
