package dev.roomcast.presence;

import dev.roomcast.broker.BrokerObserver;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.testing.VertxRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** The presence contract on Redis: a real redis-server and the presence Lua scripts. */
class RedisPresenceIT extends PresenceContract {

    static VertxRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = VertxRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected Presence presence() {
        RedisBackend backend = new RedisBackend(redis.client(), redis.vertx(), "rc", 100, Duration.ofMinutes(15));
        return new RedisPresence(backend, new RedisBroker(backend, BrokerObserver.NONE), "node-1");
    }
}
