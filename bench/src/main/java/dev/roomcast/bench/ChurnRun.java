package dev.roomcast.bench;

import io.vertx.core.http.WebSocket;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * --mode churn: {@code --concurrency} loops, each doing connect → join {@code --rooms-per-sub} rooms → close, as fast
 * as the server answers, for {@code --warmup} + {@code --duration}; only what completes inside the measured window
 * counts.
 */
final class ChurnRun {
    private ChurnRun() {
    }

    static final class State {
        final Pool pool;
        final Options o;
        final long measureStart;
        final long measureEnd;
        final LongAdder connects = new LongAdder();
        final LongAdder joins = new LongAdder();
        final LongAdder cycles = new LongAdder();
        final LongAdder connectFailures = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final LongAdder unexpectedCloses = new LongAdder();
        final Map<String, Long> errors = new ConcurrentHashMap<>();
        final Histogram cycleTime = new SynchronizedHistogram(3);
        final Histogram connectTime = new SynchronizedHistogram(3);
        final Histogram joinTime = new SynchronizedHistogram(3);
        final CountDownLatch done;

        State(Pool pool, Options o, long measureStart, long measureEnd, int workers) {
            this.pool = pool;
            this.o = o;
            this.measureStart = measureStart;
            this.measureEnd = measureEnd;
            this.done = new CountDownLatch(workers);
        }

        boolean inWindow(long now) {
            return now >= measureStart && now < measureEnd;
        }
    }

    static final class Worker {
        final State st;
        final int id;
        final Shard shard;
        long n;

        Worker(State st, int id, Shard shard) {
            this.st = st;
            this.id = id;
            this.shard = shard;
        }

        void cycle() {
            long c0 = System.nanoTime();
            if (c0 >= st.measureEnd) {
                st.done.countDown();
                return;
            }
            long k = n++;
            int url = (int) ((id + k) % st.o.urls.size());
            String user = "churn-" + id + "-" + k;
            Cycle cy = new Cycle(this, c0);
            cy.timer = st.pool.vertx.setTimer(Math.max(1000, st.o.connectTimeoutMs), t -> cy.timeout());
            st.pool.client.connect(st.pool.connectOptions(url, user)).onComplete(ar -> {
                if (cy.advanced) {
                    if (ar.succeeded()) {
                        ar.result().close();
                    }
                    return;
                }
                if (ar.failed()) {
                    st.connectFailures.increment();
                    st.pool.sample("connect " + user + ": " + ar.cause());
                    cy.advance(false, 10);
                    return;
                }
                cy.opened(ar.result(), k);
            });
        }
    }

    static final class Cycle {
        final Worker w;
        final long c0;
        long timer;
        long joinStart;
        WebSocket ws;
        int pending;
        boolean joined;
        boolean advanced;

        Cycle(Worker w, long c0) {
            this.w = w;
            this.c0 = c0;
        }

        void opened(WebSocket ws, long k) {
            this.ws = ws;
            State st = w.st;
            long now = System.nanoTime();
            if (st.inWindow(now)) {
                st.connects.increment();
                st.connectTime.recordValue((now - c0) / 1000);
            }
            int m = st.o.roomsPerSub;
            pending = m;
            ws.closeHandler(v -> {
                if (!joined) {
                    st.unexpectedCloses.increment();
                }
                advance(joined, 0);
            });
            ws.frameHandler(f -> {
                if (!(f.isText() || f.isContinuation()) || !f.isFinal()) {
                    return;
                }
                Frame b = new Frame(f.binaryData().length()); // churn: a few frames per cycle, allocation is fine
                b.append(f.binaryData().getByteBuf());
                int type = FrameScanner.type(b);
                if (type == FrameScanner.ERROR) {
                    st.errors.merge(String.valueOf(FrameScanner.stringField(b, FrameScanner.CODE)), 1L, Long::sum);
                }
                if ((type == FrameScanner.ACK || type == FrameScanner.ERROR) && pending > 0 && --pending == 0) {
                    joined = true;
                    long t = System.nanoTime();
                    if (st.inWindow(t)) {
                        st.joins.add(m);
                        st.joinTime.recordValue((t - joinStart) / 1000);
                    }
                    ws.close();
                }
            });
            joinStart = System.nanoTime();
            long base = (w.id * (long) m + k * m);
            for (int j = 0; j < m; j++) {
                int r = (int) ((base + j) % st.o.rooms);
                ws.writeTextMessage("{\"type\":\"join\",\"room\":\"" + st.o.room(r) + "\",\"id\":\"" + (j + 1)
                        + (st.o.presenceEvents ? "\"}" : "\",\"presence\":false}"));
            }
        }

        void timeout() {
            if (advanced) {
                return;
            }
            w.st.timeouts.increment();
            if (ws != null) {
                ws.close();
            }
            advance(false, 0);
        }

        void advance(boolean ok, long delayMs) {
            if (advanced) {
                return;
            }
            advanced = true;
            State st = w.st;
            st.pool.vertx.cancelTimer(timer);
            long now = System.nanoTime();
            if (ok && st.inWindow(now)) {
                st.cycles.increment();
                st.cycleTime.recordValue((now - c0) / 1000);
            }
            if (delayMs > 0) {
                st.pool.vertx.setTimer(delayMs, t -> w.shard.ctx.runOnContext(v -> w.cycle()));
            } else {
                w.shard.ctx.runOnContext(v -> w.cycle());
            }
        }
    }

    static Report run(Options o) throws InterruptedException {
        Report rep = new Report();
        FanoutRun.scenario(rep, o, null);
        rep.section("scenario").put("concurrency", o.concurrency);
        rep.section("scenario").put("warmup_s", o.warmupMs / 1000.0);
        rep.section("scenario").put("duration_s", o.durationMs / 1000.0);
        try (Pool pool = new Pool(o)) {
            rep.section("scenario").put("client_transport", pool.transport());
            long start = System.nanoTime();
            long ms = start + TimeUnit.MILLISECONDS.toNanos(o.warmupMs);
            long me = ms + TimeUnit.MILLISECONDS.toNanos(o.durationMs);
            State st = new State(pool, o, ms, me, o.concurrency);
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < o.concurrency; i++) {
                Worker w = new Worker(st, i, pool.shards.get(i % pool.shards.size()));
                workers.add(w);
            }
            Bench.log("churning with %d loops for %ds warm-up + %ds measured ...", o.concurrency, o.warmupMs / 1000, o.durationMs / 1000);
            for (Worker w : workers) {
                w.shard.ctx.runOnContext(v -> w.cycle());
            }
            long nextLog = start + TimeUnit.SECONDS.toNanos(5);
            ProcStats.Sample a = null;
            while (System.nanoTime() < ms) {
                Thread.sleep(Math.max(1, Math.min(100, (ms - System.nanoTime()) / 1_000_000)));
            }
            a = new ProcStats.Sample(o.pids, o.redisPids);
            while (System.nanoTime() < me) {
                Thread.sleep(Math.max(1, Math.min(100, (me - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() >= nextLog) {
                    Bench.log("  %d connect+join+close cycles so far", st.cycles.sum());
                    nextLog += TimeUnit.SECONDS.toNanos(5);
                }
            }
            ProcStats.Sample b = new ProcStats.Sample(o.pids, o.redisPids);
            if (!st.done.await(Math.max(10_000, 2 * o.connectTimeoutMs), TimeUnit.MILLISECONDS)) {
                pool.sample(st.done.getCount() + " churn loops still busy at the end");
            }
            double secs = o.durationMs / 1000.0;
            Map<String, Object> c = rep.section("churn");
            c.put("connects", st.connects.sum());
            c.put("connects_per_s", Report.round(st.connects.sum() / secs, 1));
            c.put("joins", st.joins.sum());
            c.put("joins_per_s", Report.round(st.joins.sum() / secs, 1));
            c.put("cycles", st.cycles.sum());
            c.put("cycles_per_s", Report.round(st.cycles.sum() / secs, 1));
            c.put("connect_failures", st.connectFailures.sum());
            c.put("timeouts", st.timeouts.sum());
            c.put("unexpected_closes", st.unexpectedCloses.sum());
            c.put("error_frames", new java.util.TreeMap<>(st.errors));
            c.put("connect_ms", Report.millis(st.connectTime));
            c.put("join_ms", Report.millis(st.joinTime));
            c.put("cycle_ms", Report.millis(st.cycleTime));
            if (!pool.failureSamples.isEmpty()) {
                c.put("failure_samples", new ArrayList<>(pool.failureSamples));
            }
            FanoutRun.server(rep, o, a, b, 0, secs, -1);
            Map<String, Object> s = rep.section("server");
            s.remove("cpu_us_per_delivery");
            Object cpu = s.get("cpu_s_total");
            if (cpu instanceof Double d && st.cycles.sum() > 0) {
                s.put("cpu_us_per_cycle", Report.round(d * 1e6 / st.cycles.sum(), 1));
            }
        }
        return rep;
    }
}
