package dev.roomcast.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Reads a connection no faster than its messages are handled. A connection's messages are handled one at a time;
 * those that arrive meanwhile wait in websockets-next's queue, which has no bound, and the rate limit is only
 * applied when a message's turn comes. A client that sends faster than its messages are handled — token refreshes
 * while the workers are busy verifying, publishes that wait for a publish hook — made that queue grow until the
 * heap was gone (300 connections refreshing 90 times a second, within the rate limit, ran a 256 MiB node out of
 * memory). Here, in front of Vert.x' handler, every complete message counts until it is handled; at
 * {@link #PAUSE_AT} waiting the connection is not read any more (the bytes wait in the socket, TCP slows the
 * client down), and reading resumes at {@link #RESUME_AT}. Handling is serial anyway, so nothing is slower for it.
 */
final class InboundBacklog extends ChannelInboundHandlerAdapter {

    static final int PAUSE_AT = 16;
    static final int RESUME_AT = 4;

    private final Transport transport;
    /** Messages read and not handled yet (guarded by this, like {@link #paused}). */
    private int waiting;
    private boolean paused;

    InboundBacklog(Transport transport) {
        this.transport = transport;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame frame && frame.isFinalFragment() && (msg instanceof TextWebSocketFrame
                || msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame)) {
            received();
        }
        ctx.fireChannelRead(msg);
    }

    private synchronized void received() {
        if (++waiting >= PAUSE_AT && !paused) {
            paused = true;
            transport.pauseReads();
        }
    }

    /** One message was handled (its reply, if any, is queued). */
    synchronized void handled() {
        if (--waiting <= RESUME_AT && paused) {
            paused = false;
            transport.resumeReads();
        }
    }
}
