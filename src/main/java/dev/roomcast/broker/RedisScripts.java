package dev.roomcast.broker;

/** The Lua scripts that make each broker operation one atomic round trip. */
public final class RedisScripts {

    /**
     * Lua that reads a room's history position, for every script that needs it (here and presence's join):
     * sets the locals {@code epoch} (created from {@code candidate} with {@code ttl} ms when missing, so an ack
     * always names one) and {@code latest} (the newest stream id, or false). The script declares
     * {@code stream_key, epoch_key, ttl, candidate} first.
     */
    public static final String POSITION = """
            local epoch = redis.call('GET', epoch_key)
            if not epoch then
              epoch = candidate
              redis.call('SET', epoch_key, epoch, 'PX', ttl)
            end
            local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)
            local latest = false
            if last[1] then latest = last[1][1] end
            """;

    /**
     * Publish a room message: append to the stream (bounded), refresh the history TTL, and PUBLISH the
     * broker's envelope with its offset and epoch ({@link RedisEnvelope}; no client JSON here). A missing
     * epoch (new or lost history) starts a new one.
     * KEYS: stream, epoch, channel. ARGV: ts, from ('' for none), data, maxlen, ttl ms, candidate epoch.
     * Returns {offset, epoch}.
     * <p>
     * An idempotent publish adds KEYS[4], the key's result ({@link RedisKeys#idempotency}, in the room's slot), and
     * ARGV[7], the window in ms: when the key holds a result, nothing is stored or published and that result is
     * returned as {offset, epoch, 1}; otherwise the new result is kept there for the window.
     */
    static final RedisScript PUBLISH = new RedisScript("""
            if KEYS[4] then
              local seen = redis.call('GET', KEYS[4])
              if seen then
                local space = string.find(seen, ' ', 1, true)
                return {string.sub(seen, 1, space - 1), string.sub(seen, space + 1), 1}
              end
            end
            local epoch = redis.call('GET', KEYS[2])
            if not epoch then
              epoch = ARGV[6]
              redis.call('SET', KEYS[2], epoch)
            end
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[4], '*', 't', ARGV[1], 'f', ARGV[2], 'd', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            redis.call('PUBLISH', KEYS[3], 'p1 ' .. id .. ' ' .. epoch .. ' ' .. ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
            if KEYS[4] then
              redis.call('SET', KEYS[4], id .. ' ' .. epoch, 'PX', ARGV[7])
            end
            return {id, epoch}
            """);

    /**
     * A page of a room's history for the server API: the entries after ARGV[1] oldest first, or before it newest
     * first (ARGV[3] = '1'); from the oldest or the newest entry without ARGV[1]. The epoch is created if missing.
     * KEYS: stream, epoch. ARGV: since ('' for none), count, newest first ('1'/'0'), ttl ms, candidate epoch.
     * Returns {epoch, latest id or false, entries}.
     */
    static final RedisScript HISTORY_PAGE = new RedisScript("""
            local stream_key, epoch_key, ttl, candidate = KEYS[1], KEYS[2], ARGV[4], ARGV[5]
            """ + POSITION + """
            local entries = {}
            if ARGV[3] == '1' then
              if ARGV[1] == '' then
                entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])
              elseif ARGV[1] ~= '0-0' then
                entries = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', ARGV[2])
              end
            else
              local after = '-'
              if ARGV[1] ~= '' then after = '(' .. ARGV[1] end
              entries = redis.call('XRANGE', KEYS[1], after, '+', 'COUNT', ARGV[2])
            end
            return {epoch, latest, entries}
            """);

    /**
     * Read a room's history after an offset. Returns {epoch, latest id, reaches since, entries}. The history
     * reaches back to {@code since} when the {@code since} entry itself is still there (trimming removes from the
     * head, so nothing after it is gone), or when {@code since} is 0-0 and the stream never lost an entry.
     * An empty ARGV[1] reads no entries (a plain join only needs the position). The epoch is created if
     * missing, so the ack always names one.
     * KEYS: stream, epoch. ARGV: since ('' for none), count, ttl ms, candidate epoch.
     */
    static final RedisScript HISTORY = new RedisScript("""
            local stream_key, epoch_key, ttl, candidate = KEYS[1], KEYS[2], ARGV[3], ARGV[4]
            """ + POSITION + """
            if ARGV[1] == '' or not latest then
              return {epoch, latest, 0, {}}
            end
            local reaches = 0
            if ARGV[1] == '0-0' then
              local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[1])
              if ok then
                local length, added = -1, -2
                for i = 1, #info, 2 do
                  if info[i] == 'length' then length = info[i + 1] end
                  if info[i] == 'entries-added' then added = info[i + 1] end
                end
                if length == added then reaches = 1 end
              end
            elseif #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) > 0 then
              reaches = 1
            end
            local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
            return {epoch, latest, reaches, entries}
            """);

    /**
     * Replace the epoch if it is still the one the caller saw: the history lost messages that clients
     * may already have seen (an asynchronous-replication failover), so old offsets must not recover.
     * KEYS: epoch. ARGV: expected epoch, new epoch, ttl ms.
     */
    static final RedisScript ROTATE_EPOCH = new RedisScript("""
            local epoch = redis.call('GET', KEYS[1])
            if epoch == ARGV[1] or not epoch then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return ARGV[2]
            end
            return epoch
            """);

    private RedisScripts() {
    }
}
