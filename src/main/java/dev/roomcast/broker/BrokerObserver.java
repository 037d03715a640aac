package dev.roomcast.broker;

import java.time.Duration;

/** Told about the broker's connection and publishing; metrics implement it. */
public interface BrokerObserver {

    BrokerObserver NONE = new BrokerObserver() {
    };

    /** The pub/sub subscriber went down or came back up (after recovery). */
    default void subscriberUp(boolean up) {
    }

    /** The pub/sub connection was re-established after a loss. */
    default void reconnected() {
    }

    /** A room's epoch was replaced because its history lost delivered messages. */
    default void epochRotated() {
    }

    /** Messages delivered from history to fill a gap after a reconnect. */
    default void recoveredMessages(int count) {
    }

    /** One page of a room's history read to fill the gap after a reconnect (a long gap takes several). */
    default void recoveryPage() {
    }

    /**
     * Rooms being refilled from their streams after a reconnect ({@code active}, at most a few at a time) and rooms
     * waiting for their turn (held meanwhile); told after each change.
     */
    default void recoveringRooms(int active, int waiting) {
    }

    /** The pub/sub connection came back to a different Redis server process (failover or restart). */
    default void failover() {
    }

    /** A broker operation failed: "publish", "history", "subscribe", "unsubscribe", "presence". */
    default void failed(String operation) {
    }

    /** One publish round trip to the broker, successful or not. */
    default void publish(Duration latency, boolean ok) {
    }
}
