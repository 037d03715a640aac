package dev.roomcast.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrame;

import java.util.BitSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * One WebSocket connection (a subscriber or a publisher). All methods except construction run on the owning shard's
 * event loop.
 */
public final class Conn {
    final int index;
    final boolean publisher;
    final String user;
    final int url;
    final Shard shard;
    final int[] rooms;
    final boolean[] acked;
    final BitSet[] seen;
    final Plan plan;
    final byte[][] roomNames;
    final LongAdder measuredDelivered;
    final Pool pool;

    volatile WebSocket ws;
    long connectStartNs;
    long joinStartNs;
    long openedNs;
    long welcomeNs;
    boolean joinsSent;
    String lastError;
    boolean gaveUp;
    int pendingAcks;
    boolean ready;
    volatile boolean closingByUs;
    volatile boolean closed;
    private Buffer partial;

    Conn(Pool pool, int index, boolean publisher, String user, int url, Shard shard, int[] rooms, Plan plan,
         byte[][] roomNames, LongAdder measuredDelivered) {
        this.pool = pool;
        this.index = index;
        this.publisher = publisher;
        this.user = user;
        this.url = url;
        this.shard = shard;
        this.rooms = rooms;
        this.acked = new boolean[rooms.length];
        this.seen = publisher ? null : new BitSet[rooms.length];
        if (seen != null) {
            for (int i = 0; i < rooms.length; i++) {
                seen[i] = new BitSet();
            }
        }
        this.plan = plan;
        this.roomNames = roomNames;
        this.measuredDelivered = measuredDelivered;
    }

    void onOpen(WebSocket ws) {
        this.ws = ws;
        ws.frameHandler(this::onFrame);
        ws.exceptionHandler(t -> {
            // reported through the close handler / counters; keep going
        });
        ws.closeHandler(v -> {
            closed = true;
            if (!closingByUs) {
                shard.closed(ws.closeStatusCode(), ws.closeReason());
                pool.sample(String.format(java.util.Locale.ROOT, "%s closed by the server at +%.3fs: status %s reason '%s', %s",
                        user, (System.nanoTime() - pool.startNs) / 1e9, ws.closeStatusCode(), ws.closeReason(),
                        ready ? "after its joins" : "before all joins were acknowledged (" + pendingAcks + " pending)"));
                if (!ready) {
                    pendingAcks = 0;
                    ready = true;
                    pool.joinDone(this, false);
                }
            }
        });
        openedNs = System.nanoTime();
        pendingAcks = rooms.length;
        pool.vertx.setTimer(Math.max(1, pool.options.joinTimeoutMs), t -> {
            if (!ready && !closed) {
                pool.sample("join timeout " + state());
                gaveUp = true;
                ready = true; // gives up on this one; counted as a join failure
                pool.joinDone(this, false);
            }
        });
        if (!pool.options.joinAfterWelcome) {
            sendJoins();
        }
    }

    private void sendJoins() {
        if (joinsSent) {
            return;
        }
        joinsSent = true;
        joinStartNs = System.nanoTime();
        if (rooms.length == 0) {
            ready = true;
            pool.joinDone(this, true);
            return;
        }
        for (int j = 0; j < rooms.length; j++) {
            ws.writeTextMessage("{\"type\":\"join\",\"room\":\"" + pool.options.room(rooms[j]) + "\",\"id\":\"" + (j + 1)
                    + (pool.options.presenceEvents ? "\"}" : "\",\"presence\":false}"));
        }
    }

    private void onFrame(WebSocketFrame f) {
        if (!(f.isText() || f.isBinary() || f.isContinuation())) {
            return;
        }
        Buffer data = f.binaryData();
        if (partial != null) {
            partial.appendBuffer(data);
            if (!f.isFinal()) {
                return;
            }
            data = partial;
            partial = null;
        } else if (!f.isFinal()) {
            partial = Buffer.buffer(data.length() * 2).appendBuffer(data);
            return;
        }
        onMessage(data);
    }

    void onMessage(Buffer b) {
        switch (FrameScanner.type(b)) {
            case FrameScanner.MESSAGE -> {
                if (publisher) {
                    shard.pubEchoes++;
                } else {
                    onRoomMessage(b);
                }
            }
            case FrameScanner.ACK -> onAck(FrameScanner.stringIntField(b, 0, FrameScanner.ID), true);
            case FrameScanner.WELCOME -> {
                shard.welcomes++;
                welcomeNs = System.nanoTime();
                if (pool.options.joinAfterWelcome) {
                    sendJoins();
                }
                String node = FrameScanner.stringField(b, FrameScanner.NODE);
                shard.nodes.merge(node == null ? "?" : node, 1L, Long::sum);
            }
            case FrameScanner.ERROR -> {
                lastError = FrameScanner.stringField(b, FrameScanner.CODE);
                shard.error(lastError);
                long id = FrameScanner.stringIntField(b, 0, FrameScanner.ID);
                if (id != FrameScanner.MISSING) {
                    onAck(id, false);
                }
            }
            default -> {
                shard.otherFrames++;
                String t = FrameScanner.stringField(b, FrameScanner.TYPE);
                shard.otherTypes.merge(t == null ? "?" : t, 1L, Long::sum);
            }
        }
    }

    private void onAck(long id, boolean ok) {
        if (gaveUp && id >= 1 && id <= rooms.length) {
            pool.sample(String.format(java.util.Locale.ROOT, "late %s for %s join %d: %.0f ms after the join was sent",
                    ok ? "ack" : "error", user, id, (System.nanoTime() - joinStartNs) / 1e6));
            return;
        }
        if (id < 1 || id > rooms.length || ready) {
            return;
        }
        int slot = (int) id - 1;
        if (ok) {
            acked[slot] = true;
        }
        if (--pendingAcks == 0) {
            ready = true;
            pool.joinDone(this, true);
        }
    }

    private void onRoomMessage(Buffer b) {
        int d = FrameScanner.dataStart(b);
        if (d < 0) {
            shard.malformed++;
            return;
        }
        long t = FrameScanner.longField(b, d, FrameScanner.T);
        long s = FrameScanner.longField(b, d, FrameScanner.S);
        long r = FrameScanner.longField(b, d, FrameScanner.R);
        if (t == FrameScanner.MISSING || s == FrameScanner.MISSING || r == FrameScanner.MISSING
                || s < 0 || s > Integer.MAX_VALUE || r < 0 || r >= roomNames.length) {
            shard.malformed++;
            return;
        }
        int room = (int) r;
        int slot = slotOf(room);
        if (slot < 0) {
            shard.unexpected++;
            return;
        }
        if (!acked[slot]) {
            shard.unacked++; // a room whose join was never acknowledged (or refused) still delivers
            return;
        }
        if (!FrameScanner.roomEquals(b, roomNames[room])) {
            shard.misrouted++;
            return;
        }
        BitSet bs = seen[slot];
        int seq = (int) s;
        if (bs.get(seq)) {
            shard.duplicates++;
            return;
        }
        bs.set(seq);
        if (plan.measured(room, seq)) {
            long lat = Clock.nowMicros() - t;
            shard.latency.recordValue(Math.max(0, lat));
            shard.delivered++;
            measuredDelivered.increment();
        } else {
            shard.unmeasured++;
        }
    }

    private int slotOf(int room) {
        int[] rs = rooms;
        for (int i = 0; i < rs.length; i++) {
            if (rs[i] == room) {
                return i;
            }
        }
        return -1;
    }

    boolean joinedAll() {
        for (boolean a : acked) {
            if (!a) {
                return false;
            }
        }
        return ws != null;
    }

    /** One line on why this connection is not ready (run on the shard thread). */
    String state() {
        int ok = 0;
        for (boolean a : acked) {
            ok += a ? 1 : 0;
        }
        return String.format(java.util.Locale.ROOT,
                "%s: opened=%s welcome=%s joins_sent=%s acked=%d/%d pending=%d closed=%s", user, ws != null,
                welcomeNs != 0 ? String.format(java.util.Locale.ROOT, "+%.1fms", (welcomeNs - openedNs) / 1e6) : "no",
                joinsSent ? String.format(java.util.Locale.ROOT, "+%.1fms", (joinStartNs - openedNs) / 1e6) : "no",
                ok, rooms.length, pendingAcks, closed);
    }

    /** Measured publishes of each joined room this subscriber did not receive (run on the shard thread). */
    long missing(long[] perRoom) {
        if (seen == null) {
            return 0;
        }
        long total = 0;
        for (int i = 0; i < rooms.length; i++) {
            if (!acked[i]) {
                continue;
            }
            int r = rooms[i];
            long lo = plan.firstMeasuredSeq(r);
            long hi = plan.endMeasuredSeq(r);
            if (hi <= lo) {
                continue;
            }
            long got = seen[i].get((int) lo, (int) hi).cardinality();
            long miss = (hi - lo) - got;
            perRoom[r] += miss;
            total += miss;
        }
        return total;
    }
}
