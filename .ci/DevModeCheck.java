import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of .ci/dev-mode-check.sh, run as {@code java .ci/DevModeCheck.java ...} (a JDK is all it
 * needs). Talks to a running {@code ./mvnw quarkus:dev} like a user would:
 * <pre>
 * java DevModeCheck.java free-port                                  # prints a free TCP port
 * java DevModeCheck.java probe-source PROBE.java ANSWER             # writes the probe resource
 * java DevModeCheck.java wait-ready http://127.0.0.1:PORT PID SECS LOG  # until /q/health/ready is UP; exit 1 if
 *                                                                      # PID ends or LOG says the start failed
 * java DevModeCheck.java check http://127.0.0.1:PORT PROBE.java LOG # the checks, exit 1 on the first failure
 * </pre>
 * The probe is a JAX-RS resource ({@code GET /dev-mode-probe}) the script adds to its temporary copy before
 * dev mode starts; editing it is the Java change whose answer must show at the next request.
 */
public class DevModeCheck {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90); // a reload answers the request that triggered it
    static final Duration FRAME_TIMEOUT = Duration.ofSeconds(20);
    static final long MAX_RELOAD_MS = Long.getLong("maxReloadMs", 3000);
    static final String ROOM = "dev-check";
    /** Dev mode looks for changed files at most every 2 s (VertxHttpHotReplacementSetup), on an HTTP request. */
    static final long SCAN_INTERVAL_MS = 2000;
    static volatile long lastRequestNanos = System.nanoTime();

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "free-port" -> {
                try (ServerSocket s = new ServerSocket(0)) {
                    System.out.println(s.getLocalPort());
                }
            }
            case "probe-source" -> Files.writeString(Path.of(args[1]), probeSource(args[2]));
            case "wait-ready" -> System.exit(waitReady(URI.create(args[1]), Long.parseLong(args[2]), Long.parseLong(args[3]),
                    Path.of(args[4])));
            case "check" -> {
                try {
                    check(URI.create(args[1]), Path.of(args[2]), Path.of(args[3]));
                } catch (CheckFailed e) {
                    System.err.println("dev-mode check FAILED: " + e.getMessage());
                    System.exit(1);
                }
            }
            default -> {
                System.err.println("usage: DevModeCheck free-port | probe-source FILE ANSWER | wait-ready BASE_URL PID SECONDS LOG | check BASE_URL PROBE_FILE LOG");
                System.exit(2);
            }
        }
    }

    static String probeSource(String answer) {
        return """
                package dev.roomcast.devcheck;

                import jakarta.ws.rs.GET;
                import jakarta.ws.rs.Path;
                import jakarta.ws.rs.Produces;
                import jakarta.ws.rs.core.MediaType;

                /** Added by .ci/dev-mode-check.sh to its temporary copy: the Java change that live reload must pick up. */
                @Path("/dev-mode-probe")
                public class DevModeProbe {
                    @GET
                    @Produces(MediaType.TEXT_PLAIN)
                    public String answer() {
                        return "%s";
                    }
                }
                """.formatted(answer);
    }

    /**
     * 0 once {@code /q/health/ready} answers 200; 1 when the process ends first, the time is up, or the log says
     * the application failed to start (dev mode then stays up with an error page, waiting for a fix).
     */
    static int waitReady(URI base, long pid, long seconds, Path log) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                System.err.println("dev-mode check: dev mode (pid " + pid + ") exited before it was ready");
                return 1;
            }
            if (Files.exists(log) && readLog(log).contains("Failed to start quarkus")) {
                System.err.println("dev-mode check: the application failed to start in dev mode");
                return 1;
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return 0;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        System.err.println("dev-mode check: dev mode was not ready within " + seconds + " s");
        return 1;
    }

    static void check(URI base, Path probe, Path log) throws Exception {
        // 1. What the README promises: the demo page, health, metrics, the Dev UI, the WebSocket.
        HttpResponse<String> page = get(base, "/");
        expect(page, 200, "<html", "GET /");
        demoPageAssets(base, page.body());
        // The demo page imports roomcast-client, which the build copies from clients/js/src (pom.xml).
        expect(get(base, "/roomcast-client/index.js"), 200, "export class Roomcast", "GET /roomcast-client/index.js");
        expect(get(base, "/q/health"), 200, "\"UP\"", "GET /q/health");
        expect(get(base, "/q/health/ready"), 200, "\"UP\"", "GET /q/health/ready");
        lastRequestNanos = System.nanoTime();
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(base.resolve("/q/metrics"))
                .header("Accept", "text/plain").timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        expect(metrics, 200, "roomcast_connections", "GET /q/metrics");
        expect(get(base, "/q/dev-ui/"), 200, "<html", "GET /q/dev-ui/");
        expect(get(base, "/dev-mode-probe"), 200, "probe-1", "GET /dev-mode-probe before the change");
        ok("/ (and its scripts), /roomcast-client/index.js, /q/health, /q/health/ready, /q/metrics, /q/dev-ui/ and /dev-mode-probe answer");

        // 2. A first reload without clients: the first one after the start is the slowest (cold JIT).
        long first = reload(base, probe, "probe-2");

        // 3. Three WebSocket clients, each joined to the room (the first one is the check's "open a WebSocket,
        // join a room and get its ack").
        List<Client> clients = new ArrayList<>();
        String epoch = null;
        String offset = null;
        for (int i = 0; i < 3; i++) {
            Client c = Client.open(base, "dev-check-" + i);
            String ack = c.join(ROOM, "j" + i, null, null);
            epoch = field(ack, "epoch");
            offset = field(ack, "offset");
            clients.add(c);
        }
        ok("3 WebSocket clients connected to /ws, each joined " + ROOM + " and got its ack (epoch " + epoch
                + ", offset " + offset + ")");

        // 4. The Java change, seen at the next request with the clients connected; the reload closes them with
        // 1012 (service restart), which clients treat as "reconnect".
        long withClients = reload(base, probe, "probe-3");
        for (Client c : clients) {
            int code = c.awaitClose();
            if (code != 1012) {
                throw new CheckFailed(c.user + " was closed with " + code + " by the reload, expected 1012 (service restart)");
            }
        }
        ok("the reload closed the 3 connections with 1012 (service restart)");

        // 5. A client reconnects after the reload and re-joins its room with since/epoch, as the demo page does
        // (in memory the reload started a new history: recovered false, a new epoch).
        Client again = Client.open(base, "dev-check-0");
        String ack = again.join(ROOM, "r1", offset, epoch);
        ok("a client reconnected after the reload and re-joined with since/epoch: " + ack);
        again.close();
        again.awaitClose();

        // 6. The same reload without any client, for comparison.
        long withoutClients = reload(base, probe, "probe-4");

        // What the clients cost the reload: the drain that closed them, as the application logged it.
        long drainMs = drainOfThreeConnections(log);
        System.out.printf("dev-mode check: reload times: first %d ms; with 3 WebSocket clients connected %d ms, of which "
                + "%d ms closing them; without clients %d ms (target %d ms)%n", first, withClients, drainMs,
                withoutClients, MAX_RELOAD_MS);
        if (drainMs >= 1000) {
            throw new CheckFailed("closing the 3 WebSocket clients took " + drainMs + " ms of the reload (limit 1000 ms):"
                    + " does dev mode wait the drain window?");
        }
        if (withClients >= MAX_RELOAD_MS) {
            // A loaded machine makes every reload slow; the clients are not the cause when the drain was quick
            // and a reload without them is as slow. Only a gross difference fails.
            if (withClients > 2 * withoutClients + 1000) {
                throw new CheckFailed("the reload with 3 WebSocket clients took " + withClients + " ms, target "
                        + MAX_RELOAD_MS + " ms, without clients " + withoutClients + " ms");
            }
            System.out.printf("dev-mode check: WARNING: the reloads took longer than the %d ms target on this machine "
                    + "(with clients %d ms, without %d ms; the clients cost %d ms): a loaded machine?%n", MAX_RELOAD_MS,
                    withClients, withoutClients, drainMs);
        }
    }

    private static final Pattern DRAINED = Pattern.compile("closing 3 connections with 1012.*?\\n.*?drained in (\\d+) ms",
            Pattern.DOTALL);

    /** The log as Latin-1: any bytes read, whatever Maven or the JVM wrote. */
    static String readLog(Path log) throws IOException {
        return new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The duration the application logged for the drain of the 3 clients ({@code node.Drain}). */
    static long drainOfThreeConnections(Path log) throws IOException {
        Matcher m = DRAINED.matcher(readLog(log));
        if (!m.find()) {
            throw new CheckFailed("the dev-mode log has no drain of the 3 connections (\"closing 3 connections with 1012\" "
                    + "followed by \"drained in N ms\")");
        }
        return Long.parseLong(m.group(1));
    }

    private static final Pattern SCRIPT_SRC = Pattern.compile("<script[^>]*\\ssrc=\"([^\"]+)\"");
    private static final Pattern RELATIVE_IMPORT = Pattern.compile("(?m)^\\s*import\\b[^;]*?from\\s*['\"](\\./[^'\"]+)['\"]");

    /** The demo page's scripts and the modules they import (one level) are served too, not only the HTML. */
    static void demoPageAssets(URI base, String html) throws IOException, InterruptedException {
        Matcher scripts = SCRIPT_SRC.matcher(html);
        while (scripts.find()) {
            URI script = base.resolve("/").resolve(scripts.group(1));
            HttpResponse<String> js = get(script);
            expect(js, 200, "", "GET " + script.getPath() + " (a script of the demo page)");
            Matcher imports = RELATIVE_IMPORT.matcher(js.body());
            while (imports.find()) {
                URI module = script.resolve(imports.group(1));
                expect(get(module), 200, "", "GET " + module.getPath() + " (imported by " + script.getPath() + ")");
            }
        }
    }

    /** Edits the probe, then measures the next request: it triggers the reload and answers after it. */
    static long reload(URI base, Path probe, String answer) throws Exception {
        Files.writeString(probe, probeSource(answer));
        // Dev mode compares modification times; make sure this edit is newer than the last one, whatever the
        // file system's timestamp resolution.
        Files.setLastModifiedTime(probe, FileTime.from(Instant.now().plusSeconds(1)));
        // A request within 2 s of the previous scan is served without looking for changes: wait that out, as a
        // user who edits a file between two requests does.
        long scanAllowed = lastRequestNanos + TimeUnit.MILLISECONDS.toNanos(SCAN_INTERVAL_MS + 200);
        while (System.nanoTime() < scanAllowed) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(scanAllowed - System.nanoTime())));
        }
        long start = System.nanoTime();
        HttpResponse<String> r = get(base, "/dev-mode-probe");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        expect(r, 200, answer, "GET /dev-mode-probe after the change to \"" + answer + "\" (no restart)");
        ok("the Java change to \"" + answer + "\" was live at the next request, after " + ms + " ms");
        return ms;
    }

    static HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        return get(base.resolve(path));
    }

    static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        lastRequestNanos = System.nanoTime();
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void expect(HttpResponse<String> r, int status, String contains, String what) {
        if (r.statusCode() != status || !r.body().contains(contains)) {
            String body = r.body().length() > 500 ? r.body().substring(0, 500) + "…" : r.body();
            throw new CheckFailed(what + ": expected " + status + " with \"" + contains + "\", got " + r.statusCode()
                    + ": " + body);
        }
    }

    static void ok(String what) {
        System.out.println("dev-mode check: OK " + what);
    }

    /** A string or null field of a flat JSON frame (enough for acks; the check has no JSON library). */
    static String field(String frame, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(null|\"([^\"]*)\")").matcher(frame);
        return m.find() ? m.group(2) : null;
    }

    static final class CheckFailed extends RuntimeException {
        CheckFailed(String message) {
            super(message);
        }
    }

    /** A WebSocket client on java.net.http: frames in a queue, the close code in a future. */
    static final class Client implements WebSocket.Listener {
        final String user;
        final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        Client(String user) {
            this.user = user;
        }

        static Client open(URI base, String user) throws Exception {
            Client c = new Client(user);
            URI uri = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws?user=" + user);
            try {
                lastRequestNanos = System.nanoTime();
                c.ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, c)
                        .get(FRAME_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new CheckFailed("WebSocket upgrade to " + uri + " failed: " + e);
            }
            String welcome = c.next("welcome");
            if (!welcome.contains("\"type\":\"welcome\"")) {
                throw new CheckFailed(user + ": expected a welcome frame first, got " + welcome);
            }
            return c;
        }

        String join(String room, String id, String since, String epoch) throws InterruptedException {
            String frame = "{\"type\":\"join\",\"room\":\"" + room + "\",\"id\":\"" + id + "\""
                    + (since != null && epoch != null ? ",\"since\":\"" + since + "\",\"epoch\":\"" + epoch + "\"" : "")
                    + "}";
            ws.sendText(frame, true);
            long deadline = System.nanoTime() + FRAME_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String f = next("the ack of " + frame);
                if (f.contains("\"type\":\"ack\"") && f.contains("\"id\":\"" + id + "\"")) {
                    if (!f.contains("\"room\":\"" + room + "\"") || !f.contains("\"epoch\":")) {
                        throw new CheckFailed(user + ": malformed join ack " + f);
                    }
                    return f;
                }
                if (f.contains("\"type\":\"error\"")) {
                    throw new CheckFailed(user + ": " + frame + " was answered with " + f);
                }
            }
            throw new CheckFailed(user + ": no ack for " + frame);
        }

        String next(String what) throws InterruptedException {
            String f = frames.poll(FRAME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new CheckFailed(user + ": no frame within " + FRAME_TIMEOUT.toSeconds() + " s while waiting for "
                        + what + (closed.isDone() ? " (closed with " + closed.join() + ")" : ""));
            }
            return f;
        }

        int awaitClose() throws Exception {
            try {
                return closed.get(FRAME_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new CheckFailed(user + ": the connection was not closed within " + FRAME_TIMEOUT.toSeconds() + " s");
            }
        }

        void close() {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(1006);
        }
    }

}
