package dev.roomcast.broker;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pooled Redis client, counting the commands sent through it that have not been answered yet
 * (waiting for a pooled connection or in flight). That count is the node's Redis backlog, which
 * admission control reads to shed a join storm before the client's wait queue overflows.
 */
public final class InFlightRedis implements Redis {

    private final Redis delegate;
    private final AtomicInteger inFlight = new AtomicInteger();

    public InFlightRedis(Redis delegate) {
        this.delegate = delegate;
    }

    /** Commands sent and not answered yet (a batch counts as its number of commands). */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public Future<Response> send(Request command) {
        inFlight.incrementAndGet();
        return delegate.send(command).andThen(r -> inFlight.decrementAndGet());
    }

    @Override
    public Future<List<Response>> batch(List<Request> commands) {
        int n = commands.size();
        inFlight.addAndGet(n);
        return delegate.batch(commands).andThen(r -> inFlight.addAndGet(-n));
    }

    /** Dedicated connections (pub/sub) are not pooled and not counted. */
    @Override
    public Future<RedisConnection> connect() {
        return delegate.connect();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
