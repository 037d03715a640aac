package dev.roomcast.broker;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/** A Lua script run by SHA, loaded on first use or after Redis lost it (restart, failover). */
public record RedisScript(String source, String sha) {

    public RedisScript(String source) {
        this(source, sha1(source));
    }

    /** EVALSHA, falling back to EVAL once when Redis answers NOSCRIPT. */
    public Future<Response> eval(Redis redis, int numKeys, List<String> args) {
        return eval(redis::send, numKeys, args);
    }

    /** The same on a dedicated connection. */
    public Future<Response> eval(RedisConnection connection, int numKeys, List<String> args) {
        return eval(connection::send, numKeys, args);
    }

    private Future<Response> eval(Function<Request, Future<Response>> redis, int numKeys, List<String> args) {
        Request bySha = Request.cmd(Command.EVALSHA).arg(sha).arg(numKeys);
        args.forEach(bySha::arg);
        return redis.apply(bySha).recover(e -> {
            if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                return Future.failedFuture(e);
            }
            Request full = Request.cmd(Command.EVAL).arg(source).arg(numKeys);
            args.forEach(full::arg);
            return redis.apply(full);
        });
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
