package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.InstanceClients;
import dev.roomcast.testing.HookBackend.Request;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.TestPaths;
import dev.roomcast.testing.WebhookReceiver;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks of a two-instance cluster on one Redis, against a real HTTP backend that checks every signature
 * ({@link WebhookReceiver}): each event once cluster-wide, the offline delay across instances, a backend down for
 * 30 s, and the sending instance killed with SIGKILL in the middle of a delivery. Timings are short (claim-idle 4 s,
 * lease 3 s) so the class runs in about a minute.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhooksIT {

    private static final String SECRET = "it-webhook-secret-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);

    static RedisServer redis;
    static WebhookReceiver receiver;
    static AppInstance a, b;
    @RegisterExtension
    final InstanceClients clients = new InstanceClients();

    static AppInstance.Builder node(String name) {
        return ClusterNode.on(name, redis)
                .config("roomcast.webhooks.url", receiver.url())
                .config("roomcast.webhooks.secret", SECRET)
                .config("roomcast.webhooks.offline-delay", "3s")
                .config("roomcast.webhooks.poll-interval", "50ms")
                .config("roomcast.webhooks.timeout", "2s")
                .config("roomcast.webhooks.retry.initial-backoff", "200ms")
                .config("roomcast.webhooks.retry.max-backoff", "1s")
                .config("roomcast.webhooks.claim-idle", "4s")
                .config("roomcast.presence.lease-ttl", "3s")
                .config("roomcast.presence.lease-refresh", "1s");
    }

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        receiver = new WebhookReceiver(SECRET);
        CompletableFuture<AppInstance> first = CompletableFuture.supplyAsync(() -> node("webhooks-a").start());
        b = node("webhooks-b").start();
        a = first.join();
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (receiver != null) receiver.close();
        if (redis != null) redis.close();
    }

    @AfterEach
    void backendUpAndEveryRequestSigned() {
        receiver.up();
        assertThat(receiver.badSignatures()).as("requests with a bad signature").isZero();
    }

    WsClient connect(AppInstance node, String user) {
        return clients.connect(node, user);
    }

    /** Everything recorded so far was delivered and finished: the outbox stream is empty. */
    static void awaitOutboxEmpty() {
        await().atMost(WAIT).until(() -> Long.valueOf(0).equals(redis.call("XLEN", "rc:{webhooks}:outbox")));
    }

    @Test
    @Order(1)
    void roomsGoingFrom0To1To0AcrossBothInstancesGiveOneOccupiedAndOneVacatedEach() {
        int rooms = 10;
        IntStream.range(0, rooms).parallel().forEach(i -> {
            WsClient onA = connect(a, "ann" + i);
            WsClient onB = connect(b, "ben" + i);
            onA.join("span-" + i);
            onB.join("span-" + i);
            onA.close();
            onB.close();
        });
        await().atMost(WAIT).until(() -> IntStream.range(0, rooms)
                .allMatch(i -> !receiver.accepted("room.vacated", "span-" + i).isEmpty()));
        awaitOutboxEmpty();
        for (int i = 0; i < rooms; i++) {
            String room = "span-" + i;
            assertThat(receiver.accepted("room.occupied", room)).as(room).hasSize(1);
            assertThat(receiver.accepted("room.vacated", room)).as(room).hasSize(1);
            assertThat(receiver.accepted("member.joined", room)).as(room).hasSize(2);
            assertThat(receiver.accepted("member.left", room)).as(room).hasSize(2);
            // The outbox's order is the order of the changes: occupied first, vacated last.
            List<String> ids = receiver.accepted(e -> room.equals(e.path("room").asText())).stream()
                    .sorted((x, y) -> compareIds(x.path("id").asText(), y.path("id").asText()))
                    .map(e -> e.path("type").asText()).toList();
            assertThat(ids.get(0)).isEqualTo("room.occupied");
            assertThat(ids.get(ids.size() - 1)).isEqualTo("room.vacated");
        }
        // Both instances sent some of the requests: the work is shared, each event sent by one of them.
        assertThat(receiver.requests()).isNotEmpty();
    }

    private static int compareIds(String x, String y) {
        String[] a = x.split("-"), b = y.split("-");
        int c = Long.compare(Long.parseLong(a[0]), Long.parseLong(b[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(a[1]), Long.parseLong(b[1]));
    }

    @Test
    @Order(2)
    void aReconnectOnTheOtherInstanceWithinTheOfflineDelaySendsNeitherOfflineNorASecondOnline() {
        WsClient first = connect(a, "carol");
        await().atMost(WAIT).until(() -> receiver.accepted("user.online", "carol").size() == 1);
        first.close();
        WsClient again = connect(b, "carol"); // well within the 3 s delay
        again.join("carols-room");
        again.close();
        await().atMost(WAIT).until(() -> receiver.accepted("user.offline", "carol").size() == 1);
        awaitOutboxEmpty();
        assertThat(receiver.accepted(e -> "carol".equals(e.path("user").asText()) && !e.has("room")).stream()
                .map(e -> e.path("type").asText())).containsExactly("user.online", "user.offline");
    }

    @Test
    @Order(3)
    void withTheBackendDownFor30SecondsEveryEventArrivesAfterItReturns() {
        receiver.down();
        for (int i = 0; i < 6; i++) {
            connect(i % 2 == 0 ? a : b, "down" + i).join("outage-" + i);
        }
        // Down for 30 s: the instances keep retrying and the backend accepts nothing.
        await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(35))
                .until(() -> receiver.accepted(e -> e.path("room").asText().startsWith("outage-")).isEmpty());
        assertThat(receiver.refused()).isGreaterThan(10);
        receiver.up();
        await().atMost(WAIT).until(() -> IntStream.range(0, 6).allMatch(i ->
                receiver.accepted("room.occupied", "outage-" + i).size() == 1
                        && receiver.accepted("member.joined", "outage-" + i).size() == 1
                        && receiver.accepted("user.online", "down" + i).size() == 1));
        awaitOutboxEmpty();
        assertThat(a.get("/q/metrics")).contains("roomcast_webhooks_retried_total");
    }

    @Test
    @Order(4)
    void aBadConfigurationStopsTheNodeAtStartupWithTheReason() throws Exception {
        java.nio.file.Path log = TestPaths.targetSubdir("it-logs").resolve("webhooks-bad.log");
        long before = java.nio.file.Files.exists(log) ? java.nio.file.Files.size(log) : 0;
        assertThatThrownBy(() -> node("webhooks-bad").config("roomcast.webhooks.secret", "short")
                .config("roomcast.webhooks.claim-idle", "2s").readyTimeout(Duration.ofSeconds(40)).start())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("exited with code 1");
        String written = java.nio.file.Files.readString(log).substring((int) before);
        assertThat(written).containsPattern("ERROR .*bad webhook configuration: roomcast.webhooks.secret must be set, "
                + "at least 16 characters; roomcast.webhooks.claim-idle \\(PT2S\\) must be longer than timeout \\+ "
                + "retry.max-backoff \\(PT3S\\)");
    }

    @Test
    @Order(5)
    void theSendingInstanceKilledMidDeliveryLeavesItsEventsToTheOther() {
        WsClient frank = connect(a, "frank"), gina = connect(b, "gina");
        // Their user.online events delivered first: a sender retries a held batch as it is, so a batch of those
        // alone, taken before the joins, would be the one held and never carry the room's events.
        await().atMost(WAIT).until(() -> receiver.accepted("user.online", "frank").size() == 1
                && receiver.accepted("user.online", "gina").size() == 1);
        receiver.hold();
        frank.join("crash");
        gina.join("crash");
        frank.join("alone-" + a.name()); // the last member of these is removed by reaping, when its node dies
        gina.join("alone-" + b.name());
        // A request with the room's events reaches the backend and is held unanswered: kill the node sending it.
        Request held = await().atMost(WAIT).until(() -> receiver.held().stream()
                .filter(r -> r.json().path("events").findValues("room").stream().anyMatch(v -> v.asText().equals("crash")))
                .findFirst().orElse(null), r -> r != null);
        String sender = held.header("X-Roomcast-Node");
        AppInstance killed = sender.equals(a.name()) ? a : b;
        AppInstance survivor = killed == a ? b : a;
        killed.kill9();
        receiver.up(); // the held request is answered 503 (never accepted): the events must come again
        String reaped = killed == a ? "frank" : "gina";
        await().atMost(WAIT).until(() -> receiver.accepted("room.occupied", "crash").size() == 1
                && receiver.accepted("member.joined", "crash").size() == 2);
        // The killed node's member is removed by reaping its lease, with its webhook events (its room vacated).
        await().atMost(WAIT).until(() -> receiver.accepted(e -> e.path("type").asText().equals("member.left")
                && e.path("room").asText().equals("crash") && e.path("user").asText().equals(reaped)).size() == 1);
        await().atMost(WAIT).until(() -> receiver.accepted("room.vacated", "alone-" + killed.name()).size() == 1
                && receiver.accepted("user.offline", reaped).size() == 1);
        assertThat(receiver.accepted("room.vacated", "alone-" + survivor.name())).isEmpty();
        (killed == a ? gina : frank).close();
        await().atMost(WAIT).until(() -> receiver.accepted("room.vacated", "crash").size() == 1
                && receiver.accepted("room.vacated", "alone-" + survivor.name()).size() == 1);
        assertThat(survivor.isAlive()).isTrue();
        assertThat(survivor.get("/q/metrics")).contains("roomcast_webhooks_delivered_total");
    }
}
