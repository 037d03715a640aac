package dev.roomcast.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.TestPaths;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole scrape of a node with the Redis broker is lint-clean for {@code promtool check metrics}, like the
 * memory broker's ({@link DashboardMetricsTest}): the Redis client's own meters ({@code redis_active_connections},
 * {@code redis_bytes_read}, …) are tagged {@code clientName}/{@code clientType}, which PrometheusHygiene exports
 * as snake_case labels.
 */
class RedisScrapeIT {

    private static final Pattern LABEL_NAME = Pattern.compile("[{,]([A-Za-z_][A-Za-z0-9_]*)=\"");

    static RedisServer redis;
    static AppInstance node;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        node = AppInstance.builder().name("redis-scrape").config("quarkus.redis.hosts", redis.uri()).start();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
        if (redis != null) redis.close();
    }

    @Test
    void scrapeWithRedisPassesPromtool() throws Exception {
        String scrape;
        try (WsClient alice = WsClient.connect(node.wsUrl("user=alice"));
             WsClient bob = WsClient.connect(node.wsUrl("user=bob"))) {
            JsonNode ack = alice.join("scrape-a");
            // An empty Redis history's position (docs/protocol.md, join ack).
            assertThat(ack.path("offset").asText()).isEqualTo("0-0");
            bob.join("scrape-a");
            alice.request("{\"type\":\"publish\",\"room\":\"scrape-a\",\"data\":{\"text\":\"hi\"}}");
            HttpResponse<String> published = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl()
                    + "/api/rooms/scrape-a/messages")).POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            // A Redis offset is the stream entry id (README, HTTP API).
            assertThat(published.body()).matches("\\{\"room\":\"scrape-a\",\"offset\":\"\\d+-\\d+\",\"epoch\":\"[^\"]+\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> bob.pending("message").size() >= 2);
            scrape = fetchMetrics();
        }
        Path out = TestPaths.targetSubdir("metrics-check").resolve("scrape-redis.prom");
        Files.writeString(out, scrape);

        // The meters of the Redis client are there, with snake_case labels only.
        assertThat(scrape).contains("roomcast_node_info{broker=\"redis\"", "redis_active_connections{client_name=\"");
        List<String> camel = LABEL_NAME.matcher(scrape).results().map(m -> m.group(1))
                .filter(l -> !l.equals(l.toLowerCase())).distinct().toList();
        assertThat(camel).as("label names with capitals").isEmpty();

        Promtool.checkMetrics(scrape, "a node with the Redis broker (" + out + ")");
    }

    /** The Prometheus text format (0.0.4), which promtool parses; without Accept Quarkus answers in OpenMetrics. */
    private String fetchMetrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + "/q/metrics"))
                .header("Accept", "text/plain; version=0.0.4; charset=utf-8").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
