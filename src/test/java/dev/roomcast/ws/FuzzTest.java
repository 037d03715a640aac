package dev.roomcast.ws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.hub.Hub;
import dev.roomcast.presence.Presence;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fuzz: at least 10,000 random and mutated frames (broken JSON, wrong types, huge numbers, deep nesting,
 * invalid UTF-8, lone surrogates, huge strings, binary frames) from several concurrent connections to a
 * running node, with a fixed seed (printed; {@code -Droomcast.fuzz.seed=N} replays a run).
 * <p>
 * After each fuzz frame the client sends a {@code ping} with a fresh id and reads up to its {@code pong}:
 * everything in between is the server's answer to the fuzz frame. Every frame must be answered (an
 * {@code error} with a documented code, or the reply of a valid request) or close the connection with a
 * documented code that fits the frame (1007 exactly for invalid UTF-8, 1009 exactly over the transport
 * limit); the only frames allowed to get no answer are valid {@code publish}/{@code send} without an id,
 * as the protocol says. Afterwards the node is ready and its registries are empty.
 */
@QuarkusTest
class FuzzTest {

    private static final long SEED = Long.getLong("roomcast.fuzz.seed", 6_2025L);
    private static final int FRAMES = Integer.getInteger("roomcast.fuzz.frames", 10_000);
    private static final int WORKERS = 16;
    private static final int TRANSPORT_MAX = 262144;
    /** Client-side pacing under the server's rate limit (100/s, burst 200), so that refusals stay out of the accounting. */
    private static final double FRAMES_PER_SECOND = 90;
    private static final int PACING_BURST = 180;
    private static final Set<String> ERROR_CODES = Arrays.stream(ErrorCode.values()).map(Enum::name)
            .filter(c -> !c.equals("internal")).collect(Collectors.toSet());
    private static final Set<String> ANSWERS = Set.of("ack", "error", "pong", "presence");
    private static final Set<String> PUSHES = Set.of("message", "direct", "joined", "left");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100_000).build()).build());

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    @Inject
    Presence presence;

    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();

    @Test
    void randomAndMutatedFramesAreAnsweredOrCloseWithADocumentedCode() throws Exception {
        System.out.printf("fuzz: seed %d (replay with -Droomcast.fuzz.seed=%d), %d frames over %d connections%n",
                SEED, SEED, FRAMES, WORKERS);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int worker = w;
            int frames = FRAMES / WORKERS + (w < FRAMES % WORKERS ? 1 : 0);
            workers.add(pool.submit(() -> {
                new Worker(worker, new Random(SEED * 31 + worker), frames).run();
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("fuzz: %d frames in %d ms: %s%n", total(), elapsed, new TreeMap<>(outcomes));
        assertThat(total()).isGreaterThanOrEqualTo(FRAMES);

        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
        assertThat(hub.roomCount()).as("rooms left in the registry").isZero();
        assertThat(hub.userCount()).as("users left in the registry").isZero();
        for (String room : rooms) {
            assertThat(presence.members(room).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .as("presence of %s", room).isEmpty();
        }
        given().when().get("/q/health/ready").then().statusCode(200);
        try (WsClient after = WsClient.connect(ws.toString().replaceFirst("^http", "ws") + "?user=after-fuzz")) {
            after.join("after-fuzz");
            after.request("{\"type\":\"publish\",\"room\":\"after-fuzz\",\"data\":1}");
            assertThat(after.awaitType("message").path("data").asInt()).isEqualTo(1);
        }
    }

    private int total() {
        return outcomes.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    /** One fuzzing connection (reopened after each close), frame after frame, paced under the rate limit. */
    private final class Worker {
        private final int id;
        private final Random rnd;
        private final int frames;
        private final Generator generator;
        private RawWsClient client;
        private double tokens = PACING_BURST;
        private long refilledAt = System.nanoTime();
        private int sentinel;

        Worker(int id, Random rnd, int frames) {
            this.id = id;
            this.rnd = rnd;
            this.frames = frames;
            this.generator = new Generator(rnd, "fz" + id);
        }

        void run() {
            try {
                for (int i = 0; i < frames; i++) {
                    if (client == null) {
                        client = RawWsClient.open(ws.toString().replaceFirst("^http", "ws") + "?user=fz" + id);
                    }
                    Fuzz fuzz = generator.next();
                    pace(2);
                    String outcome = exchange(fuzz);
                    count(outcome);
                }
            } finally {
                if (client != null) {
                    client.sendClose(1000);
                    client.readUntilClose(WsClient.TIMEOUT, f -> { });
                    client.close();
                }
            }
        }

        /** Sends the fuzz frame and a sentinel ping; classifies what came back in between. */
        private String exchange(Fuzz fuzz) {
            String ping = "z" + (++sentinel);
            try {
                client.sendFrame(fuzz.opcode(), true, fuzz.bytes());
                client.sendText("{\"type\":\"ping\",\"id\":\"" + ping + "\"}");
            } catch (UncheckedIOException closedWhileSending) {
                // the server refused the frame before it was complete; its close frame is read below
            }
            int answers = 0;
            while (true) {
                RawWsClient.Frame f = client.readMessage(WsClient.TIMEOUT);
                if (f.isClose()) {
                    int code = f.opcode() == RawWsClient.EOF ? 1006 : f.closeCode();
                    client.close();
                    client = null;
                    assertThat(code).as("close code for %s", fuzz).isEqualTo(expectedClose(fuzz));
                    return "closed " + code;
                }
                JsonNode reply = parse(f, fuzz);
                String type = reply.path("type").asText();
                if (type.equals("pong") && reply.path("id").asText().equals(ping)) {
                    break;
                }
                if (type.equals("error")) {
                    assertThat(ERROR_CODES).as("error code %s for %s", reply, fuzz).contains(reply.path("code").asText());
                } else if (!ANSWERS.contains(type) && !PUSHES.contains(type)) {
                    throw new AssertionError("unexpected frame " + reply + " for " + fuzz);
                }
                if (ANSWERS.contains(type)) {
                    answers++;
                    if (type.equals("error") && reply.path("code").asText().equals("rate_limited")) {
                        throw new AssertionError("paced under the limit, yet rate limited: " + reply);
                    }
                }
                if (reply.path("room").isTextual()) {
                    rooms.add(reply.path("room").asText());
                }
            }
            assertThat(expectedClose(fuzz)).as("no close for %s", fuzz).isZero();
            if (answers > 0) {
                return fuzz.kind() + " answered";
            }
            assertThat(silentlyValid(fuzz)).as("no answer to %s", fuzz).isTrue();
            return fuzz.kind() + " silent (publish/send without id)";
        }

        private void pace(int frames) {
            while (true) {
                long now = System.nanoTime();
                tokens = Math.min(PACING_BURST, tokens + (now - refilledAt) / 1e9 * FRAMES_PER_SECOND);
                refilledAt = now;
                if (tokens >= frames) {
                    tokens -= frames;
                    return;
                }
                // Pacing, not synchronization: stay under the server's rate limit.
                LockSupport.parkNanos((long) ((frames - tokens) / FRAMES_PER_SECOND * 1e9));
            }
        }
    }

    private static JsonNode parse(RawWsClient.Frame f, Fuzz fuzz) {
        assertThat(f.opcode()).as("server frame type after %s", fuzz).isEqualTo(RawWsClient.TEXT);
        try {
            JsonNode node = JSON.readTree(f.text());
            assertThat(node.isObject()).as("server frame %s", f).isTrue();
            return node;
        } catch (Exception e) {
            throw new AssertionError("the server sent invalid JSON after " + fuzz + ": " + f);
        }
    }

    /** The close a frame must cause: 1007 for invalid UTF-8 in a text frame, 1009 over the transport limit, else none. */
    static int expectedClose(Fuzz fuzz) {
        if (fuzz.bytes().length > TRANSPORT_MAX) {
            return 1009;
        }
        if (fuzz.opcode() == RawWsClient.TEXT && !validUtf8(fuzz.bytes())) {
            return 1007;
        }
        return 0;
    }

    /** A valid publish or send without an id: the protocol sends no ack for those. */
    static boolean silentlyValid(Fuzz fuzz) {
        if (fuzz.opcode() != RawWsClient.TEXT) {
            return false;
        }
        try {
            JsonNode f = JSON.readTree(fuzz.bytes());
            String type = f.path("type").asText();
            return (type.equals("publish") || type.equals("send")) && (!f.has("id") || f.get("id").isNull());
        } catch (Exception e) {
            return false;
        }
    }

    static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** One fuzz frame: what kind of generator made it, its opcode and bytes. */
    record Fuzz(String kind, int opcode, byte[] bytes) {
        @Override
        public String toString() {
            String text = new String(bytes, StandardCharsets.UTF_8);
            return kind + " (" + bytes.length + " bytes): " + (text.length() > 160 ? text.substring(0, 160) + "…" : text);
        }
    }

    /** Valid frames of every type, mutations of them, and noise; rooms and users are the worker's own. */
    static final class Generator {
        private final Random rnd;
        private final String prefix;
        private final List<String> rooms;
        private int ids;

        Generator(Random rnd, String prefix) {
            this.rnd = rnd;
            this.prefix = prefix;
            this.rooms = Stream.of("a", "b", "c", "team-x", "doc:1").map(r -> prefix + "-" + r).toList();
        }

        Fuzz next() {
            int p = rnd.nextInt(100);
            if (p < 25) {
                return text("valid", valid());
            }
            if (p < 70) {
                return mutate(valid());
            }
            if (p < 85) {
                return special();
            }
            if (p < 97) {
                return noise();
            }
            byte[] data = new byte[rnd.nextInt(64)];
            rnd.nextBytes(data);
            return new Fuzz("binary", RawWsClient.BINARY, data);
        }

        private String valid() {
            String id = rnd.nextBoolean() ? ",\"id\":\"" + prefix + (++ids) + "\"" : "";
            String room = rooms.get(rnd.nextInt(rooms.size()));
            return switch (rnd.nextInt(7)) {
                case 0 -> "{\"type\":\"join\",\"room\":\"" + room + "\"" + id + (rnd.nextBoolean() ? ",\"presence\":false" : "") + "}";
                case 1 -> "{\"type\":\"leave\",\"room\":\"" + room + "\"" + id + "}";
                case 2, 3 -> "{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":" + json(3) + id + "}";
                case 4 -> "{\"type\":\"send\",\"to\":\"" + prefix + "\",\"data\":" + json(2) + id + "}";
                case 5 -> "{\"type\":\"presence\",\"room\":\"" + room + "\"" + id + "}";
                default -> "{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":\"" + rnd.nextInt(50)
                        + "\",\"epoch\":\"" + Long.toHexString(rnd.nextLong()) + "\"" + id + "}";
            };
        }

        private String json(int depth) {
            return switch (depth <= 0 ? rnd.nextInt(4) : rnd.nextInt(7)) {
                case 0 -> Integer.toString(rnd.nextInt());
                case 1 -> "\"" + word() + "\"";
                case 2 -> rnd.nextBoolean() ? "true" : "null";
                case 3 -> Double.toString(rnd.nextGaussian() * 1e6);
                case 4 -> "[" + json(depth - 1) + "," + json(depth - 1) + "]";
                default -> "{\"" + word() + "\":" + json(depth - 1) + ",\"n\":" + json(depth - 1) + "}";
            };
        }

        private String word() {
            String[] words = {"hi", "é", "日本", "😀", "a\\\"b", "\\n", "\\u0000", "\\ud83d\\ude00", "x y", ""};
            return words[rnd.nextInt(words.length)];
        }

        private Fuzz mutate(String frame) {
            byte[] b = frame.getBytes(StandardCharsets.UTF_8);
            int pos = rnd.nextInt(b.length + 1);
            return switch (rnd.nextInt(12)) {
                case 0 -> bytes("truncated", Arrays.copyOf(b, pos));
                case 1 -> bytes("byte inserted", insert(b, pos, new byte[] {(byte) rnd.nextInt(256)}));
                case 2 -> bytes("byte flipped", flip(b));
                case 3 -> bytes("range deleted", delete(b, pos, rnd.nextInt(8)));
                case 4 -> bytes("range repeated", insert(b, pos, Arrays.copyOfRange(b, pos, Math.min(b.length, pos + rnd.nextInt(12)))));
                case 5 -> text("wrong type", frame.replaceFirst(":\"[^\"]*\"", ":" + pick("1", "[]", "{}", "true", "null", "-0.0", "[\"a\"]", "{\"a\":1}")));
                case 6 -> text("huge number", frame.replaceFirst(":\"[^\"]*\"", ":1" + "0".repeat(rnd.nextInt(5000))));
                case 7 -> text("lone surrogate", frame.replaceFirst("\"([^\"]*)\"", "\"$1" + pick("\\\\ud800", "\\\\udfff", "\\\\ud800x", "\\\\udc00\\\\ud800") + "\""));
                case 8 -> bytes("invalid UTF-8", insert(b, pos, pickBytes()));
                case 9 -> text("duplicate key", frame.replaceFirst("\\{", "{\"type\":\"" + pick("join", "leave", "nope", "") + "\","));
                case 10 -> text("extra field", frame.replaceFirst("}$", ",\"" + word() + "\":" + json(2) + "}"));
                default -> text("field dropped", frame.replaceFirst("\"(room|data|to|type)\":(\"[^\"]*\"|[^,}]*),?", ""));
            };
        }

        private Fuzz special() {
            return switch (rnd.nextInt(9)) {
                case 0 -> {
                    int d = 1 + rnd.nextInt(3000);
                    yield text("deep nesting", "{\"type\":\"publish\",\"room\":\"" + rooms.get(0) + "\",\"data\":"
                            + "[".repeat(d) + "]".repeat(rnd.nextBoolean() ? d : 0) + "}");
                }
                case 1 -> {
                    int d = 1 + rnd.nextInt(200);
                    yield text("nested data", "{\"type\":\"publish\",\"room\":\"" + rooms.get(1) + "\",\"data\":"
                            + "{\"a\":".repeat(d) + "1" + "}".repeat(d) + "}");
                }
                case 2 -> text("huge string", "{\"type\":\"publish\",\"room\":\"" + rooms.get(2) + "\",\"data\":\""
                        + "s".repeat(pick(1_000, 60_000, 70_000, 200_000, 270_000)) + "\"}");
                case 3 -> text("huge id", "{\"type\":\"ping\",\"id\":\"" + "i".repeat(pick(65, 1000, 100_000)) + "\"}");
                case 4 -> text("huge room", "{\"type\":\"join\",\"room\":\"" + "r".repeat(pick(129, 10_000)) + "\"}");
                case 5 -> text("not an object", pick("[]", "\"join\"", "42", "null", "", " ", "{}", "{\"type\":null}",
                        "{\"type\":\"join\"}{}", "1e999999", "NaN", "{\"type\":\"ping\"", "\uFEFF{\"type\":\"ping\"}"));
                case 6 -> text("huge number", "{\"type\":\"join\",\"room\":\"" + rooms.get(0) + "\",\"since\":"
                        + "9".repeat(pick(20, 101, 5000)) + ",\"epoch\":\"e\"}");
                case 7 -> text("control chars", "{\"type\":\"ping\",\"id\":\"a\u0001\u001f\"}");
                default -> text("many fields", "{\"type\":\"ping\"" + ",\"f\":1".repeat(pick(10, 5000)) + "}");
            };
        }

        private Fuzz noise() {
            int n = rnd.nextInt(200);
            if (rnd.nextBoolean()) {
                StringBuilder sb = new StringBuilder();
                String alphabet = "{}[]\":,0123456789.eE+-truefalsnl \\u\t\n typejoinroomdata";
                for (int i = 0; i < n; i++) {
                    sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                return text("random JSON-ish", sb.toString());
            }
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            return bytes("random bytes", b);
        }

        private Fuzz text(String kind, String s) {
            return new Fuzz(kind, RawWsClient.TEXT, s.getBytes(StandardCharsets.UTF_8));
        }

        private Fuzz bytes(String kind, byte[] b) {
            return new Fuzz(kind, RawWsClient.TEXT, b);
        }

        private byte[] pickBytes() {
            List<byte[]> bad = List.of(new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0x80},
                    new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80});
            return bad.get(rnd.nextInt(bad.size()));
        }

        @SafeVarargs
        private <T> T pick(T... options) {
            return options[rnd.nextInt(options.length)];
        }

        private byte[] flip(byte[] b) {
            byte[] c = b.clone();
            if (c.length > 0) {
                int i = rnd.nextInt(c.length);
                c[i] = (byte) (c[i] ^ (1 << rnd.nextInt(8)));
            }
            return c;
        }

        private static byte[] insert(byte[] b, int pos, byte[] what) {
            byte[] c = new byte[b.length + what.length];
            System.arraycopy(b, 0, c, 0, pos);
            System.arraycopy(what, 0, c, pos, what.length);
            System.arraycopy(b, pos, c, pos + what.length, b.length - pos);
            return c;
        }

        private static byte[] delete(byte[] b, int pos, int n) {
            int end = Math.min(b.length, pos + n);
            byte[] c = new byte[b.length - (end - pos)];
            System.arraycopy(b, 0, c, 0, pos);
            System.arraycopy(b, end, c, pos, b.length - end);
            return c;
        }
    }
}
