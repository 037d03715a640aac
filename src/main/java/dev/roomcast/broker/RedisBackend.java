package dev.roomcast.broker;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;

import java.time.Duration;

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

    public RedisBackend(Redis client, Vertx vertx, String prefix, int historySize, Duration historyTtl) {
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

    /** Messages kept per room stream. */
    public int historySize() {
        return historySize;
    }

    /** How long an idle room's stream and epoch live. */
    public long historyTtlMillis() {
        return historyTtlMillis;
    }
}
