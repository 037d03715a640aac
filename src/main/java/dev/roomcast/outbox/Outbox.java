package dev.roomcast.outbox;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The webhook events waiting to be delivered, shared by the nodes of a cluster ({@link RedisOutbox}: a Redis stream
 * with a consumer group) or kept by the one node ({@link MemoryOutbox}). Events are written by whoever records the
 * change (presence scripts, the online-user tracker, the node on publish) and delivered by the webhook sender of
 * every node: each event is taken by one node at a time, and stays in the outbox until that node finished it —
 * delivered, or given up — so a node that dies holding events leaves them to another node.
 */
public interface Outbox {

    /** Appends an event; completes when it is stored. */
    CompletionStage<Void> append(OutboxEvent event);

    /**
     * The next events for this node to deliver, oldest first, at most {@code max}; empty when there are none now.
     * First the ones this node took before and did not finish (a restart with the same node id), then those another
     * node took and left untouched for longer than the claim time (it died), then new ones. They are this node's
     * until it {@link #finish}es them or leaves them untouched for longer than the claim time.
     */
    CompletionStage<Taken> take(int max);

    /** Which of {@code ids} (in outbox order) are still this node's, touching them so that nobody claims them. */
    CompletionStage<Set<String>> renew(List<String> ids);

    /** Removes events delivered or given up. */
    CompletionStage<Void> finish(List<String> ids);

    /** The events not delivered yet and the age of the oldest, for the metrics. */
    CompletionStage<Backlog> backlog(long nowMillis);

    /** Housekeeping, now and then: forgets consumers of nodes long gone that hold nothing. */
    default CompletionStage<Void> tidy() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * @param events the events taken
     * @param lost   events that were removed from the outbox (its length cap) before they could be delivered
     */
    record Taken(List<OutboxEvent> events, int lost) {
        public static final Taken NONE = new Taken(List.of(), 0);
    }

    /** @param oldestAgeMillis 0 when empty */
    record Backlog(long events, long oldestAgeMillis) {
    }
}
