package dev.roomcast.presence;

import dev.roomcast.broker.RedisScript;
import dev.roomcast.broker.RedisScripts;

/**
 * Cluster presence in Redis. Per room: {@code rc:{room}:presence} holds {@code node|user → connections}
 * and {@code #node → connections} (what each node contributes), {@code rc:{room}:users} holds
 * {@code user → connections} across the cluster. Each node lists its rooms in {@code rc:node:<id>:rooms}
 * and holds a lease in the sorted set {@code rc:nodes} (score = expiry, Redis' own clock).
 */
final class PresenceScripts {

    /** KEYS: users. Returns user, connections, user, connections… */
    static final RedisScript MEMBERS = new RedisScript("return redis.call('HGETALL', KEYS[1])");

    /**
     * Lua shared by {@link #ADD} and {@link #JOIN}: counts the connection (per node|user, per node, per user)
     * and sets the local {@code n}, the user's connections in the room.
     * KEYS[1..3]: presence, users, node rooms. ARGV[1..4]: node|user, user, room, #node.
     */
    private static final String COUNT_CONNECTION = """
            redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
            if redis.call('HINCRBY', KEYS[1], ARGV[4], 1) == 1 then
              redis.call('SADD', KEYS[3], ARGV[3])
            end
            local n = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
            """;

    /** KEYS: presence, users, node rooms. ARGV: node|user, user, room, #node. Returns {user connections, users}. */
    static final RedisScript ADD = new RedisScript(COUNT_CONNECTION + """
            return {n, redis.call('HLEN', KEYS[2])}
            """);

    /**
     * A plain join in one round trip: {@link #ADD}'s count, the {@code joined} event (the broker's envelope,
     * {@code RedisEnvelope}) when it is the user's first connection and the room has at most max users, and the
     * history position
     * ({@link RedisScripts#POSITION}, as the broker's history read finds it: the epoch, created if missing,
     * and the latest entry).
     * KEYS: presence, users, node rooms, stream, epoch, channel.
     * ARGV: node|user, user, room, #node, ttl ms, candidate epoch, max users for events, joined event payload.
     * Returns {user connections, users, epoch, latest id or false}.
     */
    static final RedisScript JOIN = new RedisScript(COUNT_CONNECTION + """
            local users = redis.call('HLEN', KEYS[2])
            if n == 1 and users <= tonumber(ARGV[7]) then
              redis.call('PUBLISH', KEYS[6], ARGV[8])
            end
            local stream_key, epoch_key, ttl, candidate = KEYS[4], KEYS[5], ARGV[5], ARGV[6]
            """ + RedisScripts.POSITION + """
            return {n, users, epoch, latest}
            """);

    /**
     * Removes a connection; then the {@code left} event (the broker's envelope) when it was the user's last
     * connection and at most max users remain. KEYS: presence, users, node rooms, channel. ARGV: node|user, user,
     * room, #node, max users for events, left event payload ('' for none). Returns {user connections, users}.
     */
    static final RedisScript LEAVE = new RedisScript("""
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
              return {-1, redis.call('HLEN', KEYS[2])}
            end
            if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
              redis.call('HDEL', KEYS[1], ARGV[1])
            end
            if redis.call('HINCRBY', KEYS[1], ARGV[4], -1) <= 0 then
              redis.call('HDEL', KEYS[1], ARGV[4])
              redis.call('SREM', KEYS[3], ARGV[3])
            end
            local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
            if n <= 0 then
              redis.call('HDEL', KEYS[2], ARGV[2])
              n = 0
            end
            local users = redis.call('HLEN', KEYS[2])
            if n == 0 and ARGV[6] ~= '' and users <= tonumber(ARGV[5]) then
              redis.call('PUBLISH', KEYS[4], ARGV[6])
            end
            return {n, users}
            """);

    /**
     * Removes every entry a (dead) node has in one room; idempotent, so survivors may race.
     * KEYS: presence, users. ARGV: 'node|', '#node'. Returns {users who left, users remaining}.
     */
    static final RedisScript REAP_ROOM = new RedisScript("""
            local left = {}
            local cursor = '0'
            repeat
              local r = redis.call('HSCAN', KEYS[1], cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 1000)
              cursor = r[1]
              local kv = r[2]
              for i = 1, #kv, 2 do
                local user = string.sub(kv[i], #ARGV[1] + 1)
                redis.call('HDEL', KEYS[1], kv[i])
                local n = redis.call('HINCRBY', KEYS[2], user, -tonumber(kv[i + 1]))
                if n <= 0 then
                  redis.call('HDEL', KEYS[2], user)
                  table.insert(left, user)
                end
              end
            until cursor == '0'
            redis.call('HDEL', KEYS[1], ARGV[2])
            return {left, redis.call('HLEN', KEYS[2])}
            """);

    /**
     * Renews this node's lease and lists expired ones. Returns {was expired or missing (1/0), expired nodes}.
     * KEYS: nodes. ARGV: node, ttl ms.
     */
    static final RedisScript LEASE = new RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
            local lost = 0
            if not mine or tonumber(mine) < now then lost = 1 end
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
            return {lost, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)}
            """);

    /**
     * Single-session mode: takes the user's session unless another live node's connection holds it.
     * KEYS: session key, nodes. ARGV: node|connection, node. Returns 1 if taken.
     */
    static final RedisScript CLAIM_SESSION = new RedisScript("""
            local cur = redis.call('GET', KEYS[1])
            if cur and cur ~= ARGV[1] then
              local owner = string.match(cur, '^([^|]+)|')
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
              local lease = redis.call('ZSCORE', KEYS[2], owner)
              if lease and tonumber(lease) >= now then
                return 0
              end
            end
            redis.call('SET', KEYS[1], ARGV[1])
            return 1
            """);

    /** KEYS: session key. ARGV: node|connection. */
    static final RedisScript RELEASE_SESSION = new RedisScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
            end
            return 1
            """);

    /**
     * On a Redis Cluster, for {@link #ADD}, {@link #JOIN} and {@link #LEAVE}: the same script without touching
     * the node's room list ({@code rc:node:<id>:rooms} lives in another slot than the room). The caller lists the
     * room before the script runs and passes the presence key as KEYS[3], so every key is in the room's slot.
     */
    static RedisScript withoutNodeRooms(RedisScript script) {
        return CLUSTER_VARIANTS.computeIfAbsent(script, s -> new RedisScript(s.source()
                .replace("redis.call('SADD', KEYS[3], ARGV[3])", "-- listed by the caller: another slot")
                .replace("redis.call('SREM', KEYS[3], ARGV[3])", "-- kept listed: another slot, see RedisPresence")));
    }

    private static final java.util.Map<RedisScript, RedisScript> CLUSTER_VARIANTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * On a Redis Cluster, the first half of {@link #CLAIM_SESSION} (the lease is in another slot than the session):
     * whether a node's lease is live, on the clock of the server holding the leases. KEYS: nodes. ARGV: node.
     */
    static final RedisScript LEASE_LIVE = new RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if lease and tonumber(lease) >= now then return 1 end
            return 0
            """);

    /**
     * The second half: takes the session if it still is what the caller saw ('' for none).
     * KEYS: session key. ARGV: seen holder, node|connection. Returns 1 if taken.
     */
    static final RedisScript TAKE_SESSION_IF = new RedisScript("""
            local cur = redis.call('GET', KEYS[1]) or ''
            if cur ~= ARGV[1] and cur ~= ARGV[2] then return 0 end
            redis.call('SET', KEYS[1], ARGV[2])
            return 1
            """);

    private PresenceScripts() {
    }
}
