package dev.roomcast.bench;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Future;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of one client event loop. Every connection is pinned to one shard and all of its callbacks run on that
 * shard's thread, so the counters and the latency histogram are plain fields, merged at the end on the same thread
 * ({@link #snapshot()}).
 */
public final class Shard {
    public final int index;
    public final Context ctx;
    final List<Conn> conns = new ArrayList<>();

    final Histogram latency = new Histogram(3);
    /** reusable bytes of the message being handled: every connection of this shard runs on this one thread */
    final Frame frame = new Frame(4096);
    /** {@link #delivered} published for the main thread's progress and drain checks */
    final java.util.concurrent.atomic.AtomicLong progress = new java.util.concurrent.atomic.AtomicLong();
    long frames;             // every WebSocket message received on this shard: the unit of the bench's own CPU cost
    long delivered;          // unique measured deliveries to subscribers
    long unmeasured;         // unique deliveries of warm-up publishes
    long duplicates;         // a subscriber got the same (room, seq) again
    long outOfOrder;         // a subscriber got a room's sequence after a later one
    long unexpected;         // message for a room the connection is not in, or not from this run
    long unacked;            // message for a room whose join got no ack (refused / timed out)
    long misrouted;          // "room" field disagrees with the publish's own room
    long malformed;          // message without our t/s/r fields
    long pubEchoes;          // publishers' own deliveries (ignored)
    long welcomes;
    long otherFrames;
    long unexpectedCloses;
    long joinRetries;        // joins sent again after an "unavailable" refusal
    long reconnects;         // connections opened again after a 1013 close during setup
    long pings;              // Engine.IO pings answered (socket.io protocol)
    long tapped;             // connections whose data frames FrameTap takes off the Netty pipeline
    final Map<String, Long> errors = new TreeMap<>();
    final Map<String, Long> closes = new TreeMap<>();
    /** Connections per server node, from the "node" field of the welcome frames. */
    final Map<String, Long> nodes = new TreeMap<>();
    /** Frames of other types (presence events, ...) by type. */
    final Map<String, Long> otherTypes = new TreeMap<>();

    Shard(int index, Context ctx) {
        this.index = index;
        this.ctx = ctx;
    }

    void error(String code) {
        errors.merge(code == null ? "?" : code, 1L, Long::sum);
    }

    void closed(Short status, String reason) {
        unexpectedCloses++;
        String key = (status == null ? "no-status" : status.toString()) + (reason == null || reason.isEmpty() ? "" : " " + reason);
        closes.merge(key, 1L, Long::sum);
    }

    /** Runs {@code fn} on this shard's thread and returns its result. */
    <T> Future<T> call(java.util.function.Supplier<T> fn) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> {
            try {
                p.complete(fn.get());
            } catch (Throwable t) {
                p.fail(t);
            }
        });
        return p.future();
    }

    /** A consistent copy, taken on the shard's own thread. */
    Future<Snapshot> snapshot() {
        return call(() -> {
            Snapshot s = new Snapshot();
            s.latency = latency.copy();
            s.delivered = delivered;
            s.unmeasured = unmeasured;
            s.duplicates = duplicates;
            s.outOfOrder = outOfOrder;
            s.unexpected = unexpected;
            s.unacked = unacked;
            s.misrouted = misrouted;
            s.malformed = malformed;
            s.pubEchoes = pubEchoes;
            s.welcomes = welcomes;
            s.otherFrames = otherFrames;
            s.unexpectedCloses = unexpectedCloses;
            s.joinRetries = joinRetries;
            s.tapped = tapped;
            s.pings = pings;
            s.reconnects = reconnects;
            s.errors = new TreeMap<>(errors);
            s.closes = new TreeMap<>(closes);
            s.nodes = new TreeMap<>(nodes);
            s.otherTypes = new TreeMap<>(otherTypes);
            return s;
        });
    }

    static final class Snapshot {
        Histogram latency;
        long delivered, unmeasured, duplicates, outOfOrder, unexpected, unacked, misrouted, malformed, pubEchoes, welcomes, otherFrames,
                unexpectedCloses, joinRetries, tapped, reconnects, pings;
        Map<String, Long> errors, closes, nodes, otherTypes;

        void add(Snapshot o) {
            latency.add(o.latency);
            delivered += o.delivered;
            unmeasured += o.unmeasured;
            duplicates += o.duplicates;
            outOfOrder += o.outOfOrder;
            unexpected += o.unexpected;
            unacked += o.unacked;
            misrouted += o.misrouted;
            malformed += o.malformed;
            pubEchoes += o.pubEchoes;
            welcomes += o.welcomes;
            otherFrames += o.otherFrames;
            unexpectedCloses += o.unexpectedCloses;
            joinRetries += o.joinRetries;
            tapped += o.tapped;
            pings += o.pings;
            reconnects += o.reconnects;
            o.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
            o.closes.forEach((k, v) -> closes.merge(k, v, Long::sum));
            o.nodes.forEach((k, v) -> nodes.merge(k, v, Long::sum));
            o.otherTypes.forEach((k, v) -> otherTypes.merge(k, v, Long::sum));
        }

        static Snapshot merge(List<Snapshot> all) {
            Snapshot m = new Snapshot();
            m.latency = new Histogram(3);
            m.errors = new TreeMap<>();
            m.closes = new TreeMap<>();
            m.nodes = new TreeMap<>();
            m.otherTypes = new TreeMap<>();
            for (Snapshot s : all) {
                m.add(s);
            }
            return m;
        }
    }
}
