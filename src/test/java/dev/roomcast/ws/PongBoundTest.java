package dev.roomcast.ws;

import dev.roomcast.hub.Hub;
import dev.roomcast.testing.MetricsScrape;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pongs count against the outbound bounds: with a rate limit too generous to stop it, a client that
 * pings and never reads fills its queue with pongs and is closed (1008) at
 * {@code roomcast.limits.outbound-max-frames}, its queue dropped, instead of growing the node's memory.
 */
@QuarkusTest
@TestProfile(PongBoundTest.GenerousRate.class)
class PongBoundTest {

    public static class GenerousRate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("roomcast.limits.rate", "10000000", "roomcast.limits.burst", "10000000",
                    "roomcast.limits.close-timeout", "2s");
        }
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    @Test
    void unreadPongsCloseTheConnectionWith1008() throws Exception {
        MetricsScrape before = PingFloodTest.metrics();
        // ~4 MiB of socket buffers hold ~33,000 pongs; 300,000 pings are far more than that and the bound.
        PingFlood flood = new PingFlood(PingFloodTest.url(ws, "pinger"), 300_000, Duration.ofSeconds(60));
        try {
            PingFloodTest.assertFreshClientWorks(ws, "during");
            await().atMost(Duration.ofSeconds(60)).until(() -> hub.connectionCount() == 0);
        } finally {
            flood.close();
        }
        System.out.printf("ping flood (generous rate limit): %d pings sent before the node closed (%s)%n",
                flood.sent(), flood.stoppedBy());
        assertThat(flood.sent()).as("the flood was stopped by the node, not by the test's bound").isLessThan(300_000);
        MetricsScrape after = PingFloodTest.metrics();
        assertThat(after.value("roomcast_server_closes_total", Map.of("code", "1008"))
                - before.value("roomcast_server_closes_total", Map.of("code", "1008"))).isEqualTo(1);
        given().when().get("/q/health/ready").then().statusCode(200);
        PingFloodTest.assertFreshClientWorks(ws, "after");
    }
}
