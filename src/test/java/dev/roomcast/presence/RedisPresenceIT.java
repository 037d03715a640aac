package dev.roomcast.presence;

import dev.roomcast.broker.BrokerObserver;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The presence contract on Redis: a real redis-server and the presence Lua scripts. */
class RedisPresenceIT extends PresenceContract {

    static RedisServer server;
    static Vertx vertx;
    static Redis client;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri())
                .setMaxPoolSize(4).setMaxPoolWaiting(1024));
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Presence presence() {
        RedisBackend backend = new RedisBackend(client, vertx, "rc", 100, Duration.ofMinutes(15));
        return new RedisPresence(backend, new RedisBroker(backend, BrokerObserver.NONE), "node-1");
    }
}
