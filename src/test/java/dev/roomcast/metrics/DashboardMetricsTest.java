package dev.roomcast.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.TestPaths;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scrapes this node under traffic and checks the scrape against the Grafana dashboard (every metric the
 * dashboard's PromQL selects exists) and against {@code promtool check metrics} (valid exposition format,
 * lint-clean, see {@link Promtool}). The node calls a real hook backend and sends webhooks to a real receiver
 * ({@link DashboardProfile}), so the hook and webhook meters are in the scrape with values. The same check with
 * the Redis broker is {@code RedisScrapeIT}.
 */
@QuarkusTest
@TestProfile(DashboardProfile.class)
class DashboardMetricsTest {

    private static final Pattern DS_REF = Pattern.compile("\\$\\{?DS_PROMETHEUS}?");

    @TestHTTPResource("/")
    URI base;

    @Inject
    Hub hub;

    private final HttpClient http = HttpClient.newHttpClient();
    private final WsClients clients = new WsClients(() -> base.resolve("ws"), () -> hub.connectionCount());
    private static String scrape;

    @BeforeEach
    void traffic() throws Exception {
        if (scrape != null) {
            return;
        }
        String ws = base.toString().replaceFirst("^http", "ws") + "ws?user=";
        WsClient alice = connect(ws + "alice");
        WsClient bob = connect(ws + "bob");
        JsonNode ack = alice.join("dash-a");
        bob.join("dash-a");
        bob.join("dash-b");
        alice.request("{\"type\":\"publish\",\"room\":\"dash-a\",\"data\":{\"text\":\"hi\"}}");
        post("/api/rooms/dash-b/messages", "{\"n\":1}");
        post("/api/users/alice/messages", "\"psst\"");
        alice.request("{\"type\":\"nonsense\"}"); // error frame: unknown_type
        // A recovery: leave, miss a message, come back with since/epoch.
        alice.request("{\"type\":\"leave\",\"room\":\"dash-a\"}");
        bob.request("{\"type\":\"publish\",\"room\":\"dash-a\",\"data\":2}");
        String since = ack.path("offset").isNull() ? "0" : ack.path("offset").asText();
        alice.request("{\"type\":\"join\",\"room\":\"dash-a\",\"since\":\"" + since + "\",\"epoch\":\""
                + ack.path("epoch").asText() + "\"}");
        // A refused upgrade (invalid user name) and a normal disconnect.
        assertThat(WsClient.upgradeStatus(ws + "no%20spaces", Map.of(), List.of())).isEqualTo(400);
        connect(ws + "carol").close();
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.pending("message").size() >= 3);
        // Every hook was called, and the webhook events of this traffic were delivered (and counted).
        assertThat(DashboardProfile.HOOKS.received("/connect")).isNotEmpty();
        assertThat(DashboardProfile.HOOKS.received("/join")).isNotEmpty();
        assertThat(DashboardProfile.HOOKS.received("/publish")).isNotEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> !DashboardProfile.WEBHOOKS.accepted("message.published", "dash-a")
                .isEmpty() && sample(fetchMetrics(), "roomcast_webhooks_delivered_total", Map.of()) > 0);
        System.gc(); // a GC pause, so jvm_gc_pause_seconds exists
        await().atMost(Duration.ofSeconds(10)).until(() -> fetchMetrics().contains("jvm_gc_pause_seconds_count"));
        scrape = fetchMetrics();
        Path out = TestPaths.targetSubdir("metrics-check").resolve("scrape.prom");
        Files.writeString(out, scrape);
        System.out.println("scrape under traffic written to " + out);
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    @Test
    void everyMetricTheDashboardQueriesExists() {
        Set<String> exposed = Scrape.parse(scrape).names();
        Set<String> wanted = Dashboard.load().metricNames();
        assertThat(wanted).as("metric names found in the dashboard").hasSizeGreaterThan(20);
        Set<String> missing = new TreeSet<>(wanted);
        missing.removeAll(exposed);
        assertThat(missing).as("metrics the dashboard queries but the scrape lacks").isEmpty();
    }

    @Test
    void hookAndWebhookPanelsHaveValues() {
        // The hook latency and outcome panels: a call of each hook, allowed by the backend, in the histogram.
        for (String hook : List.of("connect", "join", "publish")) {
            assertThat(sample(scrape, "roomcast_hook_duration_seconds_count", Map.of("hook", hook, "outcome", "allowed")))
                    .as(hook).isGreaterThan(0);
            assertThat(sample(scrape, "roomcast_hook_breaker_open", Map.of("hook", hook))).as(hook).isZero();
        }
        assertThat(sample(scrape, "roomcast_webhooks_request_duration_seconds_count", Map.of("outcome", "success")))
                .isGreaterThan(0);
        assertThat(sample(scrape, "roomcast_webhooks_dropped_total", Map.of("reason", "expired"))).isZero();
        assertThat(sample(scrape, "roomcast_webhooks_outbox_events", Map.of())).isGreaterThanOrEqualTo(0);
    }

    /** The README's metrics list names every roomcast meter of the scrape (a timer's {@code _max} with its timer). */
    @Test
    void everyRoomcastMetricIsInTheReadme() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("basedir", ".")).resolve("README.md"));
        Set<String> undocumented = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE roomcast_")) {
                String name = line.split(" ")[2].replaceFirst("_max$", "");
                if (!readme.contains("`" + name + "`")) {
                    undocumented.add(name);
                }
            }
        }
        assertThat(undocumented).as("roomcast metrics the README's \"Metrics\" does not name").isEmpty();
    }

    @Test
    void roomcastMetricsFollowPrometheusNaming() {
        Map<String, String> types = new java.util.TreeMap<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE roomcast_")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            }
        }
        assertThat(types).containsKeys("roomcast_connections", "roomcast_errors_total",
                "roomcast_delivery_latency_seconds", "roomcast_broker_publish_latency_seconds",
                "roomcast_room_members", "roomcast_rooms_unlabelled_total");
        types.forEach((name, type) -> {
            assertThat(name).matches("roomcast_[a-z0-9_]+");
            if (type.equals("counter")) {
                assertThat(name).as(name).endsWith("_total");
            } else {
                assertThat(name).as(name).doesNotEndWith("_total");
            }
            if (type.equals("histogram")) {
                assertThat(name).as(name).endsWith("_seconds");
            }
            if (name.contains("bytes")) {
                assertThat(name).as(name).matches(".*_bytes(_total)?");
            }
        });
    }

    @Test
    void scrapePassesPromtool() throws Exception {
        Promtool.checkMetrics(scrape, "a node with the memory broker");
    }

    @Test
    void dashboardIsPortable() {
        Dashboard d = Dashboard.load();
        JsonNode json = d.json();
        assertThat(json.path("uid").asText()).isEqualTo("roomcast");
        assertThat(json.has("id")).isTrue();
        assertThat(json.get("id").isNull()).isTrue();
        assertThat(json.has("__inputs")).as("no import placeholders").isFalse();
        JsonNode ds = d.variable("DS_PROMETHEUS");
        assertThat(ds).isNotNull();
        assertThat(ds.path("type").asText()).isEqualTo("datasource");
        assertThat(ds.path("query").asText()).isEqualTo("prometheus");
        for (String name : List.of("instance", "room")) {
            JsonNode v = d.variable(name);
            assertThat(v).as(name).isNotNull();
            assertThat(Dashboard.variableQuery(v)).startsWith("label_values(");
            assertThat(v.path("datasource").path("uid").asText()).matches(DS_REF);
        }
        for (JsonNode p : d.panels()) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).matches(DS_REF);
            assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("datasource").path("uid").asText()).matches(DS_REF);
                assertThat(t.path("expr").asText()).isNotBlank();
            }
        }
        List<String> exprs = d.exprs();
        assertThat(exprs).anyMatch(e -> e.contains("topk(10") && e.contains("roomcast_room_messages_published_total"));
        assertThat(exprs).anyMatch(e -> e.contains("topk(10") && e.contains("roomcast_room_messages_delivered_total"));
        assertThat(exprs).anyMatch(e -> e.contains("histogram_quantile(0.5") && e.contains("_bucket"));
        assertThat(exprs).anyMatch(e -> e.contains("histogram_quantile(0.99") && e.contains("_bucket"));
        assertThat(String.join("\n", exprs)).contains("$instance", "$room", "jvm_memory_used_bytes",
                "jvm_gc_pause_seconds", "process_cpu_usage", "system_cpu_usage", "roomcast_redis_reconnects_total",
                "roomcast_redis_failovers_total", "roomcast_recoveries_total", "roomcast_errors_total",
                "roomcast_redis_gap_rooms", "roomcast_redis_gap_recovery_pages_total",
                "roomcast_disconnects_total", "roomcast_connections", "roomcast_rooms",
                // hooks and webhooks
                "roomcast_hook_duration_seconds_bucket", "roomcast_hook_duration_seconds_count", "roomcast_hook_breaker_open",
                "roomcast_webhooks_delivered_total", "roomcast_webhooks_retried_total", "roomcast_webhooks_dropped_total",
                "roomcast_webhooks_request_duration_seconds_count", "roomcast_webhooks_outbox_events",
                "roomcast_webhooks_outbox_oldest_seconds");
    }

    @Test
    void healthChecksHaveClearNames() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> expected = Map.of("/q/health/live", "roomcast-node", "/q/health/ready", "roomcast-broker",
                "/q/health/started", "roomcast-node");
        for (var e : expected.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(e.getKey())).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = json.readTree(r.body());
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(200);
            List<String> names = new ArrayList<>();
            body.path("checks").forEach(c -> names.add(c.path("name").asText()));
            assertThat(names).as(e.getKey()).contains(e.getValue()).doesNotHaveDuplicates()
                    .allMatch(n -> !n.isBlank());
        }
        JsonNode ready = json.readTree(http.send(HttpRequest.newBuilder(base.resolve("/q/health/ready")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
        JsonNode broker = null;
        for (JsonNode c : ready.path("checks")) {
            if (c.path("name").asText().equals("roomcast-broker")) {
                broker = c;
            }
        }
        assertThat(broker).isNotNull();
        assertThat(broker.path("data").path("subscriber").asText()).isEqualTo("up");
    }

    // --- helpers -------------------------------------------------------------------------------

    /** The value of the sample of {@code name} with these labels (others ignored); fails when there is none. */
    private static double sample(String text, String name, Map<String, String> labels) {
        Scrape parsed = Scrape.parse(text);
        assertThat(parsed.of(name)).as(name + labels).anyMatch(s -> s.labels().entrySet().containsAll(labels.entrySet()));
        return parsed.value(name, labels);
    }

    private WsClient connect(String url) {
        return clients.connectUrl(url);
    }

    private void post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    }

    /**
     * The Prometheus text format (0.0.4), which promtool parses. Without an Accept header Quarkus answers in
     * OpenMetrics, which promtool's text parser misreads (counter families without _total, escaped quotes).
     */
    private String fetchMetrics() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("/q/metrics"))
                .header("Accept", "text/plain; version=0.0.4; charset=utf-8").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
