package dev.roomcast.metrics;

import dev.roomcast.hub.Hub;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traffic in 5,000 rooms (100 real WebSocket clients × 50 rooms each, a message published to every room
 * through the HTTP API): every per-room metric carries at most {@code roomcast.metrics.rooms.max} room
 * labels plus {@code _other}, the busiest rooms get the labels, and a room's series disappear once it
 * empties.
 */
@QuarkusTest
@TestProfile(FastRoomMetricsProfile.class)
class RoomSeriesCapTest {

    static final int CLIENTS = 100;
    static final int ROOMS_PER_CLIENT = 50;
    static final int ROOMS = CLIENTS * ROOMS_PER_CLIENT;
    static final String[] PER_ROOM_METRICS = {"roomcast_room_members", "roomcast_room_messages_published_total",
            "roomcast_room_messages_delivered_total", "roomcast_room_delivered_bytes_total",
            "roomcast_room_delivery_latency_seconds_bucket", "roomcast_room_delivery_latency_seconds_count",
            "roomcast_room_delivery_latency_seconds_sum", "roomcast_room_delivery_latency_seconds_max"};

    @TestHTTPResource("/")
    URI base;

    @Inject
    Hub hub;

    @Inject
    RoomcastMetrics metrics;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final WsClients clients = new WsClients(() -> base.resolve("ws"), () -> hub.connectionCount());

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    static String room(int client, int j) {
        return "load-" + (client * ROOMS_PER_CLIENT + j);
    }

    @Test
    void perRoomSeriesStayWithinTheCapAndFollowActivity() throws Exception {
        connectAndJoin();
        assertThat(hub.roomCount()).isEqualTo(ROOMS);

        // One message into each of the 5,000 rooms, in parallel.
        List<String> all = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            for (int j = 0; j < ROOMS_PER_CLIENT; j++) {
                all.add(room(c, j));
            }
        }
        publishAll(all, 1);
        // Ten "hot" rooms: those of the last client, certainly unlabelled when their first message came.
        List<String> hot = new ArrayList<>();
        for (int j = 0; j < 10; j++) {
            hot.add(room(CLIENTS - 1, j));
        }
        publishAll(hot, 30);
        WsClient owner = clients.get(CLIENTS - 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> owner.pending("message").size() >= 10 * 31);

        int cap = FastRoomMetricsProfile.MAX_ROOMS;
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.labelValues("roomcast_room_messages_delivered_total", "room")).containsAll(hot);
        });
        Scrape s = scrape();
        for (String metric : PER_ROOM_METRICS) {
            Set<String> rooms = s.labelValues(metric, "room");
            assertThat(rooms).as("room label values of %s", metric)
                    .contains(RoomSeries.OTHER)
                    .hasSizeLessThanOrEqualTo(cap + 1);
        }
        assertThat(s.labelValues("roomcast_room_members", "room")).hasSize(cap + 1);
        assertThat(s.value("roomcast_rooms_labelled")).isEqualTo(cap);
        assertThat(s.value("roomcast_rooms_other")).isEqualTo(ROOMS - cap);
        assertThat(s.value("roomcast_rooms_unlabelled_total")).isGreaterThanOrEqualTo(ROOMS - cap);
        // Members: every one of the 5,000 memberships is counted exactly once, labelled or under _other.
        assertThat(s.value("roomcast_room_members")).isEqualTo(ROOMS);
        assertThat(s.value("roomcast_rooms")).isEqualTo(ROOMS);
        assertThat(s.value("roomcast_connections")).isEqualTo(CLIENTS);
        // The room-labelled series in the whole scrape: a bounded number, whatever the number of rooms.
        long roomSeries = s.samples().stream().filter(x -> x.labels().containsKey("room")).count();
        assertThat(roomSeries).isLessThanOrEqualTo((cap + 1) * (4 + 13 + 3L));
        System.out.printf("5000 rooms: %d labelled + _other, %d room-labelled series, %d unlabelled rooms, "
                        + "scrape %d lines%n", s.labelValues("roomcast_room_members", "room").size() - 1, roomSeries,
                (long) s.value("roomcast_rooms_other"), s.text().lines().count());

        // A hot room empties: its member leaves, nothing is published there any more → its series go.
        String emptied = hot.get(0);
        assertThat(owner.request("{\"type\":\"leave\",\"room\":\"" + emptied + "\"}").path("type").asText())
                .isEqualTo("ack");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(scrape().namesWithRoom(emptied)).isEmpty());
        assertThat(metrics.rooms().labelledRoomNames()).doesNotContain(emptied);
        // The other hot rooms keep theirs.
        assertThat(scrape().namesWithRoom(hot.get(1))).contains("roomcast_room_members",
                "roomcast_room_messages_delivered_total", "roomcast_room_delivery_latency_seconds_bucket");

        // Everyone leaves: only _other remains, and it reports no members.
        clients.closeAll();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape after = scrape();
            for (String metric : PER_ROOM_METRICS) {
                assertThat(after.labelValues(metric, "room")).as(metric).containsExactly(RoomSeries.OTHER);
            }
            assertThat(after.value("roomcast_room_members")).isZero();
            assertThat(after.value("roomcast_rooms_other")).isZero();
        });
    }

    private void connectAndJoin() throws Exception {
        String ws = base.toString().replaceFirst("^http", "ws") + "ws?user=";
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<WsClient>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    WsClient w = WsClient.connect(ws + "u" + client);
                    for (int j = 0; j < ROOMS_PER_CLIENT; j++) {
                        w.join(room(client, j));
                    }
                    return w;
                }));
            }
            for (Future<WsClient> f : futures) {
                clients.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    private void publishAll(List<String> rooms, int times) throws Exception {
        Semaphore inFlight = new Semaphore(64);
        AtomicInteger failures = new AtomicInteger();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int t = 0; t < times; t++) {
            for (String room : rooms) {
                inFlight.acquire();
                HttpRequest req = HttpRequest.newBuilder(base.resolve("/api/rooms/" + room + "/messages"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + t + "}")).build();
                all.add(http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                    inFlight.release();
                    if (e != null || r.statusCode() != 200) {
                        failures.incrementAndGet();
                    }
                }));
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        assertThat(failures.get()).as("failed publishes").isZero();
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/q/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Scrape.parse(r.body());
    }

    static Map<String, String> room(String name) {
        return Map.of("room", name);
    }
}
