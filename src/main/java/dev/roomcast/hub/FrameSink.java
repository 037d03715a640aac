package dev.roomcast.hub;

import dev.roomcast.protocol.OutboundFrame;

/** Where a session's outbound frames go: the WebSocket in production, a list in unit tests. */
public interface FrameSink {

    /**
     * Queues a frame for writing, without blocking.
     *
     * @return false when the frame was refused because the connection's outbound queue is over its bound
     */
    boolean write(OutboundFrame frame);

    void close(int code, String reason);

    boolean isOpen();
}
