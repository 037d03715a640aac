package dev.roomcast.bench;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** --mode fanout: N subscribers in R rooms, P publishers at a fixed total rate; delivery, loss, latency, server cost. */
final class FanoutRun {
    private FanoutRun() {
    }

    static Report run(Options o) throws InterruptedException {
        Plan plan = Plan.of(o);
        Report rep = new Report();
        scenario(rep, o, plan);
        try (Pool pool = new Pool(o)) {
            rep.section("scenario").put("client_transport", pool.transport());
            // --- subscribers
            List<Conn> subs = new ArrayList<>(o.subscribers);
            for (int i = 0; i < o.subscribers; i++) {
                subs.add(pool.newConn(i, false, "sub-" + i, plan.subUrl(i), plan.subRooms(i), plan));
            }
            Bench.log("opening %d subscriber connections over %d URL(s) at <= %.0f/s ...", o.subscribers, o.urls.size(), o.connectRate);
            long setupDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.setupTimeoutMs);
            ProcStats.Sample s0 = new ProcStats.Sample(o.pids, o.redisPids);
            long subSetupNs = pool.openAll(subs, setupDeadline);
            ProcStats.Sample s1 = new ProcStats.Sample(o.pids, o.redisPids);
            int subsReady = pool.readyCount.get();
            Map<String, Object> setup = rep.section("setup");
            setup.put("subscribers_ready", subsReady);
            setup.put("connect_failures", pool.connectFailures.get());
            setup.put("join_failures", pool.joinFailures.get());
            setup.put("setup_s", Report.round(subSetupNs / 1e9, 3));
            setup.put("connects_per_s", Report.round(pool.opened.get() / Math.max(1e-9, subSetupNs / 1e9), 1));
            setup.put("connect_ms", Report.millis(pool.connectTime));
            setup.put("join_ms", Report.millis(pool.joinTime));
            setupCpu(setup, o, s0, s1);
            Bench.log("%d/%d subscribers ready in %.2fs", subsReady, o.subscribers, subSetupNs / 1e9);

            // --- publishers
            Conn[] pubs = new Conn[o.publishers];
            List<Conn> pubList = new ArrayList<>();
            for (int p = 0; p < o.publishers; p++) {
                pubs[p] = pool.newConn(o.subscribers + p, true, "pub-" + p, plan.pubUrl(p), plan.pubRooms(p), plan);
                pubList.add(pubs[p]);
            }
            int before = pool.readyCount.get();
            pool.openAll(pubList, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(30_000, o.setupTimeoutMs)));
            int pubsReady = pool.readyCount.get() - before;
            setup.put("publishers_ready", pubsReady);
            if (pubsReady < o.publishers) {
                rep.root.put("events", new ArrayList<>(pool.failureSamples));
                rep.root.put("error", "only " + pubsReady + " of " + o.publishers + " publishers could connect and join");
                pool.closeAll(10_000);
                return rep;
            }

            // --- expected deliveries, from the joins that were acknowledged
            long[] members = new long[plan.rooms];
            for (Conn c : subs) {
                for (int j = 0; j < c.rooms.length; j++) {
                    if (c.acked[j]) {
                        members[c.rooms[j]]++;
                    }
                }
            }
            long expected = 0;
            long measuredPublishes = 0;
            long minMembers = Long.MAX_VALUE;
            long maxMembers = 0;
            for (int r = 0; r < plan.rooms; r++) {
                expected += members[r] * plan.measuredPublishes(r);
                measuredPublishes += plan.measuredPublishes(r);
                minMembers = Math.min(minMembers, members[r]);
                maxMembers = Math.max(maxMembers, members[r]);
            }
            rep.section("scenario").put("subs_per_room", minMembers == maxMembers ? (Object) minMembers : minMembers + ".." + maxMembers);

            // --- publish
            long hardStop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.warmupMs + o.durationMs + 60_000);
            Publisher pub = new Publisher(o, plan, pubs, hardStop);
            Thread pacer = new Thread(pub, "bench-pacer");
            pacer.setDaemon(true);
            pacer.setPriority(Thread.MAX_PRIORITY);
            Bench.log("publishing %.0f/s for %ds warm-up + %ds measured ...", o.rate, o.warmupMs / 1000, o.durationMs / 1000);
            pacer.start();
            long t0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pub.startNs == 0 && System.nanoTime() < t0 && pacer.isAlive()) {
                LockSupport.parkNanos(100_000);
            }
            long start = pub.startNs;
            long measureStart = start + TimeUnit.MILLISECONDS.toNanos(o.warmupMs);
            long measureEnd = measureStart + TimeUnit.MILLISECONDS.toNanos(o.durationMs);
            sleepUntil(measureStart, pool, pub, expected);
            ServerProbe.Allocation allocA = o.allocPids.isEmpty() ? null : new ServerProbe.Allocation(o.allocPids);
            long framesA = pool.framesReceived();
            ProcStats.Sample a = new ProcStats.Sample(o.pids, o.redisPids);
            sleepUntil(measureEnd, pool, pub, expected);
            ProcStats.Sample b = new ProcStats.Sample(o.pids, o.redisPids);
            long framesB = pool.framesReceived();
            ServerProbe.Allocation allocB = o.allocPids.isEmpty() ? null : new ServerProbe.Allocation(o.allocPids);
            pacer.join(TimeUnit.MILLISECONDS.toMillis(Math.max(1000, (hardStop - System.nanoTime()) / 1_000_000)));

            // --- drain: wait (bounded) for deliveries still in flight
            long drainStart = System.nanoTime();
            long drainDeadline = drainStart + TimeUnit.MILLISECONDS.toNanos(o.drainMs);
            while (pool.measuredDelivered() < expected && System.nanoTime() < drainDeadline) {
                LockSupport.parkNanos(5_000_000);
            }
            long drainMs = (System.nanoTime() - drainStart) / 1_000_000;

            // --- collect
            List<Shard.Snapshot> snaps = pool.snapshots();
            Shard.Snapshot all = Shard.Snapshot.merge(snaps);
            long[] roomMissing = new long[plan.rooms];
            long[] subsWithLoss = new long[1];
            List<Future<long[]>> missing = new ArrayList<>();
            for (Shard s : pool.shards) {
                missing.add(s.call(() -> {
                    long[] per = new long[plan.rooms + 1];
                    for (Conn c : s.conns) {
                        if (!c.publisher && c.missing(per) > 0) {
                            per[plan.rooms]++;
                        }
                    }
                    return per;
                }));
            }
            for (Future<long[]> f : missing) {
                long[] per = Pool.await(f, 30_000);
                for (int r = 0; r < plan.rooms; r++) {
                    roomMissing[r] += per[r];
                }
                subsWithLoss[0] += per[plan.rooms];
            }
            long lossByBits = 0;
            long worstRoomLoss = 0;
            for (long m : roomMissing) {
                lossByBits += m;
                worstRoomLoss = Math.max(worstRoomLoss, m);
            }

            double seconds = o.durationMs / 1000.0;
            Map<String, Object> d = rep.section("delivery");
            d.put("published", pub.sent.get());
            d.put("published_measured", measuredPublishes);
            d.put("publishes_skipped", pub.skipped);
            d.put("expected", expected);
            d.put("delivered", all.delivered);
            d.put("delivered_per_s", Report.round(all.delivered / seconds, 1));
            d.put("loss", expected - all.delivered);
            d.put("loss_pct", expected == 0 ? 0.0 : Report.round(100.0 * (expected - all.delivered) / expected, 4));
            if (lossByBits != expected - all.delivered) {
                d.put("loss_by_bitmap", lossByBits);
            }
            d.put("subscribers_with_loss", subsWithLoss[0]);
            d.put("worst_room_loss", worstRoomLoss);
            d.put("duplicates", all.duplicates);
            d.put("out_of_order", all.outOfOrder);
            d.put("unexpected", all.unexpected);
            d.put("in_unacknowledged_rooms", all.unacked);
            d.put("misrouted", all.misrouted);
            d.put("malformed", all.malformed);
            d.put("warmup_delivered", all.unmeasured);
            d.put("publisher_echoes", all.pubEchoes);
            d.put("drain_wait_ms", drainMs);
            d.put("pacer_max_lag_ms", Report.round(pub.maxLagNs / 1e6, 3));
            d.put("publisher_write_queue_full", pub.backpressured);
            d.put("error_frames", all.errors);
            d.put("other_frames", all.otherTypes);
            rep.section("setup").put("connections_per_node", all.nodes);
            rep.section("setup").put("join_retries", all.joinRetries);
            rep.section("setup").put("reconnects", all.reconnects);
            rep.section("scenario").put("frame_tap_connections", all.tapped);
            if (all.pings > 0) {
                d.put("engine_io_pings", all.pings);
            }
            d.put("unexpected_closes", all.unexpectedCloses);
            if (!all.closes.isEmpty()) {
                d.put("close_reasons", all.closes);
            }
            if (!pool.failureSamples.isEmpty()) {
                d.put("events", new ArrayList<>(pool.failureSamples));
            }
            if (pub.failure != null) {
                d.put("publisher_failure", pub.failure.toString());
            }
            rep.root.put("latency_ms", Report.millis(all.latency));
            server(rep, o, a, b, all.delivered, seconds, framesB - framesA);
            if (allocA != null) {
                allocation(rep, o, allocA, allocB, all.delivered / seconds);
            }
            List<String> problems = new ArrayList<>();
            if (subsReady < o.subscribers) {
                problems.add((o.subscribers - subsReady) + " subscribers not joined");
            }
            if (expected - all.delivered != 0) {
                problems.add((expected - all.delivered) + " deliveries lost");
            }
            if (all.duplicates > 0) {
                problems.add(all.duplicates + " duplicates");
            }
            if (all.outOfOrder > 0 && plan.onePublisherPerRoom()) {
                // with several publishers per room the server may interleave them: only one publisher fixes an order
                problems.add(all.outOfOrder + " deliveries out of order");
            }
            if (all.unexpected + all.misrouted + all.malformed > 0) {
                problems.add((all.unexpected + all.misrouted + all.malformed) + " unexpected/misrouted/malformed messages");
            }
            if (all.unacked > 0) {
                problems.add(all.unacked + " messages in rooms whose join was never acknowledged");
            }
            if (all.unexpectedCloses > 0) {
                problems.add(all.unexpectedCloses + " connections closed by the server");
            }
            if (pub.skipped > 0) {
                problems.add(pub.skipped + " publishes not sent");
            }
            long errs = all.errors.values().stream().mapToLong(Long::longValue).sum();
            if (errs > 0) {
                problems.add(errs + " error frames");
            }
            rep.root.put("verdict", problems.isEmpty() ? "clean" : "NOT CLEAN: " + String.join(", ", problems));
            Bench.log("closing connections ...");
            pool.closeAll(10_000);
        }
        return rep;
    }

    static void scenario(Report rep, Options o, Plan plan) {
        Map<String, Object> s = rep.section("scenario");
        s.put("mode", o.mode.name().toLowerCase());
        if (!o.label.isEmpty()) {
            s.put("label", o.label);
        }
        s.put("date", java.time.OffsetDateTime.now().withNano(0).toString());
        List<String> urls = new ArrayList<>();
        o.urls.forEach(u -> urls.add(u.toString()));
        s.put("urls", urls);
        s.put("subscribers", o.subscribers);
        s.put("rooms", o.rooms);
        s.put("rooms_per_sub", o.roomsPerSub);
        if (o.mode == Options.Mode.FANOUT) {
            s.put("publishers", o.publishers);
            s.put("rate", o.rate);
            s.put("warmup_s", o.warmupMs / 1000.0);
            s.put("duration_s", o.durationMs / 1000.0);
            s.put("payload_bytes", o.payloadBytes);
            s.put("latency_from", o.latencyFrom.name().toLowerCase());
            s.put("presence_events", o.presenceEvents);
        }
        s.put("protocol", o.protocol.name().toLowerCase());
        s.put("client_event_loops", o.eventLoops);
        s.put("cpus", Runtime.getRuntime().availableProcessors());
    }

    /** Server (and Redis) CPU seconds spent while the subscribers connected and joined. */
    static void setupCpu(Map<String, Object> setup, Options o, ProcStats.Sample a, ProcStats.Sample b) {
        if (o.pids.isEmpty()) {
            return;
        }
        List<Object> cpu = new ArrayList<>();
        for (int i = 0; i < o.pids.size(); i++) {
            cpu.add(a.ticks[i] < 0 || b.ticks[i] < 0 ? null : Report.round(ProcStats.cpuSeconds(b.ticks[i] - a.ticks[i]), 2));
        }
        setup.put("server_cpu_s", cpu);
        if (a.redis >= 0 && b.redis >= 0) {
            setup.put("redis_cpu_s", Report.round(ProcStats.cpuSeconds(b.redis - a.redis), 2));
        }
    }

    /** Server CPU over the measurement window (samples a..b) and RSS now. */
    /** {@code benchFrames}: messages the bench received between the samples (-1: not counted). */
    static void server(Report rep, Options o, ProcStats.Sample a, ProcStats.Sample b, long delivered, double seconds,
                       long benchFrames) {
        Map<String, Object> s = rep.section("server");
        double total = 0;
        double totalUser = 0;
        boolean ok = !o.pids.isEmpty();
        List<Object> per = new ArrayList<>();
        for (int i = 0; i < o.pids.size(); i++) {
            int pid = o.pids.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", pid);
            if (a.ticks[i] < 0 || b.ticks[i] < 0) {
                m.put("error", "cannot read /proc/" + pid + "/stat");
                ok = false;
            } else {
                double cpu = ProcStats.cpuSeconds(b.ticks[i] - a.ticks[i]);
                double user = ProcStats.cpuSeconds(b.userSystem[i][0] - a.userSystem[i][0]);
                total += cpu;
                totalUser += user;
                m.put("cpu_s", Report.round(cpu, 2));
                m.put("user_sys_s", List.of(Report.round(user, 2), Report.round(cpu - user, 2)));
                m.put("cpu_pct", Report.round(100 * cpu / seconds, 1));
            }
            long rss = ProcStats.rssKb(Integer.toString(pid));
            m.put("rss_mb", rss < 0 ? null : Report.round(rss / 1024.0, 1));
            per.add(m);
        }
        if (!o.pids.isEmpty()) {
            s.put("instances", per);
            if (ok) {
                s.put("cpu_s_total", Report.round(total, 2));
                s.put("cpu_us_per_delivery", delivered == 0 ? null : Report.round(total * 1e6 / delivered, 3));
                if (delivered > 0) {
                    // user mode is the servers' own code; kernel mode is mostly the sockets, the same for any server
                    s.put("cpu_us_per_delivery_user_sys", List.of(Report.round(totalUser * 1e6 / delivered, 3),
                            Report.round((total - totalUser) * 1e6 / delivered, 3)));
                }
            }
        }
        double window = (b.nanos - a.nanos) / 1e9;
        if (a.redis >= 0 && b.redis >= 0) {
            s.put("redis_cpu_s", Report.round(ProcStats.cpuSeconds(b.redis - a.redis), 2));
        }
        if (a.self >= 0 && b.self >= 0) {
            double bench = ProcStats.cpuSeconds(b.self - a.self);
            s.put("bench_cpu_s", Report.round(bench, 2));
            s.put("bench_user_sys_s", List.of(Report.round(ProcStats.cpuSeconds(b.selfUserSystem[0] - a.selfUserSystem[0]), 2),
                    Report.round(ProcStats.cpuSeconds(b.selfUserSystem[1] - a.selfUserSystem[1]), 2)));
            if (benchFrames >= 0) {
                // the generator competes with the servers for the same cores: its cost per message received says
                // how much of the machine it took away from them
                s.put("bench_messages", benchFrames);
                s.put("bench_cpu_us_per_message", benchFrames == 0 ? null : Report.round(bench * 1e6 / benchFrames, 3));
            }
        }
        if (a.machine != null && b.machine != null && b.machine[1] > a.machine[1]) {
            s.put("machine_cpu_busy_pct", Report.round(100.0 * (b.machine[0] - a.machine[0]) / (b.machine[1] - a.machine[1]), 1));
            // whatever else ran on the box during the window (other builds/tests): noise in every figure above
            double known = (ok ? total : 0)
                    + (a.redis >= 0 && b.redis >= 0 ? ProcStats.cpuSeconds(b.redis - a.redis) : 0)
                    + (a.self >= 0 && b.self >= 0 ? ProcStats.cpuSeconds(b.self - a.self) : 0);
            double other = Math.max(0, ProcStats.cpuSeconds(b.machine[0] - a.machine[0]) - known);
            s.put("other_processes_cpu_s", Report.round(other, 2));
            int cpus = Runtime.getRuntime().availableProcessors();
            if (other > 0.1 * window * cpus) {
                s.put("warning", String.format(java.util.Locale.ROOT,
                        "other processes used %.0f%% of this machine's CPU during the window: figures are disturbed",
                        100 * other / (window * cpus)));
            }
        }
        s.put("window_s", Report.round(window, 3));
        s.put("clk_tck", ProcStats.clkTck());
    }

    /** Bytes the JVM servers allocated per delivery: the change of their threads' counters over the deliveries meanwhile. */
    static void allocation(Report rep, Options o, ServerProbe.Allocation a, ServerProbe.Allocation b, double deliveredPerS) {
        Map<String, Object> s = rep.section("server");
        List<Object> per = new ArrayList<>();
        long total = 0;
        boolean ok = true;
        for (int i = 0; i < o.allocPids.size(); i++) {
            long d = ServerProbe.allocatedBetween(a.threads.get(i), b.threads.get(i));
            per.add(d < 0 ? null : Report.round(d / 1048576.0, 1));
            ok &= d >= 0;
            total += Math.max(0, d);
        }
        double seconds = (b.nanos - a.nanos) / 1e9;
        s.put("alloc_mb", per);
        s.put("alloc_window_s", Report.round(seconds, 3));
        if (ok && deliveredPerS > 0 && seconds > 0) {
            s.put("alloc_bytes_per_delivery", Report.round(total / (deliveredPerS * seconds), 1));
        }
    }

    /** Parks until {@code deadline}, logging progress every 5 s. */
    static void sleepUntil(long deadline, Pool pool, Publisher pub, long expected) {
        long nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            long now = System.nanoTime();
            if (now >= deadline) {
                return;
            }
            if (now >= nextLog) {
                Bench.log("  published %d, measured deliveries %d of %d", pub.sent.get(), pool.measuredDelivered(), expected);
                nextLog += TimeUnit.SECONDS.toNanos(5);
            }
            LockSupport.parkNanos(Math.min(deadline - now, 100_000_000));
        }
    }
}
