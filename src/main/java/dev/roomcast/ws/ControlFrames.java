package dev.roomcast.ws;

import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.hub.RateLimiter;
import dev.roomcast.hub.Session;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Pings and pongs from the client, taken out of Vert.x' hands. Vert.x answers every ping with a pong
 * written straight to the channel, uncounted and unbounded: a client that sends pings and never reads
 * makes the node queue pongs until its memory is gone. Here, in front of Vert.x' handler, each control
 * frame takes a token from the connection's rate limiter like any text frame (refused ones are dropped,
 * persistent flooding closes with 1008), and the pong is written by {@link ConnectionSink#pong}, which
 * counts it against the outbound bounds like every other frame the server writes.
 */
final class ControlFrames extends ChannelInboundHandlerAdapter {

    private final Session session;
    private final ConnectionSink sink;
    private final RateLimiter limiter;
    private final int closeAfterRefusedFrames;
    private final Runnable onRateLimitClose;
    /** Pongs written since the last flush: one flush per read batch, not one per ping. */
    private boolean unflushed;

    ControlFrames(Session session, ConnectionSink sink, int closeAfterRefusedFrames, Runnable onRateLimitClose) {
        this.session = session;
        this.sink = sink;
        this.limiter = session.limiter();
        this.closeAfterRefusedFrames = closeAfterRefusedFrames;
        this.onRateLimitClose = onRateLimitClose;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean ping = msg instanceof PingWebSocketFrame;
        if (!ping && !(msg instanceof PongWebSocketFrame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!session.isOpen()) {
            ReferenceCountUtil.release(msg); // being closed: nothing more is answered
            return;
        }
        if (!limiter.tryAcquire()) {
            ReferenceCountUtil.release(msg);
            if (limiter.strikes() > closeAfterRefusedFrames) {
                onRateLimitClose.run();
                session.close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
            }
            return;
        }
        if (ping) {
            PingWebSocketFrame frame = (PingWebSocketFrame) msg;
            try {
                unflushed |= sink.pong(frame.content());
            } finally {
                frame.release();
            }
        } else {
            ctx.fireChannelRead(msg); // an unsolicited pong: Vert.x ignores it, as RFC 6455 allows
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) {
            unflushed = false;
            ctx.channel().flush();
        }
        ctx.fireChannelReadComplete();
    }
}
