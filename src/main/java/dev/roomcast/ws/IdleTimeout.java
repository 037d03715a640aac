package dev.roomcast.ws;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The idle timeout of an upgraded WebSocket, in place of the {@code IdleStateHandler(0, 0, idleTimeout)} Vert.x
 * puts on every HTTP connection for {@code quarkus.http.idle-timeout}, with its meaning: when nothing was read
 * from the connection and nothing written to it for the timeout, an {@link IdleStateEvent} goes to Vert.x, which
 * closes the connection. Netty's handler makes a promise and a listener for every write to see it complete; the
 * frames {@link ConnectionSink} writes do not pass here ({@link Transport#framesContext()}), each of its batches
 * sets the time of the last activity instead ({@link #active}), and one scheduled check per timeout compares it
 * with the clock. A write counts when it is handed to Netty, not when the socket took it: a connection whose
 * client stopped reading is closed by the outbound bounds long before, as a slow consumer. Event-loop confined.
 */
final class IdleTimeout extends ChannelDuplexHandler implements Runnable {

    static final String NAME = "roomcast-idle";

    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> check;
    private long lastActivity;
    private boolean reading;
    private boolean first = true;

    IdleTimeout(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    long timeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    }

    /** Something was written (a batch of frames) at {@code nanoTime}; on the event loop. */
    void active(long nanoTime) {
        lastActivity = nanoTime;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastActivity = System.nanoTime();
        if (ctx.channel().isActive()) {
            schedule(timeoutNanos);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (check == null) {
            schedule(timeoutNanos);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading) {
            lastActivity = System.nanoTime();
            reading = false;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // Writes of Vert.x and of roomcast's handlers behind this one (close frames, pongs): rare.
        lastActivity = System.nanoTime();
        ctx.write(msg, promise);
    }

    @Override
    public void run() {
        check = null;
        if (!ctx.channel().isOpen()) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (reading || idle < timeoutNanos) {
            schedule(timeoutNanos - (reading ? 0 : idle));
            first = true;
            return;
        }
        // As IdleStateHandler does: again after another timeout if the connection is still idle then.
        schedule(timeoutNanos);
        IdleStateEvent event = first ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT : IdleStateEvent.ALL_IDLE_STATE_EVENT;
        first = false;
        ctx.fireUserEventTriggered(event);
    }

    private void schedule(long delayNanos) {
        if (timeoutNanos > 0) {
            check = ctx.executor().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
