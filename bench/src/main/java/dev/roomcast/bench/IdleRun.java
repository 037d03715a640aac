package dev.roomcast.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** --mode idle: open N connections that each join M rooms, hold them, then measure the servers' RSS and heap. */
final class IdleRun {
    private IdleRun() {
    }

    static Report run(Options o) throws InterruptedException {
        Plan plan = new Plan(o.subscribers, o.rooms, o.roomsPerSub, 1, o.urls.size(), 0, 0);
        Report rep = new Report();
        FanoutRun.scenario(rep, o, plan);
        rep.section("scenario").put("hold_s", o.holdMs / 1000.0);
        int n = o.pids.size();
        long[] rssBefore = new long[n];
        double[] heapBefore = new double[n];
        for (int i = 0; i < n; i++) {
            rssBefore[i] = ProcStats.rssKb(o.pids.get(i).toString());
            heapBefore[i] = o.heap ? ServerProbe.heapAfterGc(o.pids.get(i), o.urls.get(i)) : -1;
        }
        try (Pool pool = new Pool(o)) {
            rep.section("scenario").put("client_transport", pool.transport());
            List<Conn> subs = new ArrayList<>(o.subscribers);
            int[] perUrl = new int[o.urls.size()];
            for (int i = 0; i < o.subscribers; i++) {
                subs.add(pool.newConn(i, false, "idle-" + i, plan.subUrl(i), plan.subRooms(i), plan));
            }
            Bench.log("opening %d connections (%d rooms each) at <= %.0f/s ...", o.subscribers, o.roomsPerSub, o.connectRate);
            ProcStats.Sample a = new ProcStats.Sample(o.pids, o.redisPids);
            long setupNs = pool.openAll(subs, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.setupTimeoutMs));
            ProcStats.Sample b = new ProcStats.Sample(o.pids, o.redisPids);
            for (Conn c : subs) {
                if (c.joinedAll()) {
                    perUrl[c.url]++;
                }
            }
            Map<String, Object> setup = rep.section("setup");
            setup.put("ready", pool.readyCount.get());
            setup.put("connect_failures", pool.connectFailures.get());
            setup.put("join_failures", pool.joinFailures.get());
            setup.put("setup_s", Report.round(setupNs / 1e9, 3));
            setup.put("ready_per_s", Report.round(pool.readyCount.get() / (setupNs / 1e9), 1));
            setup.put("connect_ms", Report.millis(pool.connectTime));
            setup.put("join_ms", Report.millis(pool.joinTime));
            if (!pool.failureSamples.isEmpty()) {
                setup.put("failure_samples", new ArrayList<>(pool.failureSamples));
            }
            FanoutRun.server(rep, o, a, b, 0, Math.max(1e-9, setupNs / 1e9), -1);
            rep.section("server").remove("cpu_us_per_delivery");
            Bench.log("%d connections ready in %.2fs; holding %ds ...", pool.readyCount.get(), setupNs / 1e9, o.holdMs / 1000);
            long holdEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.holdMs);
            while (System.nanoTime() < holdEnd) {
                Thread.sleep(Math.max(1, Math.min(1000, (holdEnd - System.nanoTime()) / 1_000_000)));
            }
            List<Shard.Snapshot> snaps = pool.snapshots();
            Shard.Snapshot all = Shard.Snapshot.merge(snaps);
            setup.put("join_retries", all.joinRetries);
            setup.put("reconnects", all.reconnects);
            Map<String, Object> held = rep.section("held");
            held.put("open_at_end", pool.opened.get() - all.unexpectedCloses);
            held.put("unexpected_closes", all.unexpectedCloses);
            if (!all.closes.isEmpty()) {
                held.put("close_reasons", all.closes);
            }
            held.put("error_frames", all.errors);
            held.put("connections_per_node", all.nodes);
            List<Object> inst = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int pid = o.pids.get(i);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", pid);
                m.put("connections", i < perUrl.length ? perUrl[i] : 0);
                long rss = ProcStats.rssKb(Integer.toString(pid));
                m.put("rss_before_mb", Report.round(rssBefore[i] / 1024.0, 1));
                m.put("rss_after_mb", Report.round(rss / 1024.0, 1));
                int conns = i < perUrl.length ? perUrl[i] : 0;
                if (conns > 0 && rss > 0 && rssBefore[i] > 0) {
                    m.put("rss_per_conn_kib", Report.round((rss - rssBefore[i]) / (double) conns, 2));
                }
                if (o.heap) {
                    double heap = ServerProbe.heapAfterGc(pid, o.urls.get(i));
                    m.put("heap_before_mb", heapBefore[i] < 0 ? null : Report.round(heapBefore[i] / 1048576.0, 1));
                    m.put("heap_after_mb", heap < 0 ? null : Report.round(heap / 1048576.0, 1));
                    if (conns > 0 && heap >= 0 && heapBefore[i] >= 0) {
                        m.put("heap_per_conn_kib", Report.round((heap - heapBefore[i]) / conns / 1024.0, 2));
                    }
                }
                inst.add(m);
            }
            held.put("instances", inst);
            Bench.log("closing connections ...");
            pool.closeAll(30_000);
        }
        return rep;
    }
}
