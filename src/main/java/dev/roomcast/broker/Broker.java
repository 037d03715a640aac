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
     * {@link #publishRoom}, at most once per {@code idempotencyKey} and room within {@code windowMillis}: a
     * publish with a key seen in that window stores and delivers nothing and returns the first publish's
     * result, marked {@link Published#duplicate()}. The key is checked and recorded atomically with the publish,
     * for every node of the cluster.
     *
     * @param idempotencyKey null: a plain publish
     */
    CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data,
            String idempotencyKey, long windowMillis);

    /**
     * Delivers a control command to every connection of {@code user}, on every node
     * ({@link BrokerListener#onUserControl}).
     */
    CompletionStage<Void> publishUserControl(String user, UserControl control);

    /**
     * Reads a page of the room's history for the server API: at most {@code limit} messages after {@code since}
     * (oldest first), or before it ({@code newestFirst}); without {@code since}, the oldest or the newest ones.
     */
    CompletionStage<HistoryRead> readHistory(String room, StreamOffset since, int limit, boolean newestFirst);

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

    /**
     * Offset and epoch the broker gave a published room message.
     *
     * @param duplicate an idempotent publish whose key was seen within its window: this is the first publish's
     *                  result, and nothing was published now
     */
    /**
     * A page of a room's history as the server API reads it.
     *
     * @param epoch        the room's current epoch
     * @param latest       offset of the newest message in the history; the empty history's offset when there is none
     * @param publications the page, in the order asked for
     */
    record HistoryRead(String epoch, StreamOffset latest, java.util.List<dev.roomcast.protocol.Publication> publications) {
    }

    record Published(StreamOffset offset, String epoch, boolean duplicate) {
        public Published(StreamOffset offset, String epoch) {
            this(offset, epoch, false);
        }
    }
}
