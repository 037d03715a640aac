package dev.roomcast.ws;

import dev.roomcast.hub.FrameSink;
import dev.roomcast.hub.OutboundFrame;
import io.quarkus.websockets.next.CloseReason;
import io.netty.buffer.Unpooled;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes frames to a WebSocket connection and bounds what is queued but not yet written: a client
 * that stops reading makes the frames pile up here, and over the bound it is disconnected instead of
 * growing the node's memory. A close that cannot even be sent (the close frame waits behind the full
 * queue of a client that does not read at all) is cut short after {@code closeTimeout}: the TCP
 * connection is dropped, and the queue with it.
 */
final class ConnectionSink implements FrameSink {

    private static final Logger LOG = Logger.getLogger(ConnectionSink.class);

    private final WebSocketConnection connection;
    /** The raw socket for pre-encoded writes; null → {@code sendText}. */
    private final WebSocketBase socket;

    private final long maxBytes;
    private final int maxFrames;
    private final SinkObserver observer;
    private final Transport transport;
    private final Duration closeTimeout;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private volatile boolean closing;

    ConnectionSink(WebSocketConnection connection, long maxBytes, int maxFrames, SinkObserver observer,
            Transport transport, Duration closeTimeout) {
        this.connection = connection;
        this.socket = RawSocketAccess.socketOf(connection);

        this.maxBytes = maxBytes;
        this.maxFrames = maxFrames;
        this.observer = observer;
        this.transport = transport;
        this.closeTimeout = closeTimeout;
    }

    @Override
    public boolean write(OutboundFrame frame) {
        if (closing) {
            return true;
        }
        int weight = frame.weight();
        if (queuedFrames.get() >= maxFrames || queuedBytes.get() + weight > maxBytes) {
            return false;
        }
        queuedFrames.incrementAndGet();
        queuedBytes.addAndGet(weight);
        if (socket != null) {
            // The same UTF-8 bytes for every recipient; only a small wrapper is allocated per write.
            socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame.utf8Bytes()), true),
                    r -> written(weight));
        } else {
            connection.sendText(frame.text()).subscribe().with(ok -> written(weight), failure -> written(weight));
        }
        observer.frameOut(frame, weight);
        return true;
    }

    private void written(int weight) {
        queuedFrames.decrementAndGet();
        queuedBytes.addAndGet(-weight);
    }

    @Override
    public void close(int code, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        observer.closing(code);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("closing %s with %d (%s), %d frames / %d bytes queued", connection.id(), code, reason,
                    queuedFrames.get(), queuedBytes.get());
        }
        // Completes once the close frame is written; from then on Vert.x closes the TCP connection itself
        // if the client does not answer.
        connection.close(new CloseReason(code, reason))
                .ifNoItem().after(closeTimeout).recoverWithItem(() -> {
                    LOG.debugf("close of %s not sent after %s: dropping the connection", connection.id(), closeTimeout);
                    transport.abort();
                    return null;
                })
                .subscribe().with(x -> {
                }, e -> LOG.debugf("close of %s failed: %s", connection.id(), e));
    }

    /** The transport already sent a close frame with this code (a protocol violation): stop writing. */
    void closedByTransport(int code) {
        if (!closing) {
            closing = true;
            observer.closing(code);
        }
    }

    @Override
    public boolean isOpen() {
        return !closing && connection.isOpen();
    }
}
