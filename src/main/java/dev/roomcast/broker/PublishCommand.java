package dev.roomcast.broker;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a node publishes to its room and user channels: classic {@code PUBLISH} (standalone and Sentinel), or
 * {@code SPUBLISH} on a Redis Cluster, where a classic publish is broadcast to every shard while a sharded one
 * goes only to the master owning the channel's slot — the same slot as the room's keys ({@code {room}} tag).
 */
public enum PublishCommand {
    CLASSIC(Command.PUBLISH),
    SHARDED(Command.SPUBLISH);

    private final Command command;
    private final Map<RedisScript, RedisScript> scripts = new ConcurrentHashMap<>();

    PublishCommand(Command command) {
        this.command = command;
    }

    public Request request(String channel, String payload) {
        return Request.cmd(command).arg(channel).arg(payload);
    }

    /**
     * The script as this mode runs it: sharded, its {@code PUBLISH} calls become {@code SPUBLISH} (a script may
     * publish to a shard channel of its own slot, declared among its KEYS).
     */
    public RedisScript script(RedisScript script) {
        if (this == CLASSIC) {
            return script;
        }
        return scripts.computeIfAbsent(script,
                s -> new RedisScript(s.source().replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',")));
    }
}
