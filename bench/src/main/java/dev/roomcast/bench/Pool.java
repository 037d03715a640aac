package dev.roomcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side: a Vert.x instance with several event loops (one {@link Shard} each), one WebSocket client, and
 * paced opening of many connections that each join their rooms.
 */
public final class Pool implements AutoCloseable {
    final Options options;
    final Vertx vertx;
    final List<Shard> shards = new ArrayList<>();
    final WebSocketClient client;
    final byte[][] roomNames;

    /** Handshake time (connect call to upgrade done), µs. */
    final Histogram connectTime = new SynchronizedHistogram(3);
    /** First join sent to last ack received, µs. */
    final Histogram joinTime = new SynchronizedHistogram(3);
    final AtomicInteger connecting = new AtomicInteger();
    /** connections started whose joins are not all answered (or that failed) yet */
    final AtomicInteger inSetup = new AtomicInteger();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger connectFailures = new AtomicInteger();
    final AtomicInteger readyCount = new AtomicInteger();
    final AtomicInteger joinFailures = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failureSamples = new ConcurrentLinkedQueue<>();
    final long startNs = System.nanoTime();
    private volatile CountDownLatch batch = new CountDownLatch(0);

    Pool(Options options) {
        this.options = options;
        this.vertx = LevelTriggeredEpoll.vertx(new VertxOptions()
                .setEventLoopPoolSize(options.eventLoops)
                .setBlockedThreadCheckInterval(10_000), options.nativeTransport);
        for (int i = 0; i < options.eventLoops; i++) {
            // from a non-Vert.x thread each call makes a new context on the next event loop (round-robin)
            shards.add(new Shard(i, vertx.getOrCreateContext()));
        }
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(1_000_000)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeoutMs))
                .setMaxFrameSize(1 << 20)
                .setMaxMessageSize(16 << 20)
                .setTcpNoDelay(true)
                .setReuseAddress(true));
        this.roomNames = new byte[options.rooms][];
        for (int r = 0; r < options.rooms; r++) {
            roomNames[r] = options.room(r).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** "epoll" (level-triggered) when the native transport loaded, else "nio". */
    String transport() {
        return vertx.isNativeTransportEnabled() ? "epoll" : "nio";
    }

    WebSocketConnectOptions connectOptions(int url, String user) {
        URI u = options.urls.get(url);
        boolean ssl = "wss".equals(u.getScheme());
        int port = u.getPort() > 0 ? u.getPort() : (ssl ? 443 : 80);
        String path = (u.getRawPath() == null || u.getRawPath().isEmpty()) ? "/" : u.getRawPath();
        StringBuilder q = new StringBuilder(path).append('?');
        if (u.getRawQuery() != null && !u.getRawQuery().isEmpty()) {
            q.append(u.getRawQuery()).append('&');
        }
        q.append("user=").append(URLEncoder.encode(user, StandardCharsets.UTF_8));
        if (options.protocol == Options.Protocol.SOCKETIO) {
            q.append("&EIO=4&transport=websocket"); // straight to the WebSocket transport, no long-polling first
        }
        if (!options.query.isEmpty()) {
            q.append('&').append(options.query);
        }
        return new WebSocketConnectOptions()
                .setHost(u.getHost())
                .setPort(port)
                .setSsl(ssl)
                .setURI(q.toString())
                // not setTimeout(): on Vert.x 4.5 that is a request timeout which can close an established
                // WebSocket later on (seen as a spurious close 1000 of the first connection)
                .setConnectTimeout(options.connectTimeoutMs);
    }

    Conn newConn(int index, boolean publisher, String user, int url, int[] rooms, Plan plan) {
        Shard shard = shards.get(index % shards.size());
        Conn c = new Conn(this, index, publisher, user, url, shard, rooms, plan, roomNames);
        return c;
    }

    /**
     * Opens every connection at {@code --connect-rate}, at most {@code --max-connecting} handshakes and
     * {@code --max-joining} unfinished connect + join sequences in flight, and
     * waits until each one has joined all its rooms or failed, or the setup timeout passes. Returns the time taken
     * in nanoseconds.
     */
    long openAll(List<Conn> conns, long deadlineNs) throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(conns.size());
        batch = latch;
        long start = System.nanoTime();
        double intervalNs = 1e9 / options.connectRate;
        for (int i = 0; i < conns.size(); i++) {
            long due = start + (long) (i * intervalNs);
            while (true) {
                long now = System.nanoTime();
                if (now >= deadlineNs) {
                    for (int j = i; j < conns.size(); j++) {
                        latch.countDown();
                    }
                    sample("setup timeout: " + (conns.size() - i) + " connections never attempted");
                    return System.nanoTime() - start;
                }
                if (now >= due && connecting.get() < options.maxConnecting
                        && (options.maxJoining == 0 || inSetup.get() < options.maxJoining)) {
                    break;
                }
                LockSupport.parkNanos(Math.max(20_000, Math.min(due - now, 1_000_000)));
            }
            Conn c = conns.get(i);
            connecting.incrementAndGet();
            inSetup.incrementAndGet();
            c.shard.ctx.runOnContext(v -> {
                c.shard.conns.add(c);
                connect(c);
            });
        }
        long left = deadlineNs - System.nanoTime();
        if (!latch.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
            sample("setup timeout: " + latch.getCount() + " connections not ready");
            for (Shard s : shards) {
                List<String> stuck = await(s.call(() -> {
                    List<String> l = new ArrayList<>();
                    for (Conn c : s.conns) {
                        if (!c.ready && c.ws != null && conns.contains(c) && l.size() < 10) {
                            l.add(c.state());
                        }
                    }
                    return l;
                }), 10_000);
                stuck.forEach(this::sample);
            }
        }
        return System.nanoTime() - start;
    }

    /** Opens {@code c}'s WebSocket (on its shard's thread; the caller counted it in {@link #connecting}). */
    void connect(Conn c) {
        c.connectStartNs = System.nanoTime();
        client.connect(connectOptions(c.url, c.user)).onComplete(ar -> {
            connecting.decrementAndGet();
            if (ar.succeeded()) {
                opened.incrementAndGet();
                connectTime.recordValue((System.nanoTime() - c.connectStartNs) / 1000);
                c.onOpen(ar.result());
            } else if (ar.cause() instanceof UpgradeRejectedException rejected && rejected.getStatus() == 503
                    && c.retryConnect(retryAfterMs(rejected))) {
                // the node sheds a connect storm (503 + Retry-After): come back later, as clients are asked to
            } else {
                connectFailures.incrementAndGet();
                inSetup.decrementAndGet();
                sample("connect " + c.user + ": " + ar.cause());
                batch.countDown();
            }
        });
    }

    /** The Retry-After of a refused upgrade in ms (seconds in the header), 0 when absent or unreadable. */
    static long retryAfterMs(UpgradeRejectedException e) {
        String v = e.getHeaders() == null ? null : e.getHeaders().get("Retry-After");
        try {
            return v == null ? 0 : Math.max(0, Long.parseLong(v.trim()) * 1000);
        } catch (NumberFormatException bad) {
            return 0;
        }
    }

    /** Called on the connection's thread once all its joins are answered (or it died first). */
    void joinDone(Conn c, boolean ok) {
        boolean allAcked = ok;
        for (boolean a : c.acked) {
            allAcked &= a;
        }
        if (ok) {
            joinTime.recordValue((System.nanoTime() - c.joinStartNs) / 1000);
        }
        if (allAcked) {
            readyCount.incrementAndGet();
        } else {
            joinFailures.incrementAndGet();
            sample("join " + c.user + (ok ? ": refused (" + c.lastError + ")" : ": not acknowledged (closed or timed out)"));
        }
        inSetup.decrementAndGet();
        batch.countDown();
    }

    void sample(String s) {
        if (failureSamples.size() < 20) {
            failureSamples.add(s);
        }
    }

    /** Measured deliveries so far (for progress and the drain wait; the report uses the shards' snapshots). */
    long measuredDelivered() {
        long n = 0;
        for (Shard s : shards) {
            n += s.progress.get();
        }
        return n;
    }

    /** WebSocket messages received so far over all shards (each read on its own thread). */
    long framesReceived() {
        List<Future<Long>> fs = new ArrayList<>();
        for (Shard s : shards) {
            fs.add(s.call(() -> s.frames));
        }
        long n = 0;
        for (Future<Long> f : fs) {
            n += await(f, 30_000);
        }
        return n;
    }

    List<Shard.Snapshot> snapshots() {
        List<Future<Shard.Snapshot>> fs = new ArrayList<>();
        for (Shard s : shards) {
            fs.add(s.snapshot());
        }
        List<Shard.Snapshot> out = new ArrayList<>();
        for (Future<Shard.Snapshot> f : fs) {
            out.add(await(f, 30_000));
        }
        return out;
    }

    /** Closes every connection we opened and waits (bounded) for the closes to finish. */
    void closeAll(long timeoutMs) {
        List<Future<Integer>> fs = new ArrayList<>();
        for (Shard s : shards) {
            fs.add(s.call(() -> {
                int n = 0;
                for (Conn c : s.conns) {
                    if (c.ws != null && !c.closed) {
                        c.closingByUs = true;
                        c.ws.close();
                        n++;
                    }
                }
                return n;
            }));
        }
        for (Future<Integer> f : fs) {
            await(f, timeoutMs);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Shard s : shards) {
                for (Conn c : List.copyOf(s.conns)) {
                    if (c.ws != null && !c.closed) {
                        all = false;
                        break;
                    }
                }
                if (!all) {
                    break;
                }
            }
            if (all) {
                return;
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    static <T> T await(Future<T> f, long timeoutMs) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("client event loop did not answer in " + timeoutMs + " ms", e);
        }
    }

    @Override
    public void close() {
        try {
            Pool.await(vertx.close(), 15_000);
        } catch (RuntimeException ignored) {
            // exiting anyway
        }
    }
}
