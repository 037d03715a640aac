package dev.roomcast.broker;

import dev.roomcast.protocol.OutboundFrame;

/** Receives what the broker delivers to this node. Called on I/O threads: must not block. */
public interface BrokerListener {

    void onRoomFrame(String room, OutboundFrame frame);

    void onUserFrame(String user, OutboundFrame frame);
}
