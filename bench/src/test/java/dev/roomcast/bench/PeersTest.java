package dev.roomcast.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Node peers of bench/compare.sh serve the generator's scenario across two processes on one Redis, each in its
 * protocol: a real redis-server on a free port, two processes of each peer, a fan-out in which every member gets
 * every message whichever process its publisher is on. Needs node and bench/peers/node_modules ({@code npm ci} in
 * bench/peers; compare.sh does it) and redis-server on the PATH.
 */
class PeersTest {
    private static final Path PEERS = Path.of("peers").toAbsolutePath();
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
        }
        for (Process p : started) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void wsPeerSpeaksRoomcastsProtocolAcrossTwoProcesses() throws Exception {
        fanout("ws-server.js", "/ws", "roomcast");
    }

    @Test
    void socketIoPeerAcrossTwoProcesses() throws Exception {
        fanout("socketio-server.js", "/socket.io/", "socketio");
    }

    private void fanout(String script, String path, String protocol) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(PEERS.resolve("node_modules")), "npm ci in bench/peers first");
        Assumptions.assumeTrue(onPath("node") && onPath("redis-server"), "node and redis-server on the PATH");
        int redis = freePort();
        start(List.of("redis-server", "--port", Integer.toString(redis), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"), Map.of());
        awaitPort(redis);
        int[] ports = {freePort(), freePort()};
        List<String> pids = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        for (int port : ports) {
            Process p = start(List.of("node", PEERS.resolve(script).toString()),
                    Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "REDIS_URL", "redis://127.0.0.1:" + redis));
            pids.add(Long.toString(p.pid()));
            urls.add("ws://127.0.0.1:" + port + path);
        }
        for (int port : ports) {
            awaitReady(port);
        }
        Options o = Options.parse("--protocol", protocol, "--urls", String.join(",", urls), "--pids", String.join(",", pids),
                "--subscribers", "40", "--rooms", "4", "--publishers", "4", "--rate", "100", "--warmup", "500ms",
                "--duration", "2s", "--drain", "3s", "--no-presence-events");
        Report r = FanoutRun.run(o);
        r.print(System.out);
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) r.root.get("delivery");
        assertEquals(200L * 10, d.get("expected"));
        assertEquals(d.get("expected"), d.get("delivered"));
        assertEquals("clean", r.root.get("verdict"));
        @SuppressWarnings("unchecked")
        Map<String, Object> server = (Map<String, Object>) r.root.get("server");
        assertTrue(((Number) server.get("cpu_s_total")).doubleValue() > 0, server.toString());
    }

    private Process start(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(new File("target/peers-test-" + started.size() + "-" + Path.of(cmd.get(cmd.size() > 1 && cmd.get(0).equals("node") ? 1 : 0)).getFileName() + ".log")));
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listens on " + port + " after 30 s");
    }

    private static void awaitReady(int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1) // no h2c upgrade: Node would take it for a WebSocket
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("peer on " + port + " not ready after 60 s");
    }
}
