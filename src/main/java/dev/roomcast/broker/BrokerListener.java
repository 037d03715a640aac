package dev.roomcast.broker;

import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;

/** Receives what the broker delivers to this node. Called on I/O threads: must not block. */
public interface BrokerListener {

    /** A room message, once per node, in offset order per room. */
    void onPublication(Publication publication);

    /** A room's presence event, once per node; not part of its history. */
    void onPresenceEvent(PresenceEvent event);

    /** A direct message for {@code user}'s connections on this node. */
    void onUserPublication(String user, Publication publication);

    /** A control command for {@code user}'s connections on this node (disconnect, remove from a room). */
    default void onUserControl(String user, UserControl control) {
    }

    /**
     * The broker missed publications of {@code room} (a pub/sub outage) that the room's history no longer holds:
     * this node's members of it did not get them and cannot get them live. Called before anything published after
     * the hole is delivered.
     */
    default void onHistoryGap(String room) {
    }
}
