package dev.roomcast.presence;

import dev.roomcast.broker.PoolBusyRetry;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisKeys;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

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
    private final boolean cluster;

    public RedisUserSessions(RedisBackend backend, String node) {
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.node = node;
        this.cluster = backend.cluster();
    }

    @Override
    public CompletionStage<Boolean> claim(String user, String connectionId) {
        if (cluster) {
            return claimAcrossSlots(user, node + "|" + connectionId);
        }
        return PresenceScripts.CLAIM_SESSION.eval(redis, 2,
                        List.of(keys.userSession(user), keys.nodes(), node + "|" + connectionId, node))
                .map(r -> r.toInteger() == 1)
                .toCompletionStage();
    }

    /**
     * On a Redis Cluster the session and the leases live in different slots, so no one script sees both: read the
     * holder, ask whether its node's lease is live, then take the session only if the holder is still the one
     * asked about. A node renewing its lease between the two steps after having expired loses the session.
     */
    private CompletionStage<Boolean> claimAcrossSlots(String user, String mine) {
        String session = keys.userSession(user);
        return redis.send(Request.cmd(Command.GET).arg(session)).compose(current -> {
            String holder = current == null ? "" : current.toString();
            if (holder.isEmpty() || holder.equals(mine)) {
                return take(session, holder, mine);
            }
            String owner = holder.substring(0, Math.max(0, holder.indexOf('|')));
            return PresenceScripts.LEASE_LIVE.eval(redis, 1, List.of(keys.nodes(), owner))
                    .compose(live -> live.toInteger() == 1 ? Future.succeededFuture(false) : take(session, holder, mine));
        }).toCompletionStage();
    }

    private Future<Boolean> take(String session, String seen, String mine) {
        return PresenceScripts.TAKE_SESSION_IF.eval(redis, 1, List.of(session, seen, mine)).map(r -> r.toInteger() == 1);
    }

    @Override
    public void release(String user, String connectionId) {
        PoolBusyRetry.retry(() -> PresenceScripts.RELEASE_SESSION
                .eval(redis, 1, List.of(keys.userSession(user), node + "|" + connectionId)).toCompletionStage());
    }
}
