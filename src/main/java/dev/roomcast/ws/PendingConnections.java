package dev.roomcast.ws;

import dev.roomcast.config.RoomcastConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.ScheduledFuture;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.runtime.VertxHttpConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.TCPServerBase;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the TCP connections of the public port that are not doing anything useful yet: accepted but
 * without a complete request (idle sockets, slowloris upgrades that trickle their headers), or idle
 * between two HTTP requests. Vert.x holds such connections forever (its idle timeout is reset by every
 * byte, and it is off for WebSockets' sake), until the open-file limit is reached and every new client
 * fails.
 * <ul>
 * <li>a connection gets {@code roomcast.limits.handshake-timeout} to deliver its first request head, and
 * {@code roomcast.limits.http-idle-timeout} between requests; then it is closed;</li>
 * <li>at most {@code roomcast.limits.max-pending-connections} such connections exist: a new one evicts the
 * oldest, so a flood of idle sockets cannot lock out a client that sends its request at once;</li>
 * <li>a connection with a request in progress is not pending; an upgraded WebSocket leaves for good
 * ({@link #upgraded}), bounded by {@code roomcast.limits.max-connections} instead;</li>
 * <li>at most as many again may be accepted and not yet taken up by their event loop (where they are counted
 * and evict): when the event loops fall that far behind a flood, a new connection is reset at once, so the
 * sockets held in that gap stay bounded too.</li>
 * </ul>
 * Every accepted channel of the main HTTP server gets a {@link Deadline} as its first handler, from a hook
 * in the server channel's pipeline (in front of Netty's acceptor). Finding that channel needs Vert.x
 * internals; if that fails, a warning says the bounds are off and everything else works as before.
 */
@ApplicationScoped
@RegisterForReflection(targets = TCPServerBase.class, fields = true)
public class PendingConnections {

    private static final Logger LOG = Logger.getLogger(PendingConnections.class);
    static final String HANDLER = "roomcast-pending";

    private final long handshakeTimeoutNanos;
    private final long idleTimeoutNanos;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    /** Accepted, and not yet on their event loop (their {@link Deadline} not added yet). */
    private final AtomicInteger accepting = new AtomicInteger();
    /** Oldest first; entries that stopped pending are skipped and dropped when they reach the head. */
    private final ConcurrentLinkedQueue<Deadline> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong closedByTimeout = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final Set<Channel> hooked = ConcurrentHashMap.newKeySet();
    private final Vertx vertx;

    @Inject
    public PendingConnections(RoomcastConfig config, Vertx vertx) {
        this(config.limits().handshakeTimeout(), config.limits().httpIdleTimeout(), config.limits().maxPendingConnections(),
                vertx);
    }

    PendingConnections(Duration handshakeTimeout, Duration idleTimeout, int maxPending, Vertx vertx) {
        this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.maxPending = maxPending;
        this.vertx = vertx;
    }

    /** Connections accepted (or idle between requests) without a request in progress, right now. */
    public int pending() {
        return pending.get();
    }

    /** Connections closed because their deadline passed. */
    public long closedByTimeout() {
        return closedByTimeout.get();
    }

    /** Pending connections closed to make room for newer ones. */
    public long evicted() {
        return evicted.get();
    }

    /** The main HTTP server starts listening after the application started: look for it until it does. */
    void start(@Observes StartupEvent event, VertxHttpConfig http) {
        int port = LaunchMode.current() == LaunchMode.TEST ? http.testPort() : http.port();
        long[] attempts = {0};
        vertx.setPeriodic(50, 100, timer -> {
            if (hook(port) || ++attempts[0] > 600) {
                vertx.cancelTimer(timer);
                if (hooked.isEmpty()) {
                    warn("the HTTP server channel was not found");
                }
            }
        });
    }

    /** Hooks the server channels listening on {@code port} (any, for 0); true once there is one. */
    boolean hook(int port) {
        try {
            Field bind = TCPServerBase.class.getDeclaredField("bindFuture");
            bind.setAccessible(true);
            for (TCPServerBase server : ((VertxInternal) vertx).sharedHttpServers().values()) {
                @SuppressWarnings("unchecked")
                Future<Channel> bound = (Future<Channel>) bind.get(server);
                Channel serverChannel = bound == null ? null : bound.result();
                if (serverChannel == null || !(serverChannel.localAddress() instanceof java.net.InetSocketAddress a)
                        || (port > 0 && a.getPort() != port)) {
                    continue;
                }
                if (hooked.add(serverChannel)) {
                    serverChannel.pipeline().addFirst("roomcast-accept", new AcceptHook());
                    LOG.debugf("bounding pending connections on port %d: handshake timeout %d ms, idle timeout %d ms, at most %d",
                            a.getPort(), handshakeTimeoutNanos / 1_000_000, idleTimeoutNanos / 1_000_000, maxPending);
                }
            }
            return !hooked.isEmpty();
        } catch (ReflectiveOperationException | RuntimeException e) {
            warn(e.toString());
            return true;
        }
    }

    /** Every request on the main router: its connection is busy until the response ends. */
    void track(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            Deadline d = deadlineOf(rc.request().connection());
            if (d != null) {
                d.requestStarted();
                rc.addEndHandler(x -> d.requestEnded());
            }
            rc.next();
        });
    }

    /** The connection is a WebSocket now: no longer pending, never again. */
    static void upgraded(Channel channel) {
        Deadline d = channel.pipeline().get(Deadline.class);
        if (d != null) {
            channel.pipeline().remove(d);
        }
    }

    private static Deadline deadlineOf(io.vertx.core.http.HttpConnection connection) {
        if (connection instanceof ConnectionBase c) {
            return c.channel().pipeline().get(Deadline.class);
        }
        return null;
    }

    private void warn(String why) {
        LOG.warnf("cannot bound connections that have not completed a request (%s): roomcast.limits.handshake-timeout, "
                + "http-idle-timeout and max-pending-connections are not applied", why);
    }

    private void admit(Deadline d) {
        queue.offer(d);
        if (pending.incrementAndGet() > maxPending) {
            Deadline oldest;
            while ((oldest = queue.poll()) != null) {
                if (oldest.evict()) {
                    break;
                }
            }
        }
        Deadline head;
        while ((head = queue.peek()) != null && !head.isPending()) {
            queue.remove(head); // head only: O(1)
        }
    }

    /** Installs a {@link Deadline} as the first handler of each accepted connection. */
    @ChannelHandler.Sharable
    private final class AcceptHook extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                if (accepting.incrementAndGet() > maxPending) {
                    // The event loops are a whole bound behind: their evictions cannot keep up, so this one is
                    // reset here, unregistered (as Netty's acceptor closes a child it cannot register).
                    accepting.decrementAndGet();
                    LOG.debugf("resetting %s at accept: %d accepted connections wait for their event loop",
                            child.remoteAddress(), maxPending);
                    child.unsafe().closeForcibly();
                    return;
                }
                child.pipeline().addFirst(HANDLER, new Deadline());
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** One connection's deadline. State changes happen on its event loop, eviction from any thread. */
    final class Deadline extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> timer;
        /** Counted in {@link #pending}; cleared exactly once per counting (CAS-like under this). */
        private boolean counted;
        private int requests;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            // Registered on its event loop (a child's handlers are added then): counted as pending from here on.
            // A child whose registration fails is never added and stays counted; Netty fails it only when its
            // event loop is shutting down.
            accepting.decrementAndGet();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            startPending(handshakeTimeoutNanos);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stopPending();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            stopPending();
        }

        void requestStarted() {
            requests++;
            stopPending();
        }

        void requestEnded() {
            if (--requests == 0 && ctx.channel().isActive() && ctx.pipeline().get(Deadline.class) == this) {
                startPending(idleTimeoutNanos);
            }
        }

        private void startPending(long timeoutNanos) {
            synchronized (this) {
                if (counted) {
                    return;
                }
                counted = true;
            }
            timer = ctx.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
            admit(this);
        }

        private void stopPending() {
            if (uncount() && timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private synchronized boolean uncount() {
            if (!counted) {
                return false;
            }
            counted = false;
            pending.decrementAndGet();
            return true;
        }

        synchronized boolean isPending() {
            return counted;
        }

        private void expire() {
            if (uncount()) {
                closedByTimeout.incrementAndGet();
                LOG.debugf("closing %s: no request within its deadline", ctx.channel().remoteAddress());
                drop();
            }
        }

        /** Closes this connection to make room, if it is still pending; false if it was not. */
        boolean evict() {
            if (!uncount()) {
                return false;
            }
            evicted.incrementAndGet();
            ctx.executor().execute(this::drop);
            return true;
        }

        private void drop() {
            Channel ch = ctx.channel();
            if (ch.isOpen()) {
                ch.config().setOption(ChannelOption.SO_LINGER, 0); // a reset: nothing is owed to it
                ch.close();
            }
        }
    }
}
