package dev.roomcast.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every per-connection limit with its default value, triggered and answered as documented in
 * docs/protocol.md ("Limits", "Close codes"), and the node healthy afterwards.
 */
@QuarkusTest
class LimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 65536;          // roomcast.limits.max-message-size
    private static final int TRANSPORT_MAX = 262144;       // quarkus.websockets-next.server.max-message-size
    private static final int MAX_ROOMS = 128;              // roomcast.limits.max-rooms-per-connection
    private static final int BURST = 200;                  // roomcast.limits.burst

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    private String url(String user) {
        return ws.toString().replaceFirst("^http", "ws") + "?user=" + user;
    }

    private WsClient connect(String user) {
        return clients.connect(user);
    }

    private RawWsClient raw(String user) {
        RawWsClient c = RawWsClient.open(url(user));
        clients.add(c);
        return c;
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void framesOverTheSizeLimitGetTooLargeAndOverTheTransportLimitClose1009() {
        MetricsScrape before = metrics();
        WsClient c = connect("big");
        c.join("big");
        // Exactly the limit is accepted; one byte more is not; the limit counts UTF-8 bytes.
        c.send(publishOfSize(MAX_MESSAGE, "x", "exact"));
        assertThat(c.await(f -> "exact".equals(f.path("id").asText())).path("type").asText()).isEqualTo("ack");
        c.awaitType("message");
        c.send(publishOfSize(MAX_MESSAGE + 1, "x", "plus-one"));
        assertThat(c.awaitType("error").path("code").asText()).isEqualTo("too_large");
        c.send(publishOfSize(MAX_MESSAGE + 2, "é", "multibyte")); // about 32768 characters, 2 bytes each
        assertThat(c.awaitType("error").path("code").asText()).isEqualTo("too_large");
        assertThat(c.pending("message")).isEmpty();

        // A browser sends a message as one frame: up to the transport limit it gets too_large too.
        RawWsClient browser = raw("browser");
        browser.sendText("{\"type\":\"ping\",\"id\":\"p\",\"pad\":\"" + "y".repeat(200_000) + "\"}");
        assertThat(json(browser.readMessage(WsClient.TIMEOUT)).path("code").asText()).isEqualTo("too_large");
        browser.sendText("{\"type\":\"ping\",\"id\":\"after\"}");
        assertThat(json(browser.readMessage(WsClient.TIMEOUT)).path("type").asText()).isEqualTo("pong");

        // Over the transport limit: close 1009, in one frame or fragmented (the JDK client fragments).
        browser.sendText("\"" + "z".repeat(TRANSPORT_MAX + 10) + "\"");
        assertThat(browser.readUntilClose(WsClient.TIMEOUT, f -> { }).closeCode()).isEqualTo(1009);
        WsClient fragmenting = connect("fragmenting");
        fragmenting.send("\"" + "z".repeat(TRANSPORT_MAX + 10) + "\"");
        assertThat(fragmenting.awaitClose(WsClient.TIMEOUT)).isEqualTo(1009);
        assertThat(fragmenting.pending("error")).as("no internal error first").isEmpty();

        // The first connection was not affected.
        c.request("{\"type\":\"publish\",\"room\":\"big\",\"data\":\"still here\"}");
        assertThat(c.awaitType("message").path("data").asText()).isEqualTo("still here");

        MetricsScrape after = metrics();
        assertThat(delta(before, after, "roomcast_errors_total", Map.of("code", "too_large"))).isEqualTo(3);
        assertThat(delta(before, after, "roomcast_server_closes_total", Map.of("code", "1009"))).isEqualTo(2);
    }

    @Test
    void joiningMoreThanMaxRoomsGetsTooManyRoomsAndJoinsNothing() {
        MetricsScrape before = metrics();
        WsClient c = connect("collector");
        for (int i = 0; i < MAX_ROOMS; i++) {
            c.join("r" + i);
        }
        assertError(c, "{\"type\":\"join\",\"room\":\"one-more\"}", "too_many_rooms");
        assertThat(hub.localMembers("one-more")).isZero();
        assertThat(c.request("{\"type\":\"presence\",\"room\":\"one-more\"}").path("members").size()).isZero();
        // Joining a room it is already in is not a new room.
        assertThat(c.join("r7").path("type").asText()).isEqualTo("ack");
        c.request("{\"type\":\"leave\",\"room\":\"r0\"}");
        c.join("one-more");
        assertThat(hub.localMembers("one-more")).isEqualTo(1);
        assertThat(delta(before, metrics(), "roomcast_errors_total", Map.of("code", "too_many_rooms"))).isEqualTo(1);
    }

    @Test
    void floodingGetsRateLimitedThenClosedWith1008() {
        MetricsScrape before = metrics();
        RawWsClient flood = raw("flood");
        WsClient bystander = connect("bystander");
        bystander.join("calm");
        // Far more than the burst, as fast as the socket takes them, without reading.
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 3 * BURST; i++) {
                    flood.sendText("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
                }
            } catch (RuntimeException closedUnderUs) {
                // the server may close before the last frames are written
            }
        });
        writer.start();
        int pongs = 0;
        List<Integer> limited = new ArrayList<>();
        int position = 0;
        RawWsClient.Frame close;
        while (true) {
            RawWsClient.Frame f = flood.readMessage(WsClient.TIMEOUT);
            if (f.isClose()) {
                close = f;
                break;
            }
            JsonNode reply = json(f);
            position++;
            if ("pong".equals(reply.path("type").asText())) {
                pongs++;
            } else {
                assertThat(reply.path("code").asText()).isEqualTo("rate_limited");
                limited.add(position);
            }
        }
        assertThat(close.closeCode()).isEqualTo(1008);
        assertThat(pongs).as("the burst goes through").isGreaterThanOrEqualTo(BURST);
        assertThat(limited).as("every refused frame is answered, up to the burst").hasSize(BURST);
        assertThat(limited.get(0)).isGreaterThan(BURST);

        // Other connections never noticed.
        bystander.request("{\"type\":\"publish\",\"room\":\"calm\",\"data\":1}");
        assertThat(bystander.awaitType("message").path("room").asText()).isEqualTo("calm");

        MetricsScrape after = metrics();
        assertThat(delta(before, after, "roomcast_errors_total", Map.of("code", "rate_limited"))).isEqualTo(BURST);
        assertThat(delta(before, after, "roomcast_rate_limit_closes_total", Map.of())).isEqualTo(1);
        assertThat(delta(before, after, "roomcast_server_closes_total", Map.of("code", "1008"))).isEqualTo(1);
    }

    @Test
    void invalidUtf8ClosesWith1007() {
        MetricsScrape before = metrics();
        WsClient bystander = connect("bystander");
        for (byte[] bad : List.of(
                new byte[] {'"', (byte) 0xC3, '"'},                              // truncated sequence
                new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'},    // a lone surrogate, CESU style
                new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'},                 // overlong encoding
                new byte[] {'"', (byte) 0xFF, '"'})) {
            RawWsClient c = raw("utf8");
            c.sendTextBytes(bad);
            assertThat(c.readUntilClose(WsClient.TIMEOUT, f -> {
                throw new AssertionError("no reply expected before the close: " + f);
            }).closeCode()).isEqualTo(1007);
        }
        // Valid multi-byte text is fine, also a lone surrogate written as a JSON escape (it is ASCII).
        RawWsClient ok = raw("utf8-ok");
        ok.sendTextBytes("{\"type\":\"ping\",\"id\":\"ü€😀\\ud800\"}".getBytes(StandardCharsets.UTF_8));
        JsonNode pong = json(ok.readMessage(WsClient.TIMEOUT));
        assertThat(pong.path("type").asText()).isEqualTo("pong");
        assertThat(bystander.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
        assertThat(delta(before, metrics(), "roomcast_server_closes_total", Map.of("code", "1007"))).isEqualTo(4);
    }

    @Test
    void compressionOfferedByTheClientIsDeclinedAndFramesComeUncompressed() {
        // Browsers offer permessage-deflate on every upgrade; roomcast writes shared, uncompressed frames.
        RawWsClient c = RawWsClient.open(url("deflate"),
                Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), 0);
        clients.add(c);
        assertThat(c.responseHeaders()).doesNotContainKey("sec-websocket-extensions");
        c.sendText("{\"type\":\"join\",\"room\":\"plain\",\"id\":\"j\"}");
        assertThat(json(c.readMessage(WsClient.TIMEOUT)).path("type").asText()).isEqualTo("ack");
        c.sendText("{\"type\":\"publish\",\"room\":\"plain\",\"data\":\"" + "z".repeat(2000) + "\"}");
        // read() fails on RSV bits: every frame, the message included, arrives as plain text.
        JsonNode frame;
        do {
            frame = json(c.readMessage(WsClient.TIMEOUT));
        } while (!frame.path("type").asText().equals("message"));
        assertThat(frame.path("data").asText()).hasSize(2000);
    }

    /** A publish frame of exactly {@code bytes} UTF-8 bytes with this id, the data string filled with {@code fill}. */
    private static String publishOfSize(int bytes, String fill, String id) {
        String head = "{\"type\":\"publish\",\"id\":\"" + id + "\",\"room\":\"big\",\"data\":\"";
        String tail = "\"}";
        int left = bytes - head.length() - tail.length();
        int per = fill.getBytes(StandardCharsets.UTF_8).length;
        String frame = head + fill.repeat(left / per) + "x".repeat(left % per) + tail;
        assertThat(frame.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return frame;
    }

    private static void assertError(WsClient c, String frame, String code) {
        JsonNode reply = c.request(frame);
        assertThat(reply.path("type").asText()).isEqualTo("error");
        assertThat(reply.path("code").asText()).isEqualTo(code);
    }

    private static MetricsScrape metrics() {
        return MetricsScrape.of(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static double delta(MetricsScrape before, MetricsScrape after, String name, Map<String, String> labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    private static JsonNode json(RawWsClient.Frame f) {
        try {
            return JSON.readTree(f.text());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + f);
        }
    }
}
