package dev.roomcast.ws;

import dev.roomcast.hub.Hub;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WebSocket pings count against the connection's rate limit like text frames: a flood of pings is
 * answered with at most a burst of pongs, then closed with 1008 — and the node serves everyone else.
 */
@QuarkusTest
class PingFloodTest {

    private static final int BURST = 200; // roomcast.limits.burst
    private static final int RATE = 100;  // roomcast.limits.rate

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    static String url(URI ws, String user) {
        return ws.toString().replaceFirst("^http", "ws") + "?user=" + user;
    }

    @Test
    void aPingFloodIsRateLimitedAndClosedWith1008() throws Exception {
        MetricsScrape before = metrics();
        PingFlood flood = new PingFlood(url(ws, "pinger"), 200_000, Duration.ofSeconds(20));
        try {
            assertFreshClientWorks(ws, "during");
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.connectionCount() == 0);
            // What the client was sent, read only now: a burst of pongs at most, then the close frame.
            AtomicInteger pongs = new AtomicInteger();
            RawWsClient.Frame end = flood.client().readUntilClose(Duration.ofSeconds(20), f -> {
                if (f.opcode() == RawWsClient.PONG) {
                    pongs.incrementAndGet();
                }
            });
            assertThat(end.opcode()).as("closed with a close frame").isEqualTo(RawWsClient.CLOSE);
            assertThat(end.closeCode()).isEqualTo(1008);
            // the burst, plus what the bucket refilled (100/s) while the flood lasted
            assertThat(pongs.get()).as("pongs answered").isPositive().isLessThanOrEqualTo(BURST + RATE);
        } finally {
            flood.close();
        }
        System.out.printf("ping flood (default rate limit): %d pings sent before the node closed (%s)%n",
                flood.sent(), flood.stoppedBy());
        MetricsScrape after = metrics();
        assertThat(after.value("roomcast_server_closes_total", Map.of("code", "1008"))
                - before.value("roomcast_server_closes_total", Map.of("code", "1008"))).isEqualTo(1);
        assertThat(after.value("roomcast_rate_limit_closes_total") - before.value("roomcast_rate_limit_closes_total"))
                .isEqualTo(1);
        given().when().get("/q/health/ready").then().statusCode(200);
        assertFreshClientWorks(ws, "after");
    }

    @Test
    void pingsAndTextFramesShareOneBudget() {
        RawWsClient c = RawWsClient.open(url(ws, "mixed"));
        try {
            // More pings than the bucket holds, then 20 text frames, in one write. Pings and text frames
            // take from one bucket: together no more get through than the burst plus what the bucket
            // refilled (100/s) meanwhile; the rest is refused (pings dropped, text frames rate_limited).
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            int pings = BURST + 100, texts = 20;
            for (int i = 0; i < pings; i++) {
                burst.writeBytes(RawWsClient.frame(RawWsClient.PING, new byte[] {1}));
            }
            for (int i = 0; i < texts; i++) {
                burst.writeBytes(RawWsClient.frame(RawWsClient.TEXT,
                        ("{\"type\":\"ping\",\"id\":\"t" + i + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            long start = System.nanoTime();
            c.sendRaw(burst.toByteArray());
            int textReplies = 0, rateLimited = 0, pongs = 0;
            while (textReplies < texts) {
                RawWsClient.Frame f = c.readMessage(WsClient.TIMEOUT);
                assertThat(f.isClose()).as("still open").isFalse();
                if (f.opcode() == RawWsClient.PONG) {
                    pongs++;
                } else if (f.opcode() == RawWsClient.TEXT) {
                    textReplies++;
                    if (f.text().contains("rate_limited")) {
                        rateLimited++;
                    }
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            int accepted = pongs + texts - rateLimited;
            System.out.printf("%d pings + %d text frames in one burst: %d pongs, %d text frames refused, %.3f s%n",
                    pings, texts, pongs, rateLimited, elapsed);
            assertThat(pongs).as("pings answered").isLessThan(pings);
            assertThat(accepted).as("frames accepted of one budget in %.3f s", elapsed)
                    .isLessThanOrEqualTo(BURST + (int) Math.ceil(RATE * elapsed) + 2);
        } finally {
            c.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
    }

    static void assertFreshClientWorks(URI ws, String when) {
        try (WsClient fresh = WsClient.connect(url(ws, "fresh-" + when))) {
            fresh.join("after-flood");
            fresh.request("{\"type\":\"publish\",\"room\":\"after-flood\",\"data\":\"" + when + "\"}");
            assertThat(fresh.awaitType("message").path("data").asText()).isEqualTo(when);
        }
    }

    static MetricsScrape metrics() {
        return MetricsScrape.of(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
    }
}
