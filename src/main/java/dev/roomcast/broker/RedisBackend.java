package dev.roomcast.broker;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;

import java.time.Duration;
import java.util.function.Function;

/**
 * The Redis side of one node, as one unit: the pooled client (counting its backlog, so admission control
 * sees every Redis user of the node), the key layout, the history bounds. The broker, presence, user
 * sessions and the node lease are all built on the same instance; the wiring makes it once.
 */
public final class RedisBackend {

    private final InFlightRedis redis;
    private final Vertx vertx;
    private final RedisKeys keys;
    private final int historySize;
    private final long historyTtlMillis;
    private final Function<String, Redis> shardClients;

    /** Standalone or Sentinel: one master, classic pub/sub. */
    public RedisBackend(Redis client, Vertx vertx, String prefix, int historySize, Duration historyTtl) {
        this(client, vertx, prefix, historySize, historyTtl, null);
    }

    /**
     * @param shardClients on a Redis Cluster, a standalone client for one master ("host:port") to hold its
     *                     shard subscriber; null for standalone and Sentinel
     */
    public RedisBackend(Redis client, Vertx vertx, String prefix, int historySize, Duration historyTtl,
            Function<String, Redis> shardClients) {
        this.shardClients = shardClients;
        this.redis = client instanceof InFlightRedis counted ? counted : new InFlightRedis(client);
        this.vertx = vertx;
        this.keys = new RedisKeys(prefix);
        this.historySize = Math.max(1, historySize);
        this.historyTtlMillis = historyTtl.toMillis();
    }

    /** The pooled client every Redis user of this node shares. */
    public InFlightRedis redis() {
        return redis;
    }

    public Vertx vertx() {
        return vertx;
    }

    public RedisKeys keys() {
        return keys;
    }

    /** True on a Redis Cluster: sharded pub/sub, every script within one slot. */
    public boolean cluster() {
        return shardClients != null;
    }

    /** PUBLISH, or SPUBLISH on a cluster. */
    public PublishCommand publish() {
        return cluster() ? PublishCommand.SHARDED : PublishCommand.CLASSIC;
    }

    /** The standalone client of one master, for its shard subscriber (cluster only). */
    Function<String, Redis> shardClients() {
        return shardClients;
    }

    /** Messages kept per room stream. */
    public int historySize() {
        return historySize;
    }

    /** How long an idle room's stream and epoch live. */
    public long historyTtlMillis() {
        return historyTtlMillis;
    }
}
