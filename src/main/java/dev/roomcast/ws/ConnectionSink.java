package dev.roomcast.ws;

import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.hub.FrameSink;
import dev.roomcast.protocol.OutboundFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Writes frames to a WebSocket connection and bounds what is queued but not yet written: a client
 * that stops reading makes the frames pile up, and over the bound it is disconnected instead of
 * growing the node's memory. A close that cannot even be sent (the close frame waits behind the full
 * queue of a client that does not read at all) is cut short after {@code closeTimeout}: the TCP
 * connection is dropped, and the queue with it.
 * <p>
 * Frames are written straight to the Netty channel as pre-encoded WebSocket frames
 * ({@link TextFrameEncoding}): encoded once, each recipient writing a pooled copy of a small frame or a duplicate of a
 * large one, no promise per write, and one flush per connection per batch, the batch being
 * whatever arrived since the connection's event loop last drained it ({@link LoopWriter}). They are written from the WebSocket encoder's
 * place in the pipeline ({@link Transport#framesContext()}): only what lies between it and the socket sees them
 * (a TLS handler would), not the handlers behind it, which have nothing to do with a complete frame (Vert.x',
 * roomcast's inbound checks, the idle timer, which each batch resets instead: {@link IdleTimeout}). A close is
 * queued behind the frames sent before it and goes out through Vert.x after them. Where the channel cannot be
 * reached, frames go through {@code sendText}.
 */
final class ConnectionSink implements FrameSink {

    private static final Logger LOG = Logger.getLogger(ConnectionSink.class);
    private static final AtomicIntegerFieldUpdater<ConnectionSink> QUEUED_FRAMES =
            AtomicIntegerFieldUpdater.newUpdater(ConnectionSink.class, "queuedFrames");
    private static final AtomicLongFieldUpdater<ConnectionSink> QUEUED_BYTES =
            AtomicLongFieldUpdater.newUpdater(ConnectionSink.class, "queuedBytes");
    private static final AtomicIntegerFieldUpdater<ConnectionSink> DRAIN_SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(ConnectionSink.class, "drainScheduled");

    private final WebSocketConnection connection;
    /** The TCP connection frames are written to; null → {@code sendText}. */
    private final Channel channel;
    /** No promise per write; a write that fails (the connection is gone) is dropped without an exception event. */
    private final ChannelPromise noPromise;
    private final LoopWriter loopWriter;
    private final Queue<Object> pending;

    private final long maxBytes;
    private final int maxFrames;
    private final SinkObserver observer;
    private final Transport transport;
    private final Duration closeTimeout;
    /** Frames (and their bytes) accepted but not yet handed to Netty, or not yet written by sendText. */
    private volatile int queuedFrames;
    private volatile long queuedBytes;
    private volatile int drainScheduled;
    private volatile boolean closing;
    /** Event-loop confined: the close frame is on its way, later frames would follow it. */
    private boolean closeSent;
    /** Event-loop confined: where frames are written from ({@link Transport#framesContext()}), once known. */
    private ChannelHandlerContext out;

    ConnectionSink(WebSocketConnection connection, long maxBytes, int maxFrames, SinkObserver observer,
            Transport transport, Duration closeTimeout) {
        this.connection = connection;
        this.channel = transport.channel();
        this.noPromise = channel == null ? null : new VoidChannelPromise(channel, false);
        this.loopWriter = channel == null ? null : LoopWriter.of(channel.eventLoop());
        this.pending = channel == null ? null : new ConcurrentLinkedQueue<>();
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
        if (queuedFrames >= maxFrames || queuedBytes + nettyBacklogBytes() + weight > maxBytes) {
            return false;
        }
        QUEUED_FRAMES.incrementAndGet(this);
        QUEUED_BYTES.addAndGet(this, weight);
        observer.frameOut(frame, weight);
        if (channel == null) {
            connection.sendText(frame.text()).subscribe().with(ok -> dequeued(weight), failure -> dequeued(weight));
        } else {
            pending.offer(frame);
            scheduleDrain();
        }
        return true;
    }

    private void scheduleDrain() {
        if (DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
            loopWriter.schedule(this);
        }
    }

    /**
     * On the channel's event loop: hands every queued frame to Netty, flushes once, checks the backlog.
     *
     * @param now {@link System#nanoTime()} at the start of the batch, for the idle timer
     */
    void drain(long now) {
        drainScheduled = 0; // before polling: a frame offered after the last poll schedules a new drain
        ChannelHandlerContext out = this.out;
        if (out == null) {
            out = this.out = transport.framesContext();
        }
        boolean wrote = false;
        Object next;
        while ((next = pending.poll()) != null) {
            if (next instanceof OutboundFrame frame) {
                dequeued(frame.weight());
                if (!closeSent) {
                    ByteBuf bytes = TextFrameEncoding.forRecipient(frame, channel.alloc());
                    if (out != null) {
                        out.write(bytes, noPromise);
                    } else {
                        channel.write(bytes, noPromise);
                    }
                    wrote = true;
                }
            } else if (!closeSent) {
                if (wrote) {
                    flush(out, now);
                    wrote = false;
                }
                closeSent = true;
                sendClose((CloseReason) next);
            }
        }
        if (wrote) {
            flush(out, now);
            ChannelOutboundBuffer backlog = channel.unsafe().outboundBuffer();
            if (backlog != null && (backlog.size() > maxFrames || backlog.totalPendingWriteBytes() > maxBytes)) {
                close(CloseCodes.SLOW_CONSUMER, "slow consumer");
            }
        }
    }

    private void flush(ChannelHandlerContext out, long now) {
        if (out != null) {
            out.flush();
        } else {
            channel.flush();
        }
        transport.framesWritten(now);
    }

    /**
     * On the channel's event loop: answers a ping. The pong counts against the same bounds as every other
     * frame: if the client does not read its pongs either, the connection is closed (1008) instead of
     * queueing them without end. Written, not flushed: the caller flushes once per read batch.
     *
     * @return whether a pong was written
     */
    boolean pong(ByteBuf payload) {
        if (closing || closeSent || channel == null) {
            return false;
        }
        ChannelOutboundBuffer backlog = channel.unsafe().outboundBuffer();
        long bytes = queuedBytes + (backlog == null ? 0 : backlog.totalPendingWriteBytes()) + payload.readableBytes() + 2;
        int frames = queuedFrames + (backlog == null ? 0 : backlog.size());
        if (frames >= maxFrames || bytes > maxBytes) {
            // A client that does not read gets nothing more read from it either: the close may wait up to
            // close-timeout behind unread pongs, and reading on would let it keep the event loop busy.
            channel.config().setAutoRead(false);
            close(CloseCodes.POLICY_VIOLATION, "pongs not read");
            return false;
        }
        channel.write(new PongWebSocketFrame(payload.retainedDuplicate()), noPromise);
        return true;
    }

    /** Bytes Netty holds for this connection, written but not yet taken by the socket (readable from any thread). */
    private long nettyBacklogBytes() {
        if (channel == null) {
            return 0;
        }
        ChannelOutboundBuffer backlog = channel.unsafe().outboundBuffer();
        return backlog == null ? 0 : backlog.totalPendingWriteBytes();
    }

    private void dequeued(int weight) {
        QUEUED_FRAMES.decrementAndGet(this);
        QUEUED_BYTES.addAndGet(this, -weight);
    }

    @Override
    public void close(int code, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        observer.closing(code);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("closing %s with %d (%s), %d frames / %d bytes queued, %d bytes in the channel", connection.id(),
                    code, reason, queuedFrames, queuedBytes, nettyBacklogBytes());
        }
        CloseReason closeReason = new CloseReason(code, reason);
        if (channel == null) {
            sendClose(closeReason);
        } else {
            // Behind the frames queued before it, as the client expects (an error frame, then the close).
            pending.offer(closeReason);
            scheduleDrain();
        }
    }

    private void sendClose(CloseReason reason) {
        // Completes once the close frame is written; from then on Vert.x closes the TCP connection itself
        // if the client does not answer.
        connection.close(reason)
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
