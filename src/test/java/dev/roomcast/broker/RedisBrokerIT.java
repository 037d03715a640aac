package dev.roomcast.broker;

import dev.roomcast.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The broker contract on Redis: a real redis-server, the Vert.x client, the broker's own Lua scripts. */
class RedisBrokerIT extends BrokerContract {

    static RedisServer server;
    static Vertx vertx;
    private Redis client;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Broker start(BrokerListener listener) {
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri())
                .setMaxPoolSize(4).setMaxPoolWaiting(1024));
        RedisBroker b = new RedisBroker(new RedisBackend(client, vertx, "rc", HISTORY_SIZE, Duration.ofMinutes(15)),
                Clock.systemUTC(), BrokerObserver.NONE);
        b.start(listener);
        return b;
    }

    @Override
    protected void stop(Broker broker) {
        ((RedisBroker) broker).stop();
        client.close();
    }

    @Override
    protected String offsetAheadOfHistory() {
        return (System.currentTimeMillis() + Duration.ofDays(1).toMillis()) + "-0";
    }
}
