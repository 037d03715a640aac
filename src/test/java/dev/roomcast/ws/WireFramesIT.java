package dev.roomcast.ws;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The frames on the wire, byte for byte, for a fixed script of client frames and API calls, compared with
 * the transcript recorded from the code before the package refactoring (src/test/resources/wire/*.txt).
 * Values that differ from run to run (connection and node ids, timestamps, offsets, epochs) are replaced by
 * placeholders numbered in a stable order; everything else — field order, escaping, numbers, whitespace — must
 * be identical. Frames of one step are sorted, since delivery order across a step's recipients (and, with Redis,
 * between an ack and the publisher's own message) is not part of the protocol.
 * <p>
 * {@code -Dwire.record=true} rewrites the transcripts instead of comparing (only when the protocol changes on
 * purpose, with docs/protocol.md).
 */
class WireFramesIT {

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void memoryBackendFramesAreUnchanged() {
        try (AppInstance node = AppInstance.builder().name("wire-memory").start()) {
            check("memory", new Script(node).run());
        }
    }

    @Test
    void redisBackendFramesAreUnchanged() {
        try (RedisServer redis = RedisServer.start();
             AppInstance node = AppInstance.builder().name("wire-redis").config("quarkus.redis.hosts", redis.uri()).start()) {
            check("redis", new Script(node).run());
        }
    }

    private static void check(String backend, String transcript) {
        Path file = Path.of(System.getProperty("basedir", "")).toAbsolutePath()
                .resolve("src/test/resources/wire/" + backend + ".txt");
        try {
            if (Boolean.getBoolean("wire.record")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, transcript, StandardCharsets.UTF_8);
                return;
            }
            assertThat(transcript).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One run of the fixed inputs against one node; collects what each client and the API saw. */
    private static final class Script {
        private final AppInstance node;
        private final Map<String, WsClient> clients = new LinkedHashMap<>();
        private final Map<String, Integer> seen = new LinkedHashMap<>();
        private final List<List<String>> steps = new ArrayList<>();
        private final List<String> stepNames = new ArrayList<>();
        private List<String> http = new ArrayList<>();

        Script(AppInstance node) {
            this.node = node;
        }

        String run() {
            try {
                connect("alice");
                connect("bob");
                step("alice joins", Map.of("alice", 2), () -> send("alice", "{\"type\":\"join\",\"room\":\"wire\",\"id\":\"j1\"}"));
                step("bob joins", Map.of("alice", 1, "bob", 2), () -> send("bob", "{\"type\":\"join\",\"room\":\"wire\",\"id\":\"j2\"}"));
                step("publish with id", Map.of("alice", 2, "bob", 1), () -> send("alice",
                        "{\"type\":\"publish\",\"room\":\"wire\",\"id\":\"p1\",\"data\":{\"text\":\"hi \\\"q\\\" \u00e9 \u2713\",\"n\":[1,2.50,null,-0.0,1e3],\"o\":{\"a\":[]}}}"));
                String firstOffset = lastFrame("bob").replaceAll(".*\"offset\":\"([^\"]+)\".*", "$1");
                String epoch = lastFrame("bob").replaceAll(".*\"epoch\":\"([^\"]+)\".*", "$1");
                step("publish without id", Map.of("alice", 1, "bob", 1), () -> send("alice",
                        "{\"type\":\"publish\",\"room\":\"wire\",\"data\":\"plain\"}"));
                step("send", Map.of("alice", 1, "bob", 1), () -> send("bob",
                        "{\"type\":\"send\",\"to\":\"alice\",\"id\":\"s1\",\"data\":{\"dm\":true}}"));
                step("send to self without id", Map.of("bob", 1), () -> send("bob", "{\"type\":\"send\",\"to\":\"bob\",\"data\":42}"));
                step("presence", Map.of("alice", 1), () -> send("alice", "{\"type\":\"presence\",\"room\":\"wire\",\"id\":\"pr1\"}"));
                step("ping", Map.of("alice", 2), () -> {
                    send("alice", "{\"type\":\"ping\",\"id\":\"pg1\"}");
                    send("alice", "{\"type\":\"ping\"}");
                });
                List<String> bad = List.of(
                        "{\"type\":\"nope\",\"id\":\"e1\"}",
                        "not json",
                        "[1,2]",
                        "{\"id\":\"e2\"}",
                        "{\"type\":\"join\",\"id\":\"e3\"}",
                        "{\"type\":\"join\",\"room\":\"bad room!\",\"id\":\"e4\"}",
                        "{\"type\":\"leave\",\"room\":\"other\",\"id\":\"e5\"}",
                        "{\"type\":\"publish\",\"room\":\"other\",\"data\":1,\"id\":\"e6\"}",
                        "{\"type\":\"publish\",\"room\":\"wire\",\"id\":\"e7\"}",
                        "{\"type\":\"send\",\"to\":\"bad user!\",\"data\":1,\"id\":\"e8\"}",
                        "{\"type\":\"send\",\"data\":1,\"id\":\"e9\"}",
                        "{\"type\":\"join\",\"room\":\"r2\",\"since\":\"x\",\"epoch\":\"e\",\"id\":\"e10\"}",
                        "{\"type\":\"join\",\"room\":\"r2\",\"since\":\"1\",\"id\":\"e11\"}",
                        "{\"type\":\"presence\",\"id\":\"e12\"}");
                for (String frame : bad) {
                    step("refused " + frame, Map.of("alice", 1), () -> send("alice", frame));
                }
                step("join again", Map.of("alice", 1), () -> send("alice", "{\"type\":\"join\",\"room\":\"wire\",\"id\":\"j3\"}"));
                step("bob leaves", Map.of("alice", 1, "bob", 1), () -> send("bob", "{\"type\":\"leave\",\"room\":\"wire\",\"id\":\"l1\"}"));
                step("bob recovers", Map.of("alice", 1, "bob", 3), () -> send("bob", "{\"type\":\"join\",\"room\":\"wire\",\"since\":\""
                        + firstOffset + "\",\"epoch\":\"" + epoch + "\",\"id\":\"j4\"}"));
                step("bob leaves without id", Map.of("alice", 1, "bob", 1), () -> send("bob", "{\"type\":\"leave\",\"room\":\"wire\"}"));
                step("bob recovers from another epoch", Map.of("alice", 1, "bob", 2), () -> send("bob",
                        "{\"type\":\"join\",\"room\":\"wire\",\"since\":\"" + firstOffset + "\",\"epoch\":\"other\",\"id\":\"j5\"}"));
                step("quiet join", Map.of("bob", 1), () -> send("bob", "{\"type\":\"join\",\"room\":\"quiet\",\"presence\":false,\"id\":\"j6\"}"));
                step("api publish", Map.of("alice", 1, "bob", 1), () -> api("POST", "/api/rooms/wire/messages?from=backend", "{\"x\": 1}"));
                step("api publish without from", Map.of("alice", 1, "bob", 1), () -> api("POST", "/api/rooms/wire/messages", "\"s\""));
                step("api send", Map.of("bob", 1), () -> api("POST", "/api/users/bob/messages?from=svc", "[1, 2]"));
                step("api presence", Map.of(), () -> api("GET", "/api/rooms/wire/presence", null));
                step("api refused", Map.of(), () -> {
                    api("POST", "/api/rooms/bad%20room/messages", "1");
                    api("POST", "/api/users/bad%20user/messages", "1");
                    api("POST", "/api/rooms/wire/messages?from=bad%20user", "1");
                    api("GET", "/api/rooms/bad%20room/presence", null);
                });
                return normalize(transcript());
            } finally {
                clients.values().forEach(WsClient::close);
            }
        }

        private void connect(String user) {
            step("connect " + user, Map.of(user, 1), () -> clients.put(user, WsClient.connect(node.wsUrl("user=" + user))));
        }

        private void send(String user, String frame) {
            clients.get(user).send(frame);
        }

        private String lastFrame(String user) {
            List<String> raw = clients.get(user).rawFrames();
            return raw.get(raw.size() - 1);
        }

        private void api(String method, String path, String body) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
                    .timeout(Duration.ofSeconds(10));
            request = body == null ? request.GET()
                    : request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            try {
                HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                http.add("http " + method + " " + path + " -> " + r.statusCode() + " "
                        + r.headers().firstValue("Content-Type").orElse("-") + " " + r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Runs {@code action}, waits for exactly the frames each client should get, and records them. */
        private void step(String name, Map<String, Integer> expected, Runnable action) {
            http = new ArrayList<>();
            action.run();
            List<String> lines = new ArrayList<>();
            for (Map.Entry<String, Integer> e : expected.entrySet()) {
                String user = e.getKey();
                int from = seen.getOrDefault(user, 0);
                int to = from + e.getValue();
                await().atMost(STEP_TIMEOUT).until(() -> clients.get(user).rawFrames().size() >= to);
                for (String f : clients.get(user).rawFrames().subList(from, to)) {
                    lines.add(user + " < " + f);
                }
                seen.put(user, to);
            }
            lines.addAll(http);
            lines.sort(Comparator.naturalOrder());
            stepNames.add(name);
            steps.add(lines);
        }

        private String transcript() {
            // Frames a client got beyond what the steps expected show up as a step of their own.
            List<String> extra = new ArrayList<>();
            clients.forEach((user, c) -> {
                List<String> raw = c.rawFrames();
                for (String f : raw.subList(seen.getOrDefault(user, 0), raw.size())) {
                    extra.add(user + " < " + f);
                }
            });
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < steps.size(); i++) {
                sb.append("## ").append(stepNames.get(i)).append('\n');
                steps.get(i).forEach(l -> sb.append(l).append('\n'));
            }
            if (!extra.isEmpty()) {
                sb.append("## unexpected\n");
                extra.forEach(l -> sb.append(l).append('\n'));
            }
            return sb.toString();
        }
    }

    private static final Pattern OFFSET = Pattern.compile("\"offset\":\"([0-9-]+)\"");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":\"([^\"]+)\"");

    /** Replaces the values that change from run to run by numbered placeholders. */
    static String normalize(String transcript) {
        String t = transcript
                .replaceAll("\"connection\":\"[^\"]+\"", "\"connection\":\"<connection>\"")
                .replaceAll("\"node\":\"[^\"]+\"", "\"node\":\"<node>\"")
                .replaceAll("\"ts\":[0-9]+", "\"ts\":<ts>");
        // Offsets numbered in their order (memory: 1, 2…; Redis: stream ids), epochs by first appearance.
        List<String> offsets = new ArrayList<>();
        Matcher m = OFFSET.matcher(t);
        while (m.find()) {
            if (!offsets.contains(m.group(1))) {
                offsets.add(m.group(1));
            }
        }
        offsets.sort(WireFramesIT::compareOffsets);
        t = replaceAll(t, OFFSET, v -> "\"offset\":\"<offset" + (offsets.indexOf(v) + 1) + ">\"");
        List<String> epochs = new ArrayList<>();
        m = EPOCH.matcher(t);
        while (m.find()) {
            if (!epochs.contains(m.group(1))) {
                epochs.add(m.group(1));
            }
        }
        return replaceAll(t, EPOCH, v -> "\"epoch\":\"<epoch" + (epochs.indexOf(v) + 1) + ">\"");
    }

    private static String replaceAll(String text, Pattern p, java.util.function.Function<String, String> by) {
        Matcher m = p.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(by.apply(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static int compareOffsets(String a, String b) {
        long[] x = pair(a), y = pair(b);
        return x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]);
    }

    private static long[] pair(String s) {
        int dash = s.indexOf('-');
        return dash < 0 ? new long[] {Long.parseLong(s), 0}
                : new long[] {Long.parseLong(s.substring(0, dash)), Long.parseLong(s.substring(dash + 1))};
    }
}
