package dev.roomcast.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.quarkus.websockets.next.UserData;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import org.jboss.logging.Logger;

/**
 * The TCP connection under a WebSocket, captured at the upgrade, for the two things the WebSocket API
 * does not offer:
 * <ul>
 * <li>UTF-8 validation of text frames, which RFC 6455 requires (close 1007) but Vert.x does not do
 * (it decodes invalid bytes to U+FFFD): Netty's own {@link Utf8FrameValidator} is added to the pipeline;</li>
 * <li>{@link #abort()}: dropping a connection whose close handshake cannot complete because the client
 * does not read (its close frame sits behind a full socket buffer forever otherwise, and with it the
 * queued frames).</li>
 * </ul>
 * Both rely on Vert.x' connection being a Netty channel; if that ever changes they degrade to no-ops
 * with a warning, and the connection works as before.
 */
public final class Transport {

    public static final UserData.TypedKey<Transport> KEY = new UserData.TypedKey<>("roomcast.transport");
    private static final Logger LOG = Logger.getLogger(Transport.class);
    static final Transport NONE = new Transport(null);
    private static volatile boolean warned;

    private final Channel channel;

    private Transport(Channel channel) {
        this.channel = channel;
    }

    /** Call during the upgrade check, while the request is still at hand. */
    public static Transport of(HttpServerRequest request) {
        if (request.connection() instanceof ConnectionBase c) {
            return new Transport(c.channel());
        }
        warnOnce("the HTTP connection is not a Netty channel");
        return NONE;
    }

    /** Call once the WebSocket is open: text frames with invalid UTF-8 then close the connection with 1007. */
    void validateUtf8() {
        if (channel == null) {
            return;
        }
        try {
            ChannelPipeline pipeline = channel.pipeline();
            String last = pipeline.lastContext() == null ? null : pipeline.lastContext().name();
            if (last != null && pipeline.get(Utf8FrameValidator.class) == null) {
                // Before Vert.x' own handler, after the WebSocket codec: it sees decoded frames and its
                // close frame goes out through the encoder.
                pipeline.addBefore(last, "roomcast-utf8", new Utf8FrameValidator(true));
            }
        } catch (RuntimeException e) {
            warnOnce("cannot add UTF-8 validation: " + e);
        }
    }

    /** Closes the TCP connection at once, dropping whatever is still queued for it. */
    void abort() {
        if (channel != null && channel.isOpen()) {
            channel.close();
        }
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warnf("WebSocket transport hooks unavailable (%s): invalid UTF-8 is not answered with 1007 "
                    + "and stuck closes are not cut short", why);
        }
    }
}
