package dev.roomcast.broker;

import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-node broker: delivers straight back to this node's hub and keeps room history in memory, so
 * dev mode and single-instance deployments need nothing installed. Offsets are 1, 2, 3… per room; the
 * epoch is random per room history, so it changes on every start (history does not survive a restart)
 * and when an idle room's history expired ({@code roomcast.history.ttl} after its last message, as with
 * Redis).
 */
public final class MemoryBroker implements Broker {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ConcurrentHashMap<String, RoomLog> logs = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong publishes = new java.util.concurrent.atomic.AtomicLong();
    private final int historySize;
    private final long historyTtlMillis;
    private final Clock clock;
    private volatile BrokerListener listener;

    public MemoryBroker(int historySize, Duration historyTtl, Clock clock) {
        this.historySize = historySize;
        this.historyTtlMillis = historyTtl.toMillis();
        this.clock = clock;
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Void> subscribeRoom(String room) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> unsubscribeRoom(String room) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> subscribeUser(String user) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> unsubscribeUser(String user) {
        return DONE;
    }

    @Override
    public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data) {
        if ((publishes.incrementAndGet() & 1023) == 0) {
            sweepExpired();
        }
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        Publication p;
        // Offset assignment and delivery under one lock keep every member's order equal to offset order.
        synchronized (log) {
            long offset = ++log.lastOffset;
            p = new Publication(room, StreamOffset.of(offset), log.epoch, publishedAtMillis, from, data);
            log.append(offset, p, clock.millis(), historySize);
            listener.onPublication(p);
        }
        return CompletableFuture.completedFuture(new Published(p.offset(), p.epoch()));
    }

    /**
     * Idempotency keys are kept per room, at most {@link #MAX_IDEMPOTENCY_KEYS} (the oldest go first), and go with
     * the room's history when it expires.
     */
    @Override
    public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data,
            String idempotencyKey, long windowMillis) {
        if (idempotencyKey == null) {
            return publishRoom(room, publishedAtMillis, from, data);
        }
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        synchronized (log) {
            long now = clock.millis();
            Published seen = log.seen(idempotencyKey, now);
            if (seen != null) {
                return CompletableFuture.completedFuture(new Published(seen.offset(), seen.epoch(), true));
            }
            // Under the room's lock (reentrant): no other publish of the same key can slip in between.
            Published published = publishRoom(room, publishedAtMillis, from, data).toCompletableFuture().join();
            log.remember(idempotencyKey, published, now + windowMillis);
            return CompletableFuture.completedFuture(published);
        }
    }

    /** Idempotency keys remembered per room; beyond it the oldest key is forgotten. */
    static final int MAX_IDEMPOTENCY_KEYS = 10_000;

    @Override
    public CompletionStage<HistoryRead> readHistory(String room, StreamOffset since, int limit, boolean newestFirst) {
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        synchronized (log) {
            if (log.lastOffset > 0 && log.lastStoredAt < clock.millis() - historyTtlMillis) {
                log.entries.clear();
            }
            List<Publication> page = new ArrayList<>();
            var entries = newestFirst ? log.entries.descendingIterator() : log.entries.iterator();
            while (entries.hasNext() && page.size() < limit) {
                Entry e = entries.next();
                if (since == null || (newestFirst ? e.offset < since.major() : e.offset > since.major())) {
                    page.add(e.publication);
                }
            }
            return CompletableFuture.completedFuture(new HistoryRead(log.epoch, StreamOffset.of(log.lastOffset), page));
        }
    }

    @Override
    public CompletionStage<Void> publishPresence(PresenceEvent event) {
        listener.onPresenceEvent(event);
        return DONE;
    }

    @Override
    public CompletionStage<Void> publishUser(String user, long publishedAtMillis, String from, String data) {
        listener.onUserPublication(user, Publication.direct(publishedAtMillis, from, data));
        return DONE;
    }

    @Override
    public CompletionStage<Void> publishUserControl(String user, UserControl control) {
        listener.onUserControl(user, control);
        return DONE;
    }

    @Override
    public CompletionStage<HistoryPage> history(String room, StreamOffset since, int limit) {
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        synchronized (log) {
            if (log.lastOffset > 0 && log.lastStoredAt < clock.millis() - historyTtlMillis) {
                log.entries.clear(); // expired as a whole, like a Redis stream with a TTL
            }
            StreamOffset latest = StreamOffset.of(log.lastOffset);
            if (since == null) {
                return CompletableFuture.completedFuture(HistoryPage.position(log.epoch, latest));
            }
            long from = since.major();
            long oldest = log.entries.isEmpty() ? log.lastOffset + 1 : log.entries.peekFirst().offset;
            List<Publication> publications = new ArrayList<>();
            for (Entry e : log.entries) {
                if (e.offset > from && publications.size() < limit) {
                    publications.add(e.publication);
                }
            }
            // Offsets are consecutive: nothing after since is missing when the oldest kept one is since + 1 or older.
            return CompletableFuture.completedFuture(new HistoryPage(log.epoch, latest, publications, from >= oldest - 1));
        }
    }

    /** Drops the history of rooms idle for longer than the TTL, so abandoned rooms do not accumulate. */
    private void sweepExpired() {
        long cutoff = clock.millis() - historyTtlMillis;
        logs.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().lastStoredAt < cutoff;
            }
        });
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public String name() {
        return "memory";
    }

    private record Entry(long offset, Publication publication, long storedAt) {
    }

    private static final class RoomLog {
        final String epoch = UUID.randomUUID().toString().substring(0, 8);
        long lastOffset;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();

        void append(long offset, Publication publication, long now, int max) {
            if (max <= 0) {
                return;
            }
            lastStoredAt = now;
            entries.addLast(new Entry(offset, publication, now));
            while (entries.size() > max) {
                entries.removeFirst();
            }
        }

        long lastStoredAt;
        /** Idempotency key → result and expiry, in insertion order; created at the first idempotent publish. */
        java.util.LinkedHashMap<String, Remembered> idempotency;

        Published seen(String key, long now) {
            if (idempotency == null) {
                return null;
            }
            // The window is the same for every key, so insertion order is expiry order.
            var oldest = idempotency.values().iterator();
            while (oldest.hasNext() && oldest.next().expiresAt <= now) {
                oldest.remove();
            }
            Remembered r = idempotency.get(key);
            return r == null ? null : r.published;
        }

        void remember(String key, Published published, long expiresAt) {
            if (idempotency == null) {
                idempotency = new java.util.LinkedHashMap<>();
            }
            idempotency.put(key, new Remembered(published, expiresAt));
            if (idempotency.size() > MAX_IDEMPOTENCY_KEYS) {
                var oldest = idempotency.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
    }

    private record Remembered(Published published, long expiresAt) {
    }
}
