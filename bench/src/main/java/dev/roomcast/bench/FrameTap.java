package dev.roomcast.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Takes a connection's data frames straight off the Netty pipeline, in front of Vert.x's WebSocket handler: per
 * message that saves Vert.x's heap copy of the payload, its frame object, context dispatch, inbound buffer and
 * metrics hooks — most of the generator's Java cost per received message. Control frames (close, ping, pong) still
 * go to Vert.x, which keeps handling the close handshake. Runs on the channel's event loop, which is the owning
 * shard's thread.
 */
final class FrameTap extends ChannelInboundHandlerAdapter {
    private final Conn conn;
    private final Frame shared;
    private Frame fragments; // a message split over several frames (the server does not, but be correct)

    FrameTap(Conn conn, Frame shared) {
        this.conn = conn;
        this.shared = shared;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        WebSocketFrame f = (WebSocketFrame) msg;
        try {
            if (fragments == null && f.isFinalFragment() && !(msg instanceof ContinuationWebSocketFrame)) {
                shared.clear();
                shared.append(f.content());
                conn.onMessage(shared);
                return;
            }
            if (fragments == null) {
                fragments = new Frame(f.content().readableBytes() * 2);
            }
            fragments.append(f.content());
            if (f.isFinalFragment()) {
                Frame whole = fragments;
                fragments = null;
                conn.onMessage(whole);
            }
        } finally {
            f.release();
        }
    }
}
