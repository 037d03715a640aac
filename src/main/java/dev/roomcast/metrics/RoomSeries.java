package dev.roomcast.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Per-room series with a hard bound: at most {@code max} rooms carry their own {@code room} label, chosen
 * by recent activity; everything else is summed under {@code room="_other"}.
 * <p>
 * <b>Hot path</b> ({@link #published}, {@link #delivered}): one {@link ConcurrentHashMap#get} by room name,
 * one atomic add, and increments on the {@link Meter} objects cached in the room's state — no allocation,
 * no registry lookup by tags. A room's state is allocated once, on its first activity.
 * <p>
 * <b>Re-evaluation</b> ({@link #evaluate}, every {@code roomcast.metrics.rooms.interval} on the metrics
 * thread): each room's activity score decays ({@code score = score·decay + events since last time}); the
 * top {@code max} rooms by score (then by local members) are labelled, the rest fold into {@code _other}.
 * A labelled room keeps its labels unless a challenger beats its score by {@link #STICKINESS}, so rooms
 * near the boundary do not flap between labelled and {@code _other} at every evaluation. A room without
 * local members and without activity since the last evaluation is forgotten and its series removed from
 * the registry.
 * <p>
 * Label changes and removals happen under one lock; the hot path takes it only for a brand-new room while
 * label slots are free. Counts racing with a label change may land in the series being replaced.
 */
final class RoomSeries {

    static final String OTHER = "_other";
    /** A labelled room is replaced only by a room whose score is this much higher. */
    static final double STICKINESS = 1.25;

    /** Histogram buckets of the per-room latency (SLO buckets only: 13 series per room, not ~70). */
    static final Duration[] ROOM_LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

    private static final Comparator<Candidate> RANK = Comparator.<Candidate>comparingDouble(c -> c.rank)
            .thenComparingInt(c -> c.members)
            .thenComparing(c -> c.name, Comparator.reverseOrder());

    private final MeterRegistry registry;
    private final int max;
    private final double decay;
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final Meters other;
    private final Counter unlabelledTotal;
    private final Object lock = new Object();

    private volatile ToIntFunction<String> localMembers = room -> 0;
    private volatile Supplier<? extends Iterable<String>> localRooms = List::of;

    /** Guarded by {@link #lock}; volatile for the unlocked pre-check on the hot path and for gauges. */
    private volatile int labelled;
    private volatile long otherMembers;
    private volatile long unlabelled;

    /**
     * @param max      rooms with their own labels ({@code roomcast.metrics.rooms.max}); 0 puts every room in _other
     * @param interval time between {@link #evaluate} calls
     * @param halfLife how long until an idle room's activity score halves
     */
    RoomSeries(MeterRegistry registry, int max, Duration interval, Duration halfLife) {
        this.registry = registry;
        this.max = Math.max(0, max);
        this.decay = Math.pow(0.5, (double) interval.toMillis() / Math.max(1, halfLife.toMillis()));
        this.other = new Meters(OTHER, null);
        this.unlabelledTotal = Counter.builder("roomcast.rooms.unlabelled")
                .description("Times a room started to be counted under room=\"_other\" instead of its own series: "
                        + "its first activity came while all roomcast.metrics.rooms.max label slots were taken, "
                        + "or it was displaced by more active rooms")
                .register(registry);
        Gauge.builder("roomcast.rooms.other", this, s -> s.unlabelled)
                .description("Rooms with local members or recent activity that have no series of their own "
                        + "(summed under room=\"_other\")")
                .register(registry);
        Gauge.builder("roomcast.rooms.labelled", this, s -> s.labelled)
                .description("Rooms with series of their own (at most roomcast.metrics.rooms.max)")
                .register(registry);
    }

    /** Where local member counts and the local room registry come from (the hub), once it exists. */
    void bind(ToIntFunction<String> localMembers, Supplier<? extends Iterable<String>> localRooms) {
        this.localMembers = localMembers;
        this.localRooms = localRooms;
    }

    int max() {
        return max;
    }

    // --- hot path ------------------------------------------------------------------------------

    void published(String room) {
        Room r = room(room);
        r.events.incrementAndGet();
        r.meters.published.increment();
    }

    /** @param latencyMillis publish→deliver latency, negative when unknown */
    void delivered(String room, int recipients, long bytes, long latencyMillis) {
        Room r = room(room);
        r.events.incrementAndGet();
        Meters m = r.meters;
        if (recipients > 0) {
            m.delivered.increment(recipients);
            m.bytes.increment(bytes);
        }
        if (latencyMillis >= 0) {
            m.latency.record(latencyMillis, TimeUnit.MILLISECONDS);
        }
    }

    private Room room(String name) {
        Room r = rooms.get(name);
        return r != null ? r : admit(name);
    }

    private Room admit(String name) {
        Room created = new Room(name, other);
        Room existing = rooms.putIfAbsent(name, created);
        if (existing != null) {
            return existing;
        }
        if (labelled < max && !OTHER.equals(name)) {
            synchronized (lock) {
                if (!created.removed && labelled < max) {
                    label(created);
                }
            }
        }
        if (created.meters == other) {
            unlabelledTotal.increment();
        }
        return created;
    }

    // --- re-evaluation -------------------------------------------------------------------------

    /** Re-ranks the rooms and moves labels; called periodically from one thread. */
    void evaluate() {
        ToIntFunction<String> members = localMembers;
        synchronized (lock) {
            PriorityQueue<Candidate> top = new PriorityQueue<>(Math.max(1, max), RANK);
            for (Room r : rooms.values()) {
                long events = r.events.getAndSet(0);
                r.score = r.score * decay + events;
                int m = members.applyAsInt(r.name);
                if (m == 0 && events == 0) {
                    forget(r);
                    continue;
                }
                if (!OTHER.equals(r.name)) {
                    offer(top, r.name, r, r.labelled() ? r.score * STICKINESS : r.score, m);
                }
            }
            // Rooms with local members that had no activity yet have no state; they compete for free slots
            // by member count. The same pass sums every local membership for the _other members gauge.
            long totalMembers = 0;
            long quietRooms = 0;
            long quietLabelled = 0;
            for (String name : localRooms.get()) {
                int m = members.applyAsInt(name);
                totalMembers += m;
                if (m > 0 && !rooms.containsKey(name)) {
                    quietRooms++;
                    if (!OTHER.equals(name)) {
                        offer(top, name, null, 0, m);
                    }
                }
            }
            Set<String> chosen = new HashSet<>();
            for (Candidate c : top) {
                chosen.add(c.name);
            }
            for (Room r : rooms.values()) {
                if (r.labelled() && !chosen.contains(r.name)) {
                    unlabel(r);
                    unlabelledTotal.increment();
                }
            }
            for (Candidate c : top) {
                Room r = c.room;
                if (r == null) {
                    r = rooms.computeIfAbsent(c.name, n -> new Room(n, other));
                    quietLabelled++;
                }
                if (!r.labelled() && !r.removed) {
                    label(r);
                }
            }
            long labelledMembers = 0;
            List<Room> mine = labelledRooms();
            for (Room r : mine) {
                labelledMembers += members.applyAsInt(r.name);
            }
            otherMembers = Math.max(0, totalMembers - labelledMembers);
            unlabelled = Math.max(0, rooms.size() + quietRooms - quietLabelled - mine.size());
        }
    }

    private void offer(PriorityQueue<Candidate> top, String name, Room room, double rank, int members) {
        if (max == 0) {
            return;
        }
        if (top.size() < max) {
            top.add(new Candidate(name, room, rank, members));
            return;
        }
        Candidate weakest = top.peek();
        if (rank > weakest.rank || (rank == weakest.rank && members > weakest.members)) {
            top.poll();
            top.add(new Candidate(name, room, rank, members));
        }
    }

    private void forget(Room r) {
        if (rooms.remove(r.name, r)) {
            r.removed = true;
            if (r.labelled()) {
                unlabel(r);
            }
        }
    }

    private void label(Room r) {
        r.meters = new Meters(r.name, r);
        labelled = labelled + 1;
    }

    private void unlabel(Room r) {
        Meters own = r.meters;
        r.meters = other;
        own.remove(registry);
        labelled = labelled - 1;
    }

    // --- introspection (tests, diagnostics) ----------------------------------------------------

    /** Rooms that currently have series of their own. */
    List<Room> labelledRooms() {
        List<Room> out = new ArrayList<>();
        for (Room r : rooms.values()) {
            if (r.labelled()) {
                out.add(r);
            }
        }
        return out;
    }

    Set<String> labelledRoomNames() {
        Set<String> out = new HashSet<>();
        for (Room r : labelledRooms()) {
            out.add(r.name);
        }
        return out;
    }

    int trackedRooms() {
        return rooms.size();
    }

    // --- state ---------------------------------------------------------------------------------

    /** One active room: its activity and the meters its counts go to (its own, or the shared _other). */
    static final class Room {
        final String name;
        final AtomicLong events = new AtomicLong();
        volatile Meters meters;
        /** Decayed activity; evaluator only. */
        double score;
        /** Guarded by the lock. */
        boolean removed;

        Room(String name, Meters meters) {
            this.name = name;
            this.meters = meters;
        }

        boolean labelled() {
            return meters.room != null;
        }
    }

    private record Candidate(String name, Room room, double rank, int members) {
    }

    /** The cached meters of one room label value. */
    final class Meters {
        /** The room these meters belong to; null for _other. */
        final Room room;
        final Counter published;
        final Counter delivered;
        final Counter bytes;
        final Timer latency;
        final Gauge members;

        Meters(String label, Room room) {
            this.room = room;
            this.published = Counter.builder("roomcast.room.messages.published")
                    .description("Room messages accepted from this node's clients and HTTP API, by room")
                    .tag("room", label).register(registry);
            this.delivered = Counter.builder("roomcast.room.messages.delivered")
                    .description("Room messages written to local members (one per recipient connection), by room")
                    .tag("room", label).register(registry);
            this.bytes = Counter.builder("roomcast.room.delivered.bytes")
                    .description("Size of the room messages written to local members (JSON characters, bytes for ASCII), by room")
                    .baseUnit("bytes")
                    .tag("room", label).register(registry);
            this.latency = Timer.builder("roomcast.room.delivery.latency")
                    .description("Publish to delivery latency of room messages, from the publishing node's clock "
                            + "to the fan-out on this node, by room")
                    .serviceLevelObjectives(ROOM_LATENCY_BUCKETS)
                    .tag("room", label).register(registry);
            this.members = room == null
                    ? Gauge.builder("roomcast.room.members", RoomSeries.this, s -> s.otherMembers)
                            .description("Connections on this node that are members of the room, by room")
                            .tag("room", label).register(registry)
                    : Gauge.builder("roomcast.room.members", room, r -> localMembers.applyAsInt(r.name))
                            .description("Connections on this node that are members of the room, by room")
                            .strongReference(true)
                            .tag("room", label).register(registry);
        }

        void remove(MeterRegistry registry) {
            registry.remove(published);
            registry.remove(delivered);
            registry.remove(bytes);
            registry.remove(latency);
            registry.remove(members);
        }
    }
}
