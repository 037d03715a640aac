package dev.roomcast.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.WebhookReceiver;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks on the memory backend (docs/integration.md, "Webhooks"): every event type with its fields, in order, the
 * offline delay, message.published by room pattern, retries while the backend is down; every request's signature is
 * checked by the {@link WebhookReceiver}.
 */
@QuarkusTest
@TestProfile(WebhooksProfile.class)
class WebhooksTest {

    private static final WebhookReceiver RECEIVER = WebhooksProfile.RECEIVER;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    @AfterEach
    void closeAll() {
        clients.closeAll();
        RECEIVER.up();
        assertThat(RECEIVER.badSignatures()).isZero();
        // Every event has exactly the fields docs/integration.md lists for its type.
        Map<String, java.util.Set<String>> documented = WebhookDocs.fieldsByType();
        for (JsonNode event : RECEIVER.accepted()) {
            java.util.Set<String> fields = new java.util.TreeSet<>();
            event.fieldNames().forEachRemaining(fields::add);
            fields.removeAll(java.util.Set.of("id", "type", "time"));
            java.util.Set<String> expected = new java.util.TreeSet<>(documented.get(event.path("type").asText()));
            if (!event.has("from")) {
                expected.remove("from"); // absent for a message the HTTP API published without ?from=
            }
            assertThat(fields).as("%s", event).isEqualTo(expected);
        }
    }

    private static List<String> typesAbout(String room) {
        return RECEIVER.accepted(e -> room.equals(e.path("room").asText())).stream()
                .map(e -> e.path("type").asText() + (e.has("user") ? " " + e.path("user").asText() : "")).toList();
    }

    @Test
    void roomAndMemberEventsInTheOrderOfTheChanges() {
        WsClient alice = clients.connect("alice");
        WsClient alice2 = clients.connect("alice");
        WsClient bob = clients.connect("bob");
        alice.join("lobby");
        alice2.join("lobby"); // a second connection of a member: no event
        bob.join("lobby");
        alice.request("{\"type\":\"leave\",\"room\":\"lobby\"}");
        alice2.request("{\"type\":\"leave\",\"room\":\"lobby\"}");
        bob.request("{\"type\":\"leave\",\"room\":\"lobby\"}");
        await().atMost(WAIT).until(() -> !RECEIVER.accepted("room.vacated", "lobby").isEmpty());
        assertThat(typesAbout("lobby")).containsExactly("room.occupied", "member.joined alice", "member.joined bob",
                "member.left alice", "member.left bob", "room.vacated");
        JsonNode occupied = RECEIVER.accepted("room.occupied", "lobby").get(0);
        assertThat(occupied.path("id").asText()).matches("\\d+-\\d+");
        assertThat(occupied.path("time").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        assertThat(occupied.has("user")).isFalse();
    }

    @Test
    void offlineIsNotSentWhenTheUserReconnectsWithinTheDelay() {
        WsClient first = clients.connect("carol");
        await().atMost(WAIT).until(() -> RECEIVER.accepted("user.online", "carol").size() == 1);
        clients.remove(0).close();
        clients.connect("carol"); // back within the delay
        clients.closeAll();
        await().atMost(WAIT).until(() -> RECEIVER.accepted("user.offline", "carol").size() == 1);
        // One online and one offline: the short absence sent nothing.
        assertThat(RECEIVER.accepted(e -> "carol".equals(e.path("user").asText())).stream()
                .map(e -> e.path("type").asText())).containsExactly("user.online", "user.offline");
        assertThat(first.isClosed()).isTrue();
    }

    @Test
    void messagePublishedOnlyForTheConfiguredRoomsWithTheStoredMessage() {
        WsClient dave = clients.connect("dave");
        dave.join("news.today");
        dave.join("chat");
        dave.request("{\"type\":\"publish\",\"room\":\"news.today\",\"data\":{\"text\":\"héllo\"}}");
        JsonNode message = dave.awaitType("message");
        dave.request("{\"type\":\"publish\",\"room\":\"chat\",\"data\":2}");
        given().contentType("application/json").body("[1,2]").when().post("/api/rooms/news.today/messages")
                .then().statusCode(200);
        await().atMost(WAIT).until(() -> RECEIVER.accepted("message.published", "news.today").size() == 2);
        JsonNode published = RECEIVER.accepted("message.published", "news.today").get(0);
        assertThat(published.path("from").asText()).isEqualTo("dave");
        assertThat(published.path("data").path("text").asText()).isEqualTo("héllo");
        assertThat(published.path("offset").asText()).isEqualTo(message.path("offset").asText());
        assertThat(published.path("epoch").asText()).isEqualTo(message.path("epoch").asText());
        JsonNode fromApi = RECEIVER.accepted("message.published", "news.today").get(1);
        assertThat(fromApi.has("from")).isFalse();
        assertThat(fromApi.path("data").toString()).isEqualTo("[1,2]");
        assertThat(RECEIVER.accepted("message.published", "chat")).isEmpty();
    }

    @Test
    void anIdempotentRetryRecordsMessagePublishedOnce() {
        String first = given().contentType("application/json").body("{\"n\":1}")
                .when().post("/api/rooms/news.retried/messages?idempotency_key=order-7")
                .then().statusCode(200).extract().path("offset");
        String retry = given().contentType("application/json").body("{\"n\":1}")
                .when().post("/api/rooms/news.retried/messages?idempotency_key=order-7")
                .then().statusCode(200).extract().path("offset");
        assertThat(retry).isEqualTo(first);
        given().contentType("application/json").body("{\"n\":2}").when().post("/api/rooms/news.retried/messages")
                .then().statusCode(200);
        // The event of the un-keyed publish after the retry arrives after the retry's would have: none came.
        await().atMost(WAIT).until(() -> RECEIVER.accepted("message.published", "news.retried").size() == 2);
        assertThat(RECEIVER.accepted("message.published", "news.retried"))
                .extracting(e -> e.path("data").toString()).containsExactly("{\"n\":1}", "{\"n\":2}");
        assertThat(RECEIVER.accepted("message.published", "news.retried").get(0).path("offset").asText()).isEqualTo(first);
    }

    @Test
    void eventsAreRetriedWhileTheBackendIsDownAndAllArriveWhenItIsBack() {
        double retriedBefore = metrics().value("roomcast_webhooks_retried_total");
        RECEIVER.down();
        WsClient erin = clients.connect("erin");
        for (int i = 0; i < 5; i++) {
            erin.join("down-" + i);
        }
        await().atMost(WAIT).until(() -> RECEIVER.refused() >= 3);
        assertThat(RECEIVER.accepted(e -> e.path("room").asText().startsWith("down-"))).isEmpty();
        RECEIVER.up();
        await().atMost(WAIT).until(() -> RECEIVER.accepted(e -> e.path("room").asText().startsWith("down-")).size() == 10);
        MetricsScrape metrics = metrics();
        assertThat(metrics.value("roomcast_webhooks_retried_total")).isGreaterThan(retriedBefore);
        assertThat(metrics.value("roomcast_webhooks_delivered_total")).isGreaterThanOrEqualTo(10);
        assertThat(metrics.value("roomcast_webhooks_dropped_total", Map.of("reason", "expired"))).isZero();
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    private static MetricsScrape metrics() {
        return MetricsScrape.of(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
    }
}
