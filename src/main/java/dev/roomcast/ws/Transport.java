package dev.roomcast.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.quarkus.websockets.next.UserData;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The TCP connection under a WebSocket, captured at the upgrade, for what the WebSocket API
 * does not offer:
 * <ul>
 * <li>UTF-8 validation of text frames, which RFC 6455 requires (close 1007) but Vert.x does not do
 * (it decodes invalid bytes to U+FFFD): Netty's own {@link Utf8FrameValidator} is added to the pipeline,
 * and {@link ProtocolViolations} answers it and the decoder's refusals (a frame over the maximum frame
 * size: 1009) with a close frame instead of a silent disconnect;</li>
 * <li>{@link #channel()} and {@link #framesContext()}: where {@link ConnectionSink} writes pre-encoded frames,
 * without the per-write encoding and promise of the WebSocket API, and from the WebSocket encoder's place in the
 * pipeline rather than from its tail: past the encoder a frame is bytes, and only the handlers between it and the
 * socket (none in Vert.x' WebSocket pipeline without TLS; TLS, traffic shaping or wire logging if configured)
 * have to see them;</li>
 * <li>the idle timeout ({@code quarkus.http.idle-timeout}) by {@link IdleTimeout}, in place of Vert.x' Netty
 * {@code IdleStateHandler}, which the frames written from the encoder no longer pass and which made a promise
 * and a listener for every write;</li>
 * <li>{@link #abort()}: dropping a connection whose close handshake cannot complete because the client
 * does not read (its close frame sits behind a full socket buffer forever otherwise, and with it the
 * queued frames).</li>
 * </ul>
 * All rely on Vert.x' connection being a Netty channel; if that ever changes they degrade to no-ops
 * with a warning, and the connection works as before.
 */
public final class Transport {

    public static final UserData.TypedKey<Transport> KEY = new UserData.TypedKey<>("roomcast.transport");
    private static final Logger LOG = Logger.getLogger(Transport.class);
    static final Transport NONE = new Transport(null);
    private static volatile boolean warned;

    private final Channel channel;
    private final InboundBacklog backlog;
    /** Set by {@link #guard}: where frames are written from, null for the channel's tail. */
    private volatile ChannelHandlerContext framesContext;
    private volatile IdleTimeout idleTimeout;

    private Transport(Channel channel) {
        this.channel = channel;
        this.backlog = channel == null ? null : new InboundBacklog(this);
    }

    /** Call during the upgrade check, while the request is still at hand. */
    public static Transport of(HttpServerRequest request) {
        if (request.connection() instanceof ConnectionBase c) {
            return new Transport(c.channel());
        }
        warnOnce("the HTTP connection is not a Netty channel");
        return NONE;
    }

    /**
     * Call once the WebSocket is open: text frames with invalid UTF-8 then close the connection with 1007,
     * frames over the maximum frame size with 1009; {@code onViolation} is told the code.
     */
    void guard(IntConsumer onViolation) {
        if (channel == null) {
            return;
        }
        try {
            PendingConnections.upgraded(channel);
        } catch (RuntimeException e) {
            warnOnce("cannot lift the handshake deadline: " + e);
        }
        try {
            ChannelPipeline pipeline = channel.pipeline();
            String last = pipeline.lastContext() == null ? null : pipeline.lastContext().name();
            if (last != null && pipeline.get(Utf8FrameValidator.class) == null) {
                // Before Vert.x' own handler, after the WebSocket codec: they see decoded frames and their
                // close frame goes out through the encoder.
                pipeline.addBefore(last, "roomcast-utf8", new Utf8FrameValidator(false));
                pipeline.addBefore(last, "roomcast-violations", new ProtocolViolations(onViolation));
            }
        } catch (RuntimeException e) {
            warnOnce("cannot add UTF-8 validation: " + e);
        }
        try {
            writeFramesPastTheEncoder(channel.pipeline());
        } catch (RuntimeException e) {
            LOG.debugf("frames of %s written from the pipeline's tail: %s", channel, e);
        }
    }

    /**
     * Frames are written from the WebSocket encoder's context once Vert.x' idle handler is replaced by an
     * {@link IdleTimeout} that each batch resets: Netty's handler only sees the writes that pass it. One that also
     * has reader or writer idle times (not Quarkus' configuration) is left in place, and frames are written from
     * the tail, through it, as before.
     */
    private void writeFramesPastTheEncoder(ChannelPipeline pipeline) {
        ChannelHandlerContext encoder = pipeline.context(WebSocketFrameEncoder.class);
        if (encoder == null) {
            return;
        }
        IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
        if (idle != null) {
            if (idle.getReaderIdleTimeInMillis() > 0 || idle.getWriterIdleTimeInMillis() > 0) {
                return;
            }
            IdleTimeout replacement = new IdleTimeout(idle.getAllIdleTimeInMillis());
            pipeline.replace(idle, IdleTimeout.NAME, replacement);
            idleTimeout = replacement;
        }
        framesContext = encoder;
    }

    /**
     * The context frames are written and flushed from: the WebSocket encoder's, so that they pass only the
     * handlers between it and the socket; null (write to the channel) if {@link #guard} did not set it up.
     */
    ChannelHandlerContext framesContext() {
        return framesContext;
    }

    /** A batch of frames was written from {@link #framesContext()} at {@code nanoTime}: the connection is not idle. */
    void framesWritten(long nanoTime) {
        IdleTimeout idle = idleTimeout;
        if (idle != null) {
            idle.active(nanoTime);
        }
    }

    /**
     * Call once the session exists: pings and pongs go through {@code controlFrames} (rate limit, counted
     * pongs) instead of Vert.x, which would answer every ping unbounded; messages are read no faster than they
     * are handled ({@link InboundBacklog}: call {@link #messageHandled} for each).
     */
    void limitControlFrames(ControlFrames controlFrames) {
        if (channel == null) {
            return;
        }
        try {
            ChannelPipeline pipeline = channel.pipeline();
            String last = pipeline.lastContext() == null ? null : pipeline.lastContext().name();
            if (last != null && pipeline.get(ControlFrames.class) == null) {
                pipeline.addBefore(last, "roomcast-control-frames", controlFrames);
                pipeline.addBefore(last, "roomcast-inbound-backlog", backlog);
            }
        } catch (RuntimeException e) {
            warnOnce("cannot limit control frames: " + e);
        }
    }

    /**
     * Stops reading from the connection until {@link #resumeReads}, called from {@code @OnOpen}. websockets-next
     * upgrades on the thread that completes the upgrade check and sets the new WebSocket's handlers only afterwards:
     * when the check completes elsewhere than on the connection's event loop (a JWT verified on a worker), a frame
     * the client sent right after the 101 could be read before those handlers existed, and Vert.x dropped it
     * without a trace — a {@code join} never answered. Paused, the bytes wait in the socket until the session exists.
     */
    void pauseReads() {
        if (channel != null) {
            channel.config().setAutoRead(false);
        }
    }

    /** Reads again (and reads what waited meanwhile); see {@link #pauseReads}. */
    void resumeReads() {
        if (channel != null) {
            channel.config().setAutoRead(true);
        }
    }

    /** A text or binary message of the client was handled: see {@link InboundBacklog}. */
    void messageHandled() {
        if (backlog != null) {
            backlog.handled();
        }
    }

    /** The Netty channel under the WebSocket, or null when it could not be captured. */
    Channel channel() {
        return channel;
    }

    /** Closes the TCP connection at once (a reset), dropping whatever is still queued for it. */
    void abort() {
        if (channel != null && channel.isOpen()) {
            // A reset, not a FIN: the kernel would otherwise keep trying to deliver the unread data.
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            // Closed from a handler in front of Vert.x': a channel.close() would reach Vert.x, which turns
            // it into a WebSocket close handshake with a 10 s timeout, the very thing that is stuck.
            ChannelHandlerContext ctx = channel.pipeline().context(ProtocolViolations.class);
            if (ctx != null) {
                ctx.close();
            } else {
                channel.close();
            }
        }
    }

    /**
     * Answers a broken WebSocket rule with the close frame RFC 6455 asks for. Vert.x configures Netty's
     * decoder not to, and on the exception drops the TCP connection at once: the client sees 1006, or a
     * reset that loses the close frame when part of its message is still unread. Here the exception stops:
     * the close frame is sent (1009 for a frame over the maximum frame size, 1007 for invalid UTF-8, 1002
     * otherwise), every later frame is discarded, and the connection is closed when the client answers or
     * closes, or after {@link #LINGER}.
     */
    static final class ProtocolViolations extends ChannelInboundHandlerAdapter {
        static final Duration LINGER = Duration.ofSeconds(2);
        private final IntConsumer onViolation;
        private boolean answered;

        ProtocolViolations(IntConsumer onViolation) {
            this.onViolation = onViolation;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!answered) {
                ctx.fireChannelRead(msg);
                return;
            }
            boolean closeFrame = msg instanceof CloseWebSocketFrame;
            ReferenceCountUtil.release(msg);
            if (closeFrame) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof CorruptedWebSocketFrameException c)) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            if (answered) {
                return;
            }
            answered = true;
            WebSocketCloseStatus status = c.closeStatus() == null ? WebSocketCloseStatus.PROTOCOL_ERROR : c.closeStatus();
            onViolation.accept(status.code());
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), reason(status.code())));
                ctx.executor().schedule(() -> {
                    ctx.close();
                }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    static String reason(int code) {
        return switch (code) {
            case 1009 -> "message too big";
            case 1007 -> "invalid UTF-8";
            default -> "protocol error";
        };
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warnf("WebSocket transport hooks unavailable (%s): invalid UTF-8 is not answered with 1007, "
                    + "stuck closes are not cut short and frames are written through the slower sendText", why);
        }
    }
}
