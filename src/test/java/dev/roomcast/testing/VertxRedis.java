package dev.roomcast.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

import java.util.concurrent.TimeUnit;

/**
 * A real redis-server with a Vert.x instance and the pooled Vert.x Redis client on it: for tests of the Redis classes
 * (presence, outbox, …) without the application. Closes all three.
 * <pre>
 * static VertxRedis redis;
 * &#64;BeforeAll static void start() { redis = VertxRedis.start(); }
 * &#64;AfterAll static void stop() { if (redis != null) redis.close(); }
 * new RedisBackend(redis.client(), redis.vertx(), "rc", 100, Duration.ofMinutes(15));
 * </pre>
 */
public final class VertxRedis implements AutoCloseable {

    private final RedisServer server;
    private final Vertx vertx;
    private final Redis client;

    private VertxRedis(RedisServer server, Vertx vertx, Redis client) {
        this.server = server;
        this.vertx = vertx;
        this.client = client;
    }

    public static VertxRedis start() {
        RedisServer server = RedisServer.start();
        Vertx vertx = Vertx.vertx();
        return new VertxRedis(server, vertx, Redis.createClient(vertx, new RedisOptions()
                .setConnectionString(server.uri()).setMaxPoolSize(4).setMaxPoolWaiting(1024)));
    }

    public RedisServer server() {
        return server;
    }

    public Vertx vertx() {
        return vertx;
    }

    public Redis client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Vert.x did not close", e);
        } finally {
            server.close();
        }
    }
}
