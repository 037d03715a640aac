package dev.roomcast.bench;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.impl.WebSocketInternal;

import java.util.Arrays;
import java.util.BitSet;

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
    /** highest sequence received per joined room, to detect deliveries out of publish order */
    final int[] lastSeq;
    final Plan plan;
    final byte[][] roomNames;
    final Pool pool;
    /** Socket.IO v5 over Engine.IO v4 instead of roomcast's frames: the joins wait for the namespace connect */
    private final boolean socketIo;

    volatile WebSocket ws;
    long connectStartNs;
    long joinStartNs;
    long openedNs;
    long welcomeNs;
    boolean joinsSent;
    String lastError;
    boolean gaveUp;
    int pendingAcks;
    private int[] retries;
    /** connection attempts so far; timers of an earlier attempt see a different value and do nothing */
    private int attempt;
    private int reconnects;
    boolean ready;
    volatile boolean closingByUs;
    volatile boolean closed;
    private Frame partial;

    Conn(Pool pool, int index, boolean publisher, String user, int url, Shard shard, int[] rooms, Plan plan,
         byte[][] roomNames) {
        this.pool = pool;
        this.index = index;
        this.publisher = publisher;
        this.user = user;
        this.url = url;
        this.shard = shard;
        this.rooms = rooms;
        this.acked = new boolean[rooms.length];
        this.seen = publisher ? null : new BitSet[rooms.length];
        this.lastSeq = new int[rooms.length];
        Arrays.fill(lastSeq, -1);
        if (seen != null) {
            for (int i = 0; i < rooms.length; i++) {
                seen[i] = new BitSet();
            }
        }
        this.plan = plan;
        this.roomNames = roomNames;
        this.socketIo = pool.options.protocol == Options.Protocol.SOCKETIO;
    }

    void onOpen(WebSocket ws) {
        this.ws = ws;
        ws.frameHandler(this::onFrame); // frames Vert.x read before the tap was in place (or with --vertx-frames)
        ChannelHandlerContext vertxHandler = ((WebSocketInternal) ws).channelHandlerContext();
        // the tap runs on the channel's thread and uses the shard's state: only when that is this shard's thread
        if (!pool.options.vertxFrames && vertxHandler.channel().eventLoop().inEventLoop()) {
            shard.tapped++;
            vertxHandler.pipeline().addBefore(vertxHandler.name(), "bench-frame-tap", new FrameTap(this, shard.frame));
        }
        ws.exceptionHandler(t -> {
            // reported through the close handler / counters; keep going
        });
        ws.closeHandler(v -> {
            if (!closingByUs && !ready && Short.valueOf((short) 1013).equals(ws.closeStatusCode()) && reconnect()) {
                return; // "try again later" before the joins were done: reconnect, as the protocol asks clients to
            }
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
        int thisAttempt = attempt;
        pool.vertx.setTimer(Math.max(1, pool.options.joinTimeoutMs), t -> {
            if (!ready && !closed && attempt == thisAttempt) {
                pool.sample("join timeout " + state());
                gaveUp = true;
                ready = true; // gives up on this one; counted as a join failure
                pool.joinDone(this, false);
            }
        });
        if (!pool.options.joinAfterWelcome && !socketIo) {
            sendJoins(); // socket.io: after the namespace connect ("40"), as its clients do
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
            sendJoin(j);
        }
    }

    private void sendJoin(int slot) {
        if (socketIo) {
            // an EVENT with ack id slot+1: 42<id>["join",{"room":"r3"}], answered 43<id>[...]
            ws.writeTextMessage("42" + (slot + 1) + "[\"join\",{\"room\":\"" + pool.options.room(rooms[slot]) + "\"}]");
            return;
        }
        ws.writeTextMessage("{\"type\":\"join\",\"room\":\"" + pool.options.room(rooms[slot]) + "\",\"id\":\"" + (slot + 1)
                + (pool.options.presenceEvents ? "\"}" : "\",\"presence\":false}"));
    }

    /**
     * A join refused with {@code unavailable} (the server shedding load) is sent again after an exponential backoff
     * with jitter, as a real client would, while the join timeout allows; returns false when it gives up.
     */
    private boolean retryJoin(int slot) {
        if (retries == null) {
            retries = new int[rooms.length];
        }
        int n = retries[slot]++;
        if (n >= pool.options.joinRetries) {
            return false;
        }
        long backoffMs = Math.min(5_000, 100L << Math.min(n, 6));
        backoffMs = backoffMs / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
        long deadlineNs = openedNs + pool.options.joinTimeoutMs * 1_000_000L;
        if (System.nanoTime() + backoffMs * 1_000_000L >= deadlineNs) {
            return false;
        }
        shard.joinRetries++;
        int thisAttempt = attempt;
        pool.vertx.setTimer(backoffMs, t -> {
            if (!ready && !closed && attempt == thisAttempt) {
                sendJoin(slot);
            }
        });
        return true;
    }

    /**
     * The server closed this connection with 1013 (its broker could not take the connection) before the joins were
     * done: open it again.
     */
    private boolean reconnect() {
        return retryConnect(0);
    }

    /**
     * Opens this connection again after at least {@code minDelayMs} (a Retry-After) or a jittered exponential backoff,
     * up to {@code --join-retries} times; false when giving up. On the shard's thread.
     */
    boolean retryConnect(long minDelayMs) {
        if (reconnects >= pool.options.joinRetries) {
            return false;
        }
        long base = Math.min(5_000, 200L << Math.min(reconnects, 5));
        long backoffMs = Math.max(minDelayMs, base / 2) + java.util.concurrent.ThreadLocalRandom.current().nextLong(base / 2 + 1);
        reconnects++;
        shard.reconnects++;
        attempt++;
        ws = null;
        joinsSent = false;
        welcomeNs = 0;
        retries = null;
        Arrays.fill(acked, false);
        pool.vertx.setTimer(backoffMs, t -> {
            pool.connecting.incrementAndGet();
            pool.connect(this);
        });
        return true;
    }

    /** The Vert.x path: frames that reached Vert.x's handler instead of {@link FrameTap}. */
    private void onFrame(WebSocketFrame f) {
        if (!(f.isText() || f.isBinary() || f.isContinuation())) {
            return;
        }
        if (partial == null) {
            partial = shard.frame;
            partial.clear();
            if (!f.isFinal()) {
                partial = new Frame(f.binaryData().length() * 2);
            }
        }
        partial.append(f.binaryData().getByteBuf());
        if (f.isFinal()) {
            Frame whole = partial;
            partial = null;
            onMessage(whole);
        }
    }

    void onMessage(Frame b) {
        shard.frames++;
        if (socketIo) {
            onSocketIoMessage(b);
            return;
        }
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
                long id = FrameScanner.stringIntField(b, 0, FrameScanner.ID);
                if ("unavailable".equals(lastError) && !ready && id >= 1 && id <= rooms.length && retryJoin((int) id - 1)) {
                    return; // counted as a retry (join_retries), not as an error frame
                }
                shard.error(lastError);
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

    /**
     * One Engine.IO v4 packet (one per WebSocket message): {@code 0{...}} open, {@code 2} ping (answered {@code 3}),
     * {@code 4} + a Socket.IO v5 packet: {@code 40{...}} namespace connected, {@code 42[...]} event,
     * {@code 43<id>[...]} ack, {@code 44{...}} connect error, {@code 41} disconnect.
     */
    private void onSocketIoMessage(Frame b) {
        byte[] x = b.bytes;
        int len = b.length;
        byte engine = len > 0 ? x[0] : 0;
        if (engine == '2' && len == 1) {
            shard.pings++;
            ws.writeTextMessage("3");
            return;
        }
        if (engine == '0') {
            ws.writeTextMessage("40"); // connect to the main namespace
            return;
        }
        if (engine != '4' || len < 2) {
            otherFrame(engine == '1' ? "eio-close" : engine == '6' ? "eio-noop" : "eio-" + (char) engine);
            return;
        }
        switch (x[1]) {
            case '2' -> {
                if (FrameScanner.matches(b, 2, "[\"message\"")) {
                    if (publisher) {
                        shard.pubEchoes++;
                    } else {
                        onRoomMessage(b);
                    }
                } else {
                    otherFrame(eventName(b));
                }
            }
            case '3' -> {
                long id = FrameScanner.parseLong(b, 2);
                if (FrameScanner.indexOf(b, 2, FrameScanner.ERROR_KEY) >= 0) {
                    lastError = FrameScanner.stringField(b, FrameScanner.ERROR_KEY);
                    shard.error(lastError);
                    onAck(id, false);
                } else {
                    onAck(id, true);
                }
            }
            case '0' -> {
                shard.welcomes++;
                welcomeNs = System.nanoTime();
                sendJoins();
                String node = FrameScanner.stringField(b, FrameScanner.NODE);
                shard.nodes.merge(node == null ? "?" : node, 1L, Long::sum);
            }
            case '4' -> {
                lastError = "connect_error";
                shard.error(lastError);
            }
            case '1' -> otherFrame("disconnect");
            default -> otherFrame("sio-" + (char) x[1]);
        }
    }

    private static String eventName(Frame b) {
        int q = FrameScanner.indexOf(b, 2, new byte[] {'"'});
        if (q < 0) {
            return "?";
        }
        int end = q + 1;
        while (end < b.length && b.bytes[end] != '"') {
            end++;
        }
        return b.string(q + 1, end);
    }

    private void otherFrame(String type) {
        shard.otherFrames++;
        shard.otherTypes.merge(type, 1L, Long::sum);
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

    private void onRoomMessage(Frame b) {
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
        if (seq < lastSeq[slot]) {
            shard.outOfOrder++;
        } else {
            lastSeq[slot] = seq;
        }
        if (plan.measured(room, seq)) {
            long lat = Clock.nowMicros() - t;
            shard.latency.recordValue(Math.max(0, lat));
            shard.progress.lazySet(++shard.delivered); // a plain store: read by the main thread for progress only
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
