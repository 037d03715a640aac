package dev.roomcast.outbox;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The outbox of a single node on the memory backend: the same contract as {@link RedisOutbox} for one consumer,
 * lost with the process (docs/integration.md). Bounded: beyond {@code maxLength} events the oldest not yet taken is
 * dropped and reported as lost.
 */
public final class MemoryOutbox implements Outbox {

    private final int maxLength;
    private final Set<EventType> recorded;
    private final LongSupplier clock;
    private final ArrayDeque<OutboxEvent> waiting = new ArrayDeque<>();
    private final Map<String, OutboxEvent> taken = new LinkedHashMap<>();
    private long lastMillis;
    private long sequence;
    private int lost;

    /** @param recorded the event types kept; others are not appended */
    public MemoryOutbox(int maxLength, Set<EventType> recorded, LongSupplier clock) {
        this.maxLength = Math.max(1, maxLength);
        this.recorded = Set.copyOf(recorded);
        this.clock = clock;
    }

    /** Appends at once (the stage is complete): callers recording a change under a lock keep its order. */
    @Override
    public synchronized CompletionStage<Void> append(OutboxEvent event) {
        appendNow(event);
        return CompletableFuture.completedFuture(null);
    }

    private void appendNow(OutboxEvent event) {
        if (!recorded.contains(event.type())) {
            return;
        }
        long now = Math.max(clock.getAsLong(), lastMillis);
        sequence = now == lastMillis ? sequence + 1 : 0;
        lastMillis = now;
        if (waiting.size() + taken.size() >= maxLength && !waiting.isEmpty()) {
            waiting.pollFirst();
            lost++;
        }
        waiting.addLast(event.withId(now + "-" + sequence));
    }

    @Override
    public synchronized CompletionStage<Taken> take(int max) {
        List<OutboxEvent> events = new ArrayList<>();
        while (events.size() < max && !waiting.isEmpty()) {
            OutboxEvent e = waiting.pollFirst();
            taken.put(e.id(), e);
            events.add(e);
        }
        Taken result = new Taken(events, lost);
        lost = 0;
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public synchronized CompletionStage<Set<String>> renew(List<String> ids) {
        Set<String> mine = new java.util.LinkedHashSet<>();
        for (String id : ids) {
            if (taken.containsKey(id)) {
                mine.add(id);
            }
        }
        return CompletableFuture.completedFuture(mine);
    }

    @Override
    public synchronized CompletionStage<Void> finish(List<String> ids) {
        ids.forEach(taken::remove);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Backlog> backlog(long nowMillis) {
        OutboxEvent oldest = !taken.isEmpty() ? taken.values().iterator().next() : waiting.peekFirst();
        return CompletableFuture.completedFuture(new Backlog(waiting.size() + taken.size(),
                oldest == null ? 0 : Math.max(0, nowMillis - oldest.time())));
    }
}
