package dev.roomcast.presence;

import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisKeys;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's lease in Redis, renewed every few seconds. Each renewal also lists expired leases: the
 * presence entries of those (crashed) nodes are removed and their users' {@code left} events sent, so
 * a node killed with -9 vanishes from presence within the lease TTL plus one renewal period.
 * If this node's own lease had expired (it was cut off from Redis and reaped), it re-registers the
 * presence of its live connections.
 */
public final class NodeLease {

    private static final Logger LOG = Logger.getLogger(NodeLease.class);

    private final Redis redis;
    private final RedisKeys keys;
    private final RedisPresence presence;
    /** Online users for webhooks; null when webhooks are off. */
    private final RedisOnlineUsers online;
    private final LeaseListener listener;
    private final Vertx vertx;
    private final String node;
    private final Duration ttl;
    private final Duration refresh;
    private final Set<String> reaping = ConcurrentHashMap.newKeySet();
    private long timer = -1;
    private volatile boolean stopped;

    /** @param online this node's online users (webhooks), reaped with presence; null when webhooks are off */
    public NodeLease(RedisBackend backend, RedisPresence presence, RedisOnlineUsers online, LeaseListener listener,
            String node, Duration ttl, Duration refresh) {
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.presence = presence;
        this.online = online;
        this.listener = listener;
        this.vertx = backend.vertx();
        this.node = node;
        this.ttl = ttl;
        this.refresh = refresh;
    }

    public void start() {
        // A previous process with the same node id may have left entries: clear them first.
        reapOnline(node).compose(r -> presence.reap(node)).onComplete(r -> {
            renew(true);
            timer = vertx.setPeriodic(refresh.toMillis(), t -> renew(false));
        });
    }

    /** Graceful exit: nothing of ours should outlive us, and members hear who left. */
    public java.util.concurrent.CompletionStage<Void> stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        RedisConnection c = connection;
        if (c != null) {
            c.close();
        }
        return reap(node);
    }

    /**
     * Renewals go over a connection of their own: on the shared pool they would queue behind a burst of
     * joins for longer than the TTL, and the other nodes would reap a node that is alive.
     */
    private Future<RedisConnection> leaseConnection() {
        RedisConnection c = connection;
        if (c != null) {
            return Future.succeededFuture(c);
        }
        return redis.connect().onSuccess(fresh -> {
            connection = fresh;
            fresh.exceptionHandler(e -> connection = null);
            fresh.endHandler(v -> connection = null);
        });
    }

    private volatile RedisConnection connection;

    private void renew(boolean first) {
        if (stopped) {
            return;
        }
        leaseConnection()
                .compose(c -> PresenceScripts.LEASE.eval(c, 1, List.of(keys.nodes(), node, Long.toString(ttl.toMillis())))
                        .onFailure(e -> {
                            connection = null;
                            c.close();
                        }))
                .onSuccess(r -> {
                    publishStats();
                    boolean lost = r.get(0).toInteger() == 1;
                    if (lost && !first) {
                        LOG.warnf("node %s: lease had expired (cut off from Redis); re-registering presence", node);
                        listener.leaseLost();
                    }
                    for (Response dead : r.get(1)) {
                        String deadNode = dead.toString();
                        if (!deadNode.equals(node) && reaping.add(deadNode)) {
                            reap(deadNode);
                        }
                    }
                })
                .onFailure(e -> LOG.debugf("lease renewal failed: %s", e.toString()));
    }

    /** Before presence, whose reaping forgets the node: if this fails, the next renewal tries both again. */
    private Future<Void> reapOnline(String deadNode) {
        return online == null ? Future.succeededFuture() : online.reap(deadNode)
                .onFailure(e -> LOG.warnf("online users of node %s not removed yet: %s", deadNode, e.toString()));
    }

    /** This node's counts for the server API's cluster info, living as long as the lease. */
    private void publishStats() {
        ClusterView.NodeStats stats = listener.stats();
        RedisConnection c = connection;
        if (stats == null || c == null) {
            return;
        }
        c.send(Request.cmd(Command.SET).arg(keys.nodeInfo(node)).arg(stats.connections() + " " + stats.rooms())
                        .arg("PX").arg(ttl.toMillis()))
                .onFailure(e -> LOG.debugf("node info not written: %s", e.toString()));
    }

    private java.util.concurrent.CompletionStage<Void> reap(String deadNode) {
        if (!deadNode.equals(node)) {
            LOG.infof("node %s lease expired: removing its presence", deadNode);
        }
        return reapOnline(deadNode).compose(x -> presence.reap(deadNode)).onComplete(r -> {
            reaping.remove(deadNode);
            if (r.succeeded()) {
                for (RedisPresence.Departure d : r.result()) {
                    for (String user : d.users()) {
                        listener.departed(d.room(), user, d.remaining());
                    }
                }
            }
        }).<Void>mapEmpty().toCompletionStage();
    }
}
