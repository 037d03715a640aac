package dev.roomcast.presence;

import dev.roomcast.broker.RedisScript;
import dev.roomcast.outbox.RedisOutbox;

/**
 * Online users in Redis, all under the {@code {webhooks}} hash tag so that each script is one slot on a Redis Cluster
 * too: {@code rc:{webhooks}:online} (user → nodes the user has a connection on), {@code rc:{webhooks}:node:<id>}
 * (this node's users), {@code rc:{webhooks}:offline} (users gone, scored by when {@code user.offline} is due, on
 * Redis' clock). Events go to the outbox in the same step ({@link RedisOutbox#LUA_EVENT}).
 */
final class OnlineScripts {

    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            """;

    /**
     * The user's first connection on this node: online unless already on another node; back within the offline
     * delay, the pending user.offline is cancelled and no user.online recorded.
     * KEYS: node users, online, offline, outbox. ARGV: user, recorded types, max length.
     */
    static final RedisScript ARRIVED = new RedisScript(RedisOutbox.LUA_EVENT + """
            if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then return 0 end
            if redis.call('HINCRBY', KEYS[2], ARGV[1], 1) == 1 then
              if redis.call('ZREM', KEYS[3], ARGV[1]) == 0 then
                event('user.online', 'u', ARGV[1])
              end
            end
            return 1
            """);

    /**
     * The user's last connection on this node: when no node has one left, user.offline becomes due after the delay.
     * KEYS: node users, online, offline, outbox. ARGV: user, delay ms, recorded types, max length.
     */
    static final RedisScript DEPARTED = new RedisScript(NOW + """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
            if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
              redis.call('HDEL', KEYS[2], ARGV[1])
              redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
            end
            return 1
            """);

    /**
     * About 1000 users of a (dead) node at a time, as if each departed; the caller repeats with the returned cursor
     * until none are left. KEYS: node users, online, offline, outbox. ARGV: delay ms, cursor, recorded types,
     * max length. Returns {next cursor, users left}.
     */
    static final RedisScript REAP = new RedisScript(NOW + """
            local r = redis.call('HSCAN', KEYS[1], ARGV[2], 'COUNT', 1000)
            local kv = r[2]
            for i = 1, #kv, 2 do
              redis.call('HDEL', KEYS[1], kv[i])
              if redis.call('HINCRBY', KEYS[2], kv[i], -1) <= 0 then
                redis.call('HDEL', KEYS[2], kv[i])
                redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), kv[i])
              end
            end
            return {r[1], redis.call('HLEN', KEYS[1])}
            """);

    /**
     * Records user.offline for users whose delay ran out (any node may sweep; each user once).
     * KEYS: offline, online, outbox. ARGV: limit, recorded types, max length. Returns how many were due.
     */
    static final RedisScript SWEEP = new RedisScript(RedisOutbox.LUA_EVENT + NOW + """
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
            for _, user in ipairs(due) do
              redis.call('ZREM', KEYS[1], user)
              if redis.call('HEXISTS', KEYS[2], user) == 0 then
                event('user.offline', 'u', user)
              end
            end
            return #due
            """);

    private OnlineScripts() {
    }
}
