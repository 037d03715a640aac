package dev.roomcast.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.HookBackend;
import dev.roomcast.testing.HookBackend.Answer;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The connect, join and publish hooks against a real HTTP backend ({@link HookBackend}): what each decision
 * does for the client, and what a slow, failing or garbage backend does (docs/integration.md, "Hooks").
 */
@QuarkusTest
@TestProfile(HooksProfile.class)
class HooksTest {

    private static final HookBackend BACKEND = HooksProfile.BACKEND;

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    @AfterEach
    void healthy() {
        clients.closeAll();
        BACKEND.reset();
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    private static MetricsScrape metrics() {
        return MetricsScrape.of(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    // --- connect -------------------------------------------------------------------------------

    @Test
    void connectHookAllowsWithRoomsAndDataAndSeesTheUserAndChosenHeaders() {
        BACKEND.answer("/connect", r -> Answer.json(
                "{\"allow\":true,\"rooms\":[\"lobby\",\"news\"],\"data\":{\"plan\":\"pro\"}}"));
        int before = BACKEND.received("/connect").size();
        WsClient c = clients.add(WsClient.connect(clients.url("user=carol"), Map.of("X-Tenant", "acme",
                "X-Other", "secret"), List.of()));
        assertThat(c.welcome().path("data").path("plan").asText()).isEqualTo("pro");
        // The rooms are joined server-side, each acknowledged without an id.
        JsonNode first = c.awaitType("ack");
        JsonNode second = c.awaitType("ack");
        assertThat(List.of(first.path("room").asText(), second.path("room").asText())).containsExactly("lobby", "news");
        assertThat(first.has("id")).isFalse();
        JsonNode asked = BACKEND.received("/connect").get(before);
        assertThat(asked.path("user").asText()).isEqualTo("carol");
        assertThat(asked.path("headers").path("x-tenant").asText()).isEqualTo("acme");
        assertThat(asked.path("headers").has("x-other")).isFalse();
        assertThat(BACKEND.headers("/connect").get(before).get("Authorization")).containsExactly("Bearer hook-secret");
        // Really a member: a message to lobby reaches it.
        WsClient other = clients.connect("dave");
        other.join("lobby");
        other.request("{\"type\":\"publish\",\"room\":\"lobby\",\"data\":\"hi\"}");
        assertThat(c.awaitType("message").path("data").asText()).isEqualTo("hi");
    }

    @Test
    void connectHookRefusalIs403WithTheReason() {
        BACKEND.answer("/connect", r -> Answer.json("{\"allow\":false,\"reason\":\"banned user\"}"));
        assertThatThrownBy(() -> WsClient.connect(clients.url("user=mallory")))
                .isInstanceOfSatisfying(WsClient.UpgradeRefused.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.reason()).isEqualTo("banned user");
                });
    }

    @Test
    void connectHookFailureIs503WithRetryAfter() {
        BACKEND.answer("/connect", r -> new Answer(500, "oops", 0));
        assertThatThrownBy(() -> WsClient.connect(clients.url("user=erin")))
                .isInstanceOfSatisfying(WsClient.UpgradeRefused.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryAfter()).isEqualTo("1");
                });
        BACKEND.reset(); // one success closes the count again
        clients.connect("erin");
    }

    // --- join ----------------------------------------------------------------------------------

    @Test
    void joinHookAllowsWithDataRefusesWithReasonAndIsAskedOnlyForItsRooms() {
        BACKEND.answer("/join", r -> r.path("room").asText().equals("guarded.secret")
                ? Answer.json("{\"allow\":false,\"reason\":\"members only\"}")
                : Answer.json("{\"allow\":true,\"data\":{\"role\":\"" + r.path("user").asText() + "-mod\"}}"));
        WsClient c = clients.connect("frank");
        JsonNode ack = c.join("guarded.open");
        assertThat(ack.path("data").path("role").asText()).isEqualTo("frank-mod");
        assertThat(ack.path("epoch").isTextual()).isTrue();

        JsonNode refused = c.request("{\"type\":\"join\",\"room\":\"guarded.secret\"}");
        assertThat(refused.path("type").asText()).isEqualTo("error");
        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("message").asText()).isEqualTo("members only");

        int asked = BACKEND.received("/join").size();
        JsonNode plain = c.join("open-room");
        assertThat(plain.has("data")).isFalse();
        assertThat(BACKEND.received("/join")).hasSize(asked);
        // Not a member of the refused room: publishing there is not_joined.
        assertThat(c.request("{\"type\":\"publish\",\"room\":\"guarded.secret\",\"data\":1}").path("code").asText())
                .isEqualTo("not_joined");
    }

    // --- publish -------------------------------------------------------------------------------

    @Test
    void publishHookAllowsReplacesAndRefusesBeforeAnythingIsStored() {
        BACKEND.answer("/publish", r -> {
            String text = r.path("data").path("text").asText();
            if (text.contains("spam")) {
                return Answer.json("{\"allow\":false,\"reason\":\"spam\"}");
            }
            if (text.contains("darn")) {
                return Answer.json("{\"allow\":true,\"data\":{\"text\":\"****\",\"id\":42}}");
            }
            return Answer.json("{\"allow\":true}");
        });
        WsClient alice = clients.connect("alice");
        WsClient bob = clients.connect("bob");
        alice.join("moderated.chat");
        bob.join("moderated.chat");

        JsonNode allowed = alice.request("{\"type\":\"publish\",\"room\":\"moderated.chat\",\"data\":{\"text\":\"hello\"}}");
        assertThat(allowed.path("type").asText()).isEqualTo("ack");
        assertThat(allowed.has("data")).isFalse();
        assertThat(bob.awaitType("message").path("data").path("text").asText()).isEqualTo("hello");

        JsonNode refused = alice.request("{\"type\":\"publish\",\"room\":\"moderated.chat\",\"data\":{\"text\":\"spam!\"}}");
        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("message").asText()).isEqualTo("spam");

        JsonNode replaced = alice.request("{\"type\":\"publish\",\"room\":\"moderated.chat\",\"data\":{\"text\":\"darn\"}}");
        assertThat(replaced.path("type").asText()).isEqualTo("ack");
        assertThat(replaced.path("data").path("id").asInt()).isEqualTo(42);
        // The next message bob sees is the replacement: the refused one was never stored nor delivered.
        JsonNode delivered = bob.awaitType("message");
        assertThat(delivered.path("data").path("text").asText()).isEqualTo("****");
        assertThat(delivered.path("data").path("id").asInt()).isEqualTo(42);
    }

    /**
     * A client that sends faster than its messages are handled — here each publish waits 200 ms for the publish
     * hook — is read no faster than that: the node holds a few of its messages and TCP holds the rest back. Before,
     * websockets-next queued every message the node read, without a bound: the 60 MB below were all taken at once
     * (and 300 connections refreshing tokens faster than the workers verified them ran a node out of heap).
     */
    @Test
    void aClientSendingFasterThanItsMessagesAreHandledIsReadNoFaster() {
        BACKEND.answer("/publish", r -> new Answer(200, "{\"allow\":true}", 200));
        long sent;
        AtomicLong written = new AtomicLong();
        try (RawWsClient flood = RawWsClient.open(clients.url("user=flood"))) {
            flood.sendText("{\"type\":\"join\",\"room\":\"moderated.flood\",\"presence\":false,\"id\":\"j\"}");
            assertThat(flood.readMessage(WsClient.TIMEOUT).text()).contains("\"ack\"");
            byte[] frame = RawWsClient.frame(RawWsClient.TEXT, ("{\"type\":\"publish\",\"room\":\"moderated.flood\",\"data\":\""
                    + "x".repeat(30_000) + "\"}").getBytes(StandardCharsets.UTF_8));
            sent = 2000L * frame.length;
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 2000; i++) {
                        flood.sendRaw(frame);
                        written.addAndGet(frame.length);
                    }
                } catch (UncheckedIOException closed) {
                    // the test is over
                }
            }, "flood-writer");
            writer.setDaemon(true);
            writer.start();
            // What the node and the two sockets' buffers take while 15 messages are handled: not 60 MB.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> written.get() < sent / 3);
        }
        BACKEND.reset();
        WsClient fresh = clients.connect("after-flood");
        fresh.join("moderated.after");
        assertThat(fresh.request("{\"type\":\"publish\",\"room\":\"moderated.after\",\"data\":1}").path("type").asText())
                .isEqualTo("ack");
        assertThat(fresh.awaitType("message").path("data").asInt()).isEqualTo(1);
    }

    // --- failures and the breaker --------------------------------------------------------------

    @Test
    void aSlowFailingOrGarbageBackendGivesUnavailableAndTheNodeStaysHealthy() {
        WsClient c = clients.connect("gina");
        List<Answer> bad = List.of(
                new Answer(200, "{\"allow\":true}", HooksProfile.TIMEOUT_MILLIS * 3), // too slow
                new Answer(500, "{\"allow\":true}", 0),
                new Answer(200, "<html>not json</html>", 0),
                new Answer(200, "{\"permit\":\"yes\"}", 0),
                new Answer(200, "[true]", 0));
        int n = 0;
        for (Answer answer : bad) {
            BACKEND.answer("/join", r -> answer);
            long start = System.nanoTime();
            JsonNode reply = c.request("{\"type\":\"join\",\"room\":\"guarded.f" + n + "\"}");
            assertThat(reply.path("code").asText()).as("%s", answer).isEqualTo("unavailable");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            // The connection and the node still work, and one good answer resets the breaker's count.
            assertThat(c.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
            BACKEND.answer("/join", r -> Answer.json("{\"allow\":true}"));
            c.join("guarded.ok" + n++);
        }
        BACKEND.answer("/publish", r -> new Answer(503, "", 0));
        c.join("moderated.down");
        assertThat(c.request("{\"type\":\"publish\",\"room\":\"moderated.down\",\"data\":1}").path("code").asText())
                .isEqualTo("unavailable");
        given().when().get("/q/health/live").then().statusCode(200);
        MetricsScrape metrics = metrics();
        assertThat(metrics.value("roomcast_hook_duration_seconds_count", Map.of("hook", "join", "outcome", "timeout")))
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics.value("roomcast_hook_duration_seconds_count", Map.of("hook", "join", "outcome", "invalid")))
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void theBreakerOpensAfterConsecutiveFailuresAndClosesWhenTheBackendIsBack() {
        WsClient c = clients.connect("hank");
        BACKEND.answer("/join", r -> new Answer(500, "", 0));
        for (int i = 0; i < HooksProfile.BREAKER_FAILURES; i++) {
            assertThat(c.request("{\"type\":\"join\",\"room\":\"guarded.b" + i + "\"}").path("code").asText())
                    .isEqualTo("unavailable");
        }
        // Open: refused at once, the backend is not even asked.
        int asked = BACKEND.received("/join").size();
        assertThat(c.request("{\"type\":\"join\",\"room\":\"guarded.open\"}").path("code").asText()).isEqualTo("unavailable");
        assertThat(BACKEND.received("/join")).hasSize(asked);
        assertThat(metrics().value("roomcast_hook_breaker_open", Map.of("hook", "join"))).isEqualTo(1);
        // Back: after open-for a trial call goes through, and the breaker closes.
        BACKEND.answer("/join", r -> Answer.json("{\"allow\":true}"));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                "ack".equals(c.request("{\"type\":\"join\",\"room\":\"guarded.back\"}").path("type").asText()));
        assertThat(metrics().value("roomcast_hook_breaker_open", Map.of("hook", "join"))).isEqualTo(0);
        c.join("guarded.again");
    }
}
