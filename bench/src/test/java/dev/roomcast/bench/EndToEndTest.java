package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs each mode of the bench against {@link MockServer} (two "instances" = two ports). */
class EndToEndTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> section(Report r, String name) {
        return (Map<String, Object>) r.root.get(name);
    }

    @Test
    void fanoutCountsEveryDeliveryAndMeasuresTheServer() throws Exception {
        try (MockServer a = new MockServer()) {
            String pid = Long.toString(ProcessHandle.current().pid());
            // the same mock under two URLs (two spellings of the loopback address): connections alternate between them
            Options o = Options.parse("--urls", "ws://127.0.0.1:" + a.port() + "/ws,ws://localhost:" + a.port() + "/ws",
                    "--subscribers", "60", "--rooms", "6", "--rooms-per-sub", "2", "--publishers", "4", "--rate", "300",
                    "--warmup", "500ms", "--duration", "1500ms", "--drain", "2s", "--pids", pid + "," + pid);
            Report r = FanoutRun.run(o);
            r.print(System.out);
            System.out.println(r.json());
            assertNull(r.root.get("error"));
            Map<String, Object> d = section(r, "delivery");
            // 300/s * 1.5 s = 450 measured publishes, 6 rooms x 20 members each
            assertEquals(450L, d.get("published_measured"));
            assertEquals(450L * 20, d.get("expected"));
            assertEquals(d.get("expected"), d.get("delivered"));
            assertEquals(0L, d.get("loss"));
            assertEquals(0L, d.get("duplicates"));
            assertEquals(0L, d.get("unexpected"));
            assertEquals(0L, d.get("misrouted"));
            // 4 publishers share 6 rooms (two per room): their interleaving is free, so no order is checked
            assertEquals("clean", r.root.get("verdict"));
            assertEquals("epoll", section(r, "scenario").get("client_transport"));
            assertEquals(64L, section(r, "scenario").get("frame_tap_connections")); // every subscriber and publisher
            assertTrue((Long) section(r, "server").get("bench_messages") > 0);
            assertTrue(section(r, "server").containsKey("bench_cpu_us_per_message"));
            assertTrue((Long) section(r, "latency_ms").get("count") == 9000L);
            assertTrue(section(r, "server").containsKey("cpu_us_per_delivery"));
            assertEquals(2, ((java.util.List<?>) section(r, "server").get("cpu_us_per_delivery_user_sys")).size());
            assertEquals(60, section(r, "setup").get("subscribers_ready"));
        }
    }

    @Test
    void lossAndDuplicatesAreDetected() throws Exception {
        try (MockServer a = new MockServer()) {
            a.dropEvery = 50;
            a.duplicateEvery = 70;
            Options o = Options.parse("--urls", "ws://127.0.0.1:" + a.port() + "/ws", "--subscribers", "30",
                    "--rooms", "3", "--publishers", "2", "--rate", "200", "--warmup", "0s", "--duration", "1s",
                    "--drain", "1s");
            Report r = FanoutRun.run(o);
            Map<String, Object> d = section(r, "delivery");
            long expected = (Long) d.get("expected");
            long loss = (Long) d.get("loss");
            assertEquals(200L * 10, expected);
            assertTrue(loss > 0, "loss " + loss);
            assertEquals(loss, (Long) d.get("subscribers_with_loss") > 0 ? loss : -1);
            assertTrue((Long) d.get("duplicates") > 0);
            assertEquals(expected - loss, d.get("delivered"));
        }
    }

    @Test
    void connectionsRefusedWith503Or1013DuringSetupAreOpenedAgain() throws Exception {
        try (MockServer a = new MockServer()) {
            a.refuseNext.set(5);
            a.rejectNext.set(3);
            Options o = Options.parse("--urls", "ws://127.0.0.1:" + a.port() + "/ws", "--subscribers", "20",
                    "--rooms", "4", "--publishers", "2", "--rate", "100", "--warmup", "0s", "--duration", "500ms",
                    "--drain", "2s");
            Report r = FanoutRun.run(o);
            assertEquals(20, section(r, "setup").get("subscribers_ready"));
            assertEquals(8L, section(r, "setup").get("reconnects"));
            assertEquals(0, section(r, "setup").get("connect_failures"));
            assertEquals("clean", r.root.get("verdict"));
        }
    }

    @Test
    void reorderingIsDetected() throws Exception {
        try (MockServer a = new MockServer()) {
            a.reorderEvery = 10; // every 10th publish of a room arrives after the 11th
            Options o = Options.parse("--urls", "ws://127.0.0.1:" + a.port() + "/ws", "--subscribers", "20",
                    "--rooms", "4", "--publishers", "2", "--rate", "200", "--warmup", "0s", "--duration", "1s",
                    "--drain", "1s");
            Report r = FanoutRun.run(o);
            Map<String, Object> d = section(r, "delivery");
            assertTrue((Long) d.get("out_of_order") > 0, d.toString());
            assertEquals(0L, d.get("duplicates"));
            assertTrue(String.valueOf(r.root.get("verdict")).contains("out of order"), String.valueOf(r.root.get("verdict")));
        }
    }

    @Test
    void theVertxFramePathCountsTheSame() throws Exception {
        try (MockServer a = new MockServer()) {
            Options o = Options.parse("--urls", "ws://127.0.0.1:" + a.port() + "/ws", "--subscribers", "20",
                    "--rooms", "4", "--publishers", "2", "--rate", "200", "--warmup", "0s", "--duration", "1s",
                    "--drain", "2s", "--vertx-frames", "--nio");
            Report r = FanoutRun.run(o);
            Map<String, Object> d = section(r, "delivery");
            assertEquals(d.get("expected"), d.get("delivered"));
            assertEquals(0L, d.get("out_of_order"));
            assertEquals("nio", section(r, "scenario").get("client_transport"));
            assertEquals(0L, section(r, "scenario").get("frame_tap_connections"));
            assertEquals("clean", r.root.get("verdict"));
        }
    }

    @Test
    void churnAndIdleModes() throws Exception {
        try (MockServer a = new MockServer()) {
            String url = "ws://127.0.0.1:" + a.port() + "/ws";
            Report c = ChurnRun.run(Options.parse("--mode", "churn", "--urls", url, "--concurrency", "8",
                    "--rooms", "4", "--rooms-per-sub", "2", "--warmup", "200ms", "--duration", "1s"));
            c.print(System.out);
            Map<String, Object> ch = section(c, "churn");
            assertTrue((Long) ch.get("cycles") > 10, ch.toString());
            assertEquals(2 * (Long) ch.get("cycles"), (Long) ch.get("joins"), 2 * 8.0);
            assertEquals(0L, ch.get("connect_failures"));

            Report i = IdleRun.run(Options.parse("--mode", "idle", "--urls", url, "--subscribers", "200",
                    "--rooms", "10", "--rooms-per-sub", "2", "--hold", "200ms", "--no-heap",
                    "--pids", Long.toString(ProcessHandle.current().pid())));
            i.print(System.out);
            assertEquals(200, section(i, "setup").get("ready"));
            assertEquals(200L, section(i, "held").get("open_at_end"));
        }
    }

    @Test
    void socketIoProtocolMode() throws Exception {
        try (MockSocketIoServer a = new MockSocketIoServer()) {
            String pid = Long.toString(ProcessHandle.current().pid());
            Options o = Options.parse("--protocol", "socketio", "--urls", "ws://127.0.0.1:" + a.port() + "/socket.io/",
                    "--subscribers", "40", "--rooms", "4", "--publishers", "2", "--rate", "200", "--warmup", "200ms",
                    "--duration", "1s", "--drain", "2s", "--pids", pid, "--alloc-pids", pid);
            Report r = FanoutRun.run(o);
            r.print(System.out);
            Map<String, Object> d = section(r, "delivery");
            assertEquals(0, a.badQueries.get());
            assertEquals(42, a.pongs.get()); // every connection answered the ping after its connect
            assertEquals(42L, d.get("engine_io_pings"));
            assertEquals(200L * 10, d.get("expected"));
            assertEquals(d.get("expected"), d.get("delivered"));
            assertEquals("clean", r.root.get("verdict"));
            assertEquals("socketio", section(r, "scenario").get("protocol"));
            // this JVM allocates while it runs the bench: the per-thread counters were read at both ends
            assertTrue(((Number) section(r, "server").get("alloc_bytes_per_delivery")).doubleValue() > 0, section(r, "server").toString());

            Report i = IdleRun.run(Options.parse("--mode", "idle", "--protocol", "socketio", "--urls",
                    "ws://127.0.0.1:" + a.port() + "/socket.io/", "--subscribers", "50", "--rooms", "5", "--hold", "100ms",
                    "--no-heap", "--pids", pid));
            assertEquals(50, section(i, "setup").get("ready"));
            assertEquals(0L, section(i, "setup").get("join_retries"));
        }
    }
}
