package dev.roomcast.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.testing.Tokens;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The token's {@code exp} on a live connection and {@code refresh}, with real tokens: the subclasses run it against
 * RS256 (key pair) and HS256 (shared secret) nodes whose clock skew is {@value #SKEW_SECONDS} s and whose
 * {@code roomcast.auth.refresh-ahead} is {@value #REFRESH_AHEAD_SECONDS} s.
 */
abstract class TokenRefreshContract {

    static final int SKEW_SECONDS = 1;
    static final int REFRESH_AHEAD_SECONDS = 2;

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    /** Signs with what the node trusts. */
    abstract String sign(JwtClaimsBuilder claims);

    /** Signs with a key or secret the node does not trust. */
    abstract String forge(JwtClaimsBuilder claims);

    static JwtClaimsBuilder claims(String sub, long expiresAt) {
        return Jwt.issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE).subject(sub).issuedAt(Instant.now())
                .expiresAt(expiresAt);
    }

    private static long inSeconds(int seconds) {
        return Instant.now().getEpochSecond() + seconds;
    }

    private WsClient connect(String token) {
        return clients.connect(null, Map.of("Authorization", "Bearer " + token), List.of());
    }

    /** A refresh frame; {@code why} only names the case in assertion messages ({@link WsClient#request} adds the id). */
    private static String refresh(String token, String why) {
        return "{\"type\":\"refresh\",\"token\":\"" + token + "\",\"case\":\"" + why + "\"}";
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    @Test
    void anExpiredConnectionIsToldToRefreshThenClosedWithTokenExpiredWithinSkewPlusOneSecond() {
        long exp = inSeconds(6);
        WsClient alice = connect(sign(claims("alice", exp)));
        alice.join("lobby");

        JsonNode due = alice.awaitType("refresh");
        assertThat(due.path("expires").asLong()).isEqualTo(exp);
        assertThat(System.currentTimeMillis()).as("pushed refresh-ahead before exp")
                .isLessThanOrEqualTo(exp * 1000 - (REFRESH_AHEAD_SECONDS - 1) * 1000L);

        assertThat(alice.awaitClose(Duration.ofSeconds(10))).isEqualTo(CloseCodes.TOKEN_EXPIRED);
        long closedAt = System.currentTimeMillis();
        assertThat(closedAt).as("not before exp + skew").isGreaterThanOrEqualTo(exp * 1000 + SKEW_SECONDS * 1000L - 50);
        assertThat(closedAt).as("within skew + 1 s").isLessThanOrEqualTo(exp * 1000 + (SKEW_SECONDS + 1) * 1000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> hub.localMembers("lobby") == 0);
    }

    @Test
    void aConnectionThatRefreshesInTimeStaysOpenAndKeepsReceiving() {
        long exp = inSeconds(3);
        WsClient refreshed = connect(sign(claims("alice", exp)));
        WsClient unrefreshed = connect(sign(claims("bob", exp)));
        WsClient publisher = connect(sign(claims("carol", inSeconds(300))));
        for (WsClient c : List.of(refreshed, unrefreshed, publisher)) {
            c.join("lobby");
        }

        long newExp = inSeconds(300);
        JsonNode ack = refreshed.request(refresh(sign(claims("alice", newExp)), "r1"));
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        assertThat(ack.path("expires").asLong()).isEqualTo(newExp);

        // The connection with the same old token is closed at its deadline; the refreshed one is not.
        assertThat(unrefreshed.awaitClose(Duration.ofSeconds(10))).isEqualTo(CloseCodes.TOKEN_EXPIRED);
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > (exp + SKEW_SECONDS + 1) * 1000);
        publisher.request("{\"type\":\"publish\",\"room\":\"lobby\",\"data\":\"after\"}");
        assertThat(refreshed.await(f -> "message".equals(f.path("type").asText())
                && "after".equals(f.path("data").asText())).path("from").asText()).isEqualTo("carol");
        assertThat(refreshed.isClosed()).isFalse();
        assertThat(refreshed.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
    }

    @Test
    void refreshesWithAnotherSubABadSignatureOrAnExpiredTokenAreRefusedAndTheConnectionStaysHealthy() {
        long exp = inSeconds(300);
        WsClient alice = connect(sign(claims("alice", exp)));
        WsClient bob = connect(sign(claims("bob", exp)));
        alice.join("lobby");
        bob.join("lobby");

        assertRefused(alice, refresh(sign(claims("mallory", inSeconds(600))), "other-sub"), "invalid_token");
        assertRefused(alice, refresh(forge(claims("alice", inSeconds(600))), "forged"), "invalid_token");
        Instant past = Instant.now().minusSeconds(3600);
        assertRefused(alice, refresh(sign(Jwt.issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE).subject("alice")
                .issuedAt(past).expiresAt(past.plusSeconds(600))), "expired"), "invalid_token");
        assertRefused(alice, "{\"type\":\"refresh\"}", "bad_request");
        assertRefused(alice, refresh("not.a.jwt", "garbage"), "invalid_token");

        assertThat(alice.isClosed()).isFalse();
        assertThat(alice.welcome().path("user").asText()).isEqualTo("alice");
        bob.request("{\"type\":\"publish\",\"room\":\"lobby\",\"data\":\"still here\"}");
        assertThat(alice.await(f -> "still here".equals(f.path("data").asText())).path("from").asText()).isEqualTo("bob");
        alice.request("{\"type\":\"publish\",\"room\":\"lobby\",\"data\":\"me too\"}");
        assertThat(bob.await(f -> "me too".equals(f.path("data").asText())).path("from").asText()).isEqualTo("alice");
    }

    @Test
    void aRefreshThatNarrowsRoomsLeavesTheRoomsNoLongerAllowed() {
        long exp = inSeconds(300);
        WsClient alice = connect(sign(claims("alice", exp)
                .claim("rooms", Map.of("join", List.of("team-*"), "publish", List.of("team-*")))));
        WsClient bob = connect(sign(claims("bob", exp)));
        alice.join("team-a");
        alice.join("team-b");
        bob.join("team-b");

        JsonNode ack = alice.request(refresh(sign(claims("alice", inSeconds(600))
                .claim("rooms", Map.of("join", List.of("team-a"), "publish", List.of("team-a")))), "narrow"));
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        JsonNode removed = alice.awaitType("removed");
        assertThat(removed.path("room").asText()).isEqualTo("team-b");
        assertThat(removed.path("reason").asText()).contains("no longer allows");
        assertThat(alice.pending("removed")).as("team-a is still allowed").isEmpty();
        assertThat(bob.await(f -> "left".equals(f.path("type").asText())).path("user").asText()).isEqualTo("alice");

        bob.request("{\"type\":\"publish\",\"room\":\"team-b\",\"data\":\"b\"}");
        assertRefused(alice, "{\"type\":\"join\",\"room\":\"team-b\"}", "forbidden");
        assertRefused(alice, "{\"type\":\"publish\",\"room\":\"team-b\",\"data\":1}", "forbidden");
        alice.request("{\"type\":\"publish\",\"room\":\"team-a\",\"data\":\"a\"}");
        assertThat(alice.await(f -> "message".equals(f.path("type").asText())).path("room").asText())
                .as("the first message after the refresh is team-a's, not team-b's").isEqualTo("team-a");
    }

    /** {@code frame} is answered with an {@code error} of {@code code}. */
    static void assertRefused(WsClient client, String frame, String code) {
        JsonNode reply = client.request(frame);
        assertThat(reply.path("type").asText()).as(frame).isEqualTo("error");
        assertThat(reply.path("code").asText()).as(frame).isEqualTo(code);
    }
}
