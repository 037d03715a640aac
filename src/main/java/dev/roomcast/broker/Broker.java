package dev.roomcast.broker;

import java.util.concurrent.CompletionStage;

/**
 * Moves frames between nodes. Implementations: {@link MemoryBroker} (one node, no Redis) and
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
     * Appends a room message to the room's history and publishes it, atomically.
     *
     * @param body the frame's tail after the envelope: {@code "from":...,"data":...}}
     */
    CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String body);

    /** Publishes a frame to the room's members without storing it (presence events). */
    CompletionStage<Void> publishRoomEvent(String room, String frame);

    CompletionStage<Void> publishUser(String user, long publishedAtMillis, String frame);

    /**
     * Where the room's history stands and, for a recovery, the messages after {@code since}. Offsets of
     * another epoch mean nothing here: when {@code epoch} is not the room's, nothing is read or judged.
     *
     * @param since null for the position only
     * @param epoch the epoch the client's {@code since} belongs to (null with a null since)
     */
    CompletionStage<HistoryPage> history(String room, String since, String epoch, int limit);

    /** Whether the node currently receives what is published (subscriber connection up). */
    boolean isReady();

    /** Commands sent to the broker and not answered yet (Redis: queued for a pooled connection or in flight). */
    default int backlog() {
        return 0;
    }

    /** A short name for health output: "memory", "redis". */
    String name();

    /** Offset and epoch the broker gave a published room message. */
    record Published(String offset, String epoch) {
    }
}
