package dev.roomcast.broker;

import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.StreamOffset;

import java.util.concurrent.CompletionStage;

/**
 * Moves publications between nodes and keeps room history. It works with domain values
 * ({@link dev.roomcast.protocol.Publication}, {@link StreamOffset}); what it sends between nodes is its own
 * envelope, and client frames are built by the node that delivers ({@code protocol.MessageFrames}). Implementations: {@link MemoryBroker} (one node, no Redis) and
 * {@link RedisBroker}. Subscribe/unsubscribe calls for one channel must take effect in call order;
 * the hub relies on it for its reference counting.
 */
public interface Broker {

    /** Called once at startup, before any other method. */
    void start(BrokerListener listener);

    CompletionStage<Void> subscribeRoom(String room);

    CompletionStage<Void> unsubscribeRoom(String room);

    CompletionStage<Void> subscribeUser(String user);

    CompletionStage<Void> unsubscribeUser(String user);

    /**
     * Appends a room message to the room's history and publishes it, atomically; every subscribed node gets it
     * as a {@link dev.roomcast.protocol.Publication} through {@link BrokerListener#onPublication}.
     *
     * @param from the publishing user, null for none
     * @param data raw JSON
     */
    CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data);

    /**
     * Delivers a presence event to the room's nodes without storing it; every subscribed node gets it through
     * {@link BrokerListener#onPresenceEvent}.
     */
    CompletionStage<Void> publishPresence(PresenceEvent event);

    /** Delivers a direct message to the user's connections on every node ({@link BrokerListener#onUserPublication}). */
    CompletionStage<Void> publishUser(String user, long publishedAtMillis, String from, String data);

    /**
     * Where the room's history stands and, with {@code since}, the messages after it (at most {@code limit}) and
     * whether the history still reaches back to it: facts, which the node judges (a recovery's outcome, a
     * {@code since} that cannot be one of this history's offsets).
     *
     * @param since null for the position only
     */
    CompletionStage<HistoryPage> history(String room, StreamOffset since, int limit);

    /** Whether the node currently receives what is published (subscriber connection up). */
    boolean isReady();

    /** Commands sent to the broker and not answered yet (Redis: queued for a pooled connection or in flight). */
    default int backlog() {
        return 0;
    }

    /** A short name for health output: "memory", "redis". */
    String name();

    /** Offset and epoch the broker gave a published room message. */
    record Published(StreamOffset offset, String epoch) {
    }
}
