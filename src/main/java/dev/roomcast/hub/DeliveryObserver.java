package dev.roomcast.hub;

import dev.roomcast.protocol.OutboundFrame;

/** Told about every local fan-out; metrics implement it. */
public interface DeliveryObserver {

    DeliveryObserver NONE = (room, frame, recipients) -> {
    };

    /** @param room null for direct messages */
    void delivered(String room, OutboundFrame frame, int recipients);
}
