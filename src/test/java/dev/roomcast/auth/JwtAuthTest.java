package dev.roomcast.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.Tokens;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code roomcast.auth.mode=jwt}: who may connect (401 on the upgrade otherwise), where the token may
 * come from, and the per-room permissions of the {@code rooms} claim. Real tokens, signed with the test
 * key pair and verified by smallrye-jwt with the standard MicroProfile JWT settings ({@link SecuredProfile}).
 */
@QuarkusTest
@TestProfile(SecuredProfile.class)
class JwtAuthTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    private String url(String query) {
        return clients.url(query);
    }

    private WsClient connect(String token) {
        return clients.connect(null, Map.of("Authorization", "Bearer " + token), List.of());
    }

    private int status(String token) {
        return WsClient.upgradeStatus(url(null), token == null ? Map.of() : Map.of("Authorization", "Bearer " + token),
                List.of());
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    @Test
    void upgradesWithoutAValidTokenAreRefusedWith401() {
        double refusedBefore = SecuredEdgeTest.refused("unauthorized");
        Instant now = Instant.now();
        assertThat(status(null)).as("no token").isEqualTo(401);
        assertThat(WsClient.upgradeStatus(url("user=alice"), Map.of(), List.of())).as("?user= is ignored").isEqualTo(401);
        assertThat(status(Tokens.forged("alice"))).as("signed with another key").isEqualTo(401);
        assertThat(status(Tokens.claims("alice").issuedAt(now.minusSeconds(3600)).expiresAt(now.minusSeconds(600))
                .sign(Tokens.PRIVATE_KEY))).as("expired 10 minutes ago").isEqualTo(401);
        assertThat(status(Tokens.claims("alice").issuer("https://evil.example").sign(Tokens.PRIVATE_KEY)))
                .as("wrong issuer").isEqualTo(401);
        assertThat(status(Tokens.claims("not a user!").sign(Tokens.PRIVATE_KEY))).as("invalid sub").isEqualTo(401);
        assertThat(status(unsigned("alice"))).as("alg none").isEqualTo(401);
        assertThat(status("not.a.jwt")).as("garbage").isEqualTo(401);
        String valid = Tokens.valid("alice");
        assertThat(status(valid.substring(0, valid.length() - 4) + "AAAA")).as("tampered signature").isEqualTo(401);
        assertThat(hub.connectionCount()).isZero();
        assertThat(SecuredEdgeTest.refused("unauthorized") - refusedBefore).as("counted").isEqualTo(9);
    }

    @Test
    void aValidTokenWorksInTheHeaderTheQueryAndTheSubprotocol() {
        WsClient header = connect(Tokens.valid("alice"));
        assertThat(header.user()).isEqualTo("alice");

        WsClient query = WsClient.connect(url("access_token=" + Tokens.valid("bob")));
        clients.add(query);
        assertThat(query.user()).isEqualTo("bob");

        // What a browser sends: new WebSocket(url, ["bearer-token-carrier", encodeURIComponent("quarkus-http-upgrade#Authorization#Bearer " + token)])
        String carrier = URLEncoder.encode("quarkus-http-upgrade#Authorization#Bearer " + Tokens.valid("carol"),
                StandardCharsets.UTF_8).replace("+", "%20");
        WsClient subprotocol = WsClient.connect(url(null), Map.of(), List.of("bearer-token-carrier", carrier));
        clients.add(subprotocol);
        assertThat(subprotocol.user()).isEqualTo("carol");
        assertThat(subprotocol.subprotocol()).as("selected, or a browser drops the connection")
                .isEqualTo("bearer-token-carrier");

        // All three are real sessions: a message from one reaches the others.
        for (WsClient c : List.of(header, query, subprotocol)) {
            c.join("lobby");
        }
        header.request("{\"type\":\"publish\",\"room\":\"lobby\",\"data\":\"hi\"}");
        assertThat(subprotocol.awaitType("message").path("from").asText()).isEqualTo("alice");
        assertThat(query.awaitType("message").path("from").asText()).isEqualTo("alice");
    }

    @Test
    void theRoomsClaimRestrictsJoinsAndPublishes() {
        WsClient alice = connect(Tokens.withRooms("alice", List.of("team-*", "user:alice"), List.of("team-a")));
        WsClient bob = connect(Tokens.valid("bob")); // no rooms claim: anywhere

        assertThat(alice.join("team-a").path("room").asText()).isEqualTo("team-a");
        alice.join("team-b");
        alice.join("user:alice");
        assertError(alice, "{\"type\":\"join\",\"room\":\"user:bob\"}", "forbidden");
        assertError(alice, "{\"type\":\"join\",\"room\":\"xteam-a\"}", "forbidden"); // globs match whole names
        assertError(alice, "{\"type\":\"presence\",\"room\":\"user:bob\"}", "forbidden");
        assertThat(hub.localMembers("user:bob")).as("nothing joined").isZero();
        assertThat(hub.localMembers("xteam-a")).isZero();

        bob.join("team-b");
        bob.join("user:bob");
        assertError(alice, "{\"type\":\"publish\",\"room\":\"team-b\",\"data\":1}", "forbidden"); // joined, may not publish
        assertError(alice, "{\"type\":\"publish\",\"room\":\"user:bob\",\"data\":1}", "forbidden"); // not even joined
        JsonNode ack = alice.request("{\"type\":\"publish\",\"room\":\"team-a\",\"data\":\"ok\"}");
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        assertThat(alice.awaitType("message").path("room").asText()).isEqualTo("team-a");

        bob.request("{\"type\":\"publish\",\"room\":\"team-b\",\"data\":\"from bob\"}");
        assertThat(alice.awaitType("message").path("data").asText()).as("alice still reads team-b").isEqualTo("from bob");
        JsonNode first = bob.awaitType("message");
        assertThat(first.path("data").asText()).as("nothing of alice's refused publishes reached team-b")
                .isEqualTo("from bob");

        WsClient readOnly = connect(Tokens.claims("dana").claim("rooms", Map.of("join", List.of("*"))).sign(Tokens.PRIVATE_KEY));
        readOnly.join("anything");
        assertError(readOnly, "{\"type\":\"publish\",\"room\":\"anything\",\"data\":1}", "forbidden");
    }

    private static void assertError(WsClient c, String frame, String code) {
        JsonNode reply = c.request(frame);
        assertThat(reply.path("type").asText()).as("reply to %s", frame).isEqualTo("error");
        assertThat(reply.path("code").asText()).as("code for %s", frame).isEqualTo(code);
    }

    /** {@code alg: none}: a token anyone can write. */
    private static String unsigned(String sub) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long exp = Instant.now().plusSeconds(300).getEpochSecond();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String body = b64.encodeToString(("{\"iss\":\"" + Tokens.ISSUER + "\",\"sub\":\"" + sub + "\",\"exp\":" + exp + "}")
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + body + ".";
    }
}
