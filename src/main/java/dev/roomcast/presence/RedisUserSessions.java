package dev.roomcast.presence;

import dev.roomcast.broker.PoolBusyRetry;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisKeys;
import io.vertx.redis.client.Redis;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Single-session mode across the cluster: the session key names the owning node and connection; a
 * session held by a node whose lease expired (it crashed) is taken over instead of locking the user out.
 */
public final class RedisUserSessions implements UserSessions {

    private final Redis redis;
    private final RedisKeys keys;
    private final String node;

    public RedisUserSessions(RedisBackend backend, String node) {
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.node = node;
    }

    @Override
    public CompletionStage<Boolean> claim(String user, String connectionId) {
        return PresenceScripts.CLAIM_SESSION.eval(redis, 2,
                        List.of(keys.userSession(user), keys.nodes(), node + "|" + connectionId, node))
                .map(r -> r.toInteger() == 1)
                .toCompletionStage();
    }

    @Override
    public void release(String user, String connectionId) {
        PoolBusyRetry.retry(() -> PresenceScripts.RELEASE_SESSION
                .eval(redis, 1, List.of(keys.userSession(user), node + "|" + connectionId)).toCompletionStage());
    }
}
