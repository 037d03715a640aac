package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;

/** Told about outbound frames and server-initiated closes; metrics implement it. */
public interface SinkObserver {

    SinkObserver NONE = new SinkObserver() {
    };

    default void frameOut(OutboundFrame frame, int chars) {
    }

    default void closing(int code) {
    }
}
