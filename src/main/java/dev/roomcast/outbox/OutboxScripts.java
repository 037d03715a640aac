package dev.roomcast.outbox;

import dev.roomcast.broker.RedisScript;

/**
 * The outbox's Lua, each one round trip. Entries carry the fields {@code e} (type), {@code r} (room), {@code u}
 * (user), {@code f} (from), {@code o} (offset), {@code p} (epoch), {@code d} (data); a type has only its own.
 * Through Lua every reply is in the RESP2 shape, whatever protocol the connection speaks.
 */
final class OutboxScripts {

    /** Lua that turns a failed {@code pcall} into its message. */
    private static final String ERROR_TEXT = """
            local function error_text(e)
              if type(e) == 'table' and e.err then return e.err end
              return tostring(e)
            end
            """;

    /**
     * This consumer's entries: new ones ({@code >}) or its own unfinished ones ({@code 0}); creates the group when
     * it is missing (first start, or Redis lost the stream). An entry removed by the length cap comes back as
     * {@code {id, false}}. KEYS: outbox. ARGV: group, consumer, count, '>' or '0'. Returns {{id, fields}…}.
     */
    static final RedisScript READ = new RedisScript(ERROR_TEXT + """
            local function read()
              return redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], ARGV[4])
            end
            local ok, r = pcall(read)
            if not ok then
              if not string.find(error_text(r), 'NOGROUP', 1, true) then
                return redis.error_reply(error_text(r))
              end
              redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
              r = read()
            end
            if not r or not r[1] then return {} end
            return r[1][2]
            """);

    /**
     * Takes entries other consumers left idle for at least min-idle ms (their node died).
     * KEYS: outbox. ARGV: group, consumer, min-idle ms, cursor, count.
     * Returns {next cursor, {{id, fields}…}, entries that were removed by the length cap}.
     */
    static final RedisScript CLAIM = new RedisScript("""
            local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
            local deleted = 0
            if r[3] then deleted = #r[3] end
            return {r[1], r[2], deleted}
            """);

    /**
     * Which of the given entries this consumer still holds; those are touched (idle time 0), so no other node claims
     * them while this one retries. KEYS: outbox. ARGV: group, consumer, first id, last id, id… Returns the ids held.
     */
    static final RedisScript RENEW = new RedisScript("""
            local wanted = {}
            for i = 5, #ARGV do wanted[ARGV[i]] = true end
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[4], #ARGV - 4, ARGV[2])
            local held = {}
            for _, p in ipairs(pending) do
              if wanted[p[1]] then table.insert(held, p[1]) end
            end
            if #held > 0 then
              local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
              for _, id in ipairs(held) do claim[#claim + 1] = id end
              claim[#claim + 1] = 'JUSTID'
              redis.call(unpack(claim))
            end
            return held
            """);

    /** Acknowledges and deletes finished entries. KEYS: outbox. ARGV: group, id… */
    static final RedisScript FINISH = new RedisScript("""
            local ids = {}
            for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
            redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
            return redis.call('XDEL', KEYS[1], unpack(ids))
            """);

    /**
     * Entries not delivered (delivered ones are deleted, so the stream's length) and the oldest one's id.
     * KEYS: outbox. Returns {length, oldest id or false}.
     */
    static final RedisScript BACKLOG = new RedisScript("""
            local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
            local oldest = false
            if first[1] then oldest = first[1][1] end
            return {redis.call('XLEN', KEYS[1]), oldest}
            """);

    /**
     * Deletes consumers (nodes) that hold nothing and were idle longer than a bound, except this one; deleting one
     * that holds entries would lose them, so the check and the delete are one step.
     * KEYS: outbox. ARGV: group, idle ms, this consumer. Returns how many were deleted.
     */
    static final RedisScript TIDY = new RedisScript(ERROR_TEXT + """
            local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
            if not ok then return 0 end
            local deleted = 0
            for _, c in ipairs(consumers) do
              local name, pending, idle
              for i = 1, #c, 2 do
                if c[i] == 'name' then name = c[i + 1] end
                if c[i] == 'pending' then pending = c[i + 1] end
                if c[i] == 'idle' then idle = c[i + 1] end
              end
              if name ~= ARGV[3] and pending == 0 and idle > tonumber(ARGV[2]) then
                redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
                deleted = deleted + 1
              end
            end
            return deleted
            """);

    private OutboxScripts() {
    }
}
