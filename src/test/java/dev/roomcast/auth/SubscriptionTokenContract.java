package dev.roomcast.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
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

import static dev.roomcast.auth.TokenRefreshContract.REFRESH_AHEAD_SECONDS;
import static dev.roomcast.auth.TokenRefreshContract.SKEW_SECONDS;
import static dev.roomcast.auth.TokenRefreshContract.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Subscription tokens (a {@code join}'s {@code token}) with real tokens, on the nodes of {@link TokenRefreshContract}
 * (clock skew {@value TokenRefreshContract#SKEW_SECONDS} s, refresh-ahead {@value TokenRefreshContract#REFRESH_AHEAD_SECONDS}
 * s). Every connection token here allows only {@code lobby}: the rooms below are reachable by subscription tokens only.
 */
abstract class SubscriptionTokenContract {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    /** Signs a connection token with what the node trusts for connections. */
    abstract String sign(JwtClaimsBuilder claims);

    /** Signs a subscription token with what the node trusts for subscription tokens. */
    abstract String signRoom(JwtClaimsBuilder claims);

    /** Signs a subscription token with a key or secret the node does not trust for subscription tokens. */
    abstract String forgeRoom(JwtClaimsBuilder claims);

    private static long inSeconds(int seconds) {
        return Instant.now().getEpochSecond() + seconds;
    }

    /** A subscription token's claims: {@code sub}, {@code room}, {@code exp}, and the issuer and audience the node expects. */
    static JwtClaimsBuilder roomClaims(String sub, String room, long expiresAt, String... allow) {
        JwtClaimsBuilder claims = TokenRefreshContract.claims(sub, expiresAt).claim(SubscriptionTokens.ROOM_CLAIM, room);
        return allow.length == 0 ? claims : claims.claim(SubscriptionTokens.ALLOW_CLAIM, List.of(allow));
    }

    /** Connects with a token that allows joining and publishing to {@code lobby} only. */
    private WsClient connect(String user) {
        return connect(user, List.of("lobby"));
    }

    private WsClient connect(String user, List<String> rooms) {
        String token = sign(TokenRefreshContract.claims(user, inSeconds(300))
                .claim("rooms", Map.of("join", rooms, "publish", rooms)));
        return clients.connect(null, Map.of("Authorization", "Bearer " + token), List.of());
    }

    private static String join(String room, String token) {
        return "{\"type\":\"join\",\"room\":\"" + room + "\",\"token\":\"" + token + "\"}";
    }

    private static String refresh(String room, String token) {
        return "{\"type\":\"refresh\",\"room\":\"" + room + "\",\"token\":\"" + token + "\"}";
    }

    private static String publish(String room, String data) {
        return "{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":\"" + data + "\"}";
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    @Test
    void aValidTokenJoinsARoomTheConnectionTokenDoesNotAllowWithItsPermissionsForThatRoomOnly() {
        WsClient alice = connect("alice");
        WsClient bob = connect("bob");
        assertRefused(alice, "{\"type\":\"join\",\"room\":\"vip\"}", "forbidden");

        JsonNode ack = alice.request(join("vip", signRoom(roomClaims("alice", "vip", inSeconds(300)))));
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        assertThat(ack.path("room").asText()).isEqualTo("vip");
        assertThat(ack.path("epoch").asText()).isNotEmpty();
        JsonNode bobAck = bob.request(join("vip", signRoom(roomClaims("bob", "vip", inSeconds(300), "publish", "presence"))));
        assertThat(bobAck.path("type").asText()).as(bobAck.toString()).isEqualTo("ack");

        // Without "allow": receive only. With it: publish and presence, in that room only.
        bob.request(publish("vip", "from bob"));
        assertThat(alice.await(f -> "message".equals(f.path("type").asText())).path("data").asText()).isEqualTo("from bob");
        assertRefused(alice, publish("vip", "from alice"), "forbidden");
        assertRefused(alice, "{\"type\":\"presence\",\"room\":\"vip\"}", "forbidden");
        JsonNode presence = bob.request("{\"type\":\"presence\",\"room\":\"vip\"}");
        assertThat(presence.path("count").asInt()).as(presence.toString()).isEqualTo(2);
        assertRefused(bob, "{\"type\":\"join\",\"room\":\"vip-2\"}", "forbidden");
        assertRefused(bob, "{\"type\":\"presence\",\"room\":\"vip-2\"}", "forbidden");
        assertThat(alice.pending("joined")).as("no presence events without the presence permission").isEmpty();

        // A join of a room the connection holds, without a token, is the usual idempotent ack.
        assertThat(alice.request("{\"type\":\"join\",\"room\":\"vip\"}").path("type").asText()).isEqualTo("ack");
        alice.request("{\"type\":\"leave\",\"room\":\"vip\"}");
        assertRefused(alice, "{\"type\":\"join\",\"room\":\"vip\"}", "forbidden");
    }

    @Test
    void tokensThatAreExpiredForAnotherRoomOrUserForgedOrMalformedAreRefusedAndNothingIsJoined() {
        WsClient alice = connect("alice");
        WsClient bob = connect("bob");
        alice.join("lobby");
        bob.join("lobby");
        Instant past = Instant.now().minusSeconds(3600);

        assertRejected(alice, "expired", signRoom(Jwt.issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE).subject("alice")
                .claim("room", "vip").issuedAt(past).expiresAt(past.plusSeconds(600))), null);
        assertRejected(alice, "another room", signRoom(roomClaims("alice", "vip-2", inSeconds(300))), "another room");
        assertRejected(alice, "another user", signRoom(roomClaims("mallory", "vip", inSeconds(300))), "another user");
        assertRejected(alice, "bad signature", forgeRoom(roomClaims("alice", "vip", inSeconds(300))), null);
        assertRejected(alice, "not yet valid", signRoom(roomClaims("alice", "vip", inSeconds(300))
                .claim("nbf", inSeconds(600))), null);
        assertRejected(alice, "issued in the future", signRoom(roomClaims("alice", "vip", inSeconds(900))
                .issuedAt(inSeconds(600))), null);
        assertRejected(alice, "another audience", signRoom(roomClaims("alice", "vip", inSeconds(300))
                .audience("another-service")), null);
        assertRejected(alice, "no room claim", signRoom(TokenRefreshContract.claims("alice", inSeconds(300))), "room claim");
        assertRejected(alice, "a bad allow claim", signRoom(roomClaims("alice", "vip", inSeconds(300), "publish", "everything")),
                "allow");
        assertRejected(alice, "malformed", "not.a.jwt", null);

        assertThat(hub.localMembers("vip")).as("nothing joined").isZero();
        assertThat(alice.isClosed()).isFalse();
        assertThat(alice.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
        bob.request(publish("lobby", "still here"));
        assertThat(alice.await(f -> "still here".equals(f.path("data").asText())).path("from").asText()).isEqualTo("bob");
        assertThat(alice.pending("message")).isEmpty();
        // A subscription token opens no connection, and is no connection token to refresh with.
        assertThat(WsClient.upgradeStatus(clients.url(null), Map.of("Authorization",
                "Bearer " + sign(roomClaims("alice", "vip", inSeconds(300)))), List.of())).isEqualTo(401);
        assertRefused(alice, "{\"type\":\"refresh\",\"token\":\"" + sign(roomClaims("alice", "vip", inSeconds(300))) + "\"}",
                "invalid_token");
    }

    @Test
    void withoutARefreshTheRoomIsLeftWithinSkewPlusOneSecondAndNotBeforeAndTheConnectionStaysOpen() {
        WsClient alice = connect("alice");
        WsClient bob = connect("bob");
        bob.join("lobby");
        long exp = inSeconds(5);
        // lobby is allowed by the connection token too: its subscription token's expiry does not take it away.
        alice.request(join("lobby", signRoom(roomClaims("alice", "lobby", exp))));
        alice.request(join("vip", signRoom(roomClaims("alice", "vip", exp))));
        bob.request(join("vip", signRoom(roomClaims("bob", "vip", inSeconds(300), "presence"))));

        JsonNode due = alice.await(f -> "refresh".equals(f.path("type").asText()) && "vip".equals(f.path("room").asText()));
        assertThat(due.path("expires").asLong()).isEqualTo(exp);
        assertThat(System.currentTimeMillis()).as("pushed refresh-ahead before exp")
                .isLessThanOrEqualTo(exp * 1000 - (REFRESH_AHEAD_SECONDS - 1) * 1000L);

        JsonNode removed = alice.await(f -> "removed".equals(f.path("type").asText()), Duration.ofSeconds(15));
        long removedAt = System.currentTimeMillis();
        assertThat(removed.path("room").asText()).isEqualTo("vip");
        assertThat(removed.path("reason").asText()).isEqualTo("the subscription token expired");
        assertThat(removedAt).as("not before exp + skew").isGreaterThanOrEqualTo(exp * 1000 + SKEW_SECONDS * 1000L - 50);
        assertThat(removedAt).as("within skew + 1 s").isLessThanOrEqualTo(exp * 1000 + (SKEW_SECONDS + 1) * 1000L);
        assertThat(bob.await(f -> "left".equals(f.path("type").asText())).path("user").asText()).isEqualTo("alice");

        assertThat(alice.isClosed()).isFalse();
        assertThat(alice.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
        assertRefused(alice, publish("vip", "x"), "forbidden");
        assertThat(bob.request(publish("lobby", "lobby still works")).path("type").asText()).isEqualTo("ack");
        assertThat(alice.await(f -> "message".equals(f.path("type").asText())).path("data").asText())
                .as("the first message after the expiry is the lobby's, not vip's").isEqualTo("lobby still works");
        assertThat(alice.pending("removed")).as("lobby stays: the connection token allows it").isEmpty();
        bob.request(publish("vip", "vip after"));
        alice.request("{\"type\":\"ping\"}");
        assertThat(alice.pending("message")).isEmpty();
    }

    @Test
    void aRefreshInTimeKeepsTheRoomAndItsLiveMessagesAndARefusedOneChangesNothing() {
        WsClient alice = connect("alice");
        WsClient bob = connect("bob");
        long exp = inSeconds(4);
        alice.request(join("vip", signRoom(roomClaims("alice", "vip", exp))));
        bob.request(join("vip", signRoom(roomClaims("bob", "vip", inSeconds(300), "publish"))));
        assertThat(alice.awaitType("refresh").path("room").asText()).isEqualTo("vip");

        assertRefused(alice, refresh("vip", signRoom(roomClaims("mallory", "vip", inSeconds(300)))), "invalid_token");
        assertRefused(alice, refresh("vip", signRoom(roomClaims("alice", "vip-2", inSeconds(300)))), "invalid_token");
        assertRefused(alice, refresh("vip", forgeRoom(roomClaims("alice", "vip", inSeconds(300)))), "invalid_token");
        assertRefused(alice, refresh("vip-2", signRoom(roomClaims("alice", "vip-2", inSeconds(300)))), "not_joined");

        long newExp = inSeconds(300);
        JsonNode ack = alice.request(refresh("vip", signRoom(roomClaims("alice", "vip", newExp, "publish"))));
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        assertThat(ack.path("room").asText()).isEqualTo("vip");
        assertThat(ack.path("expires").asLong()).isEqualTo(newExp);

        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > (exp + SKEW_SECONDS + 1) * 1000);
        bob.request(publish("vip", "after the old exp"));
        assertThat(alice.await(f -> "message".equals(f.path("type").asText())).path("data").asText())
                .isEqualTo("after the old exp");
        assertThat(alice.pending("removed")).isEmpty();
        assertThat(alice.request(publish("vip", "the new token allows publishing")).path("type").asText()).isEqualTo("ack");
    }

    @Test
    void aConnectionTokenRefreshThatNarrowsRoomsKeepsARoomHeldByASubscriptionToken() {
        WsClient alice = connect("alice", List.of("team-*"));
        WsClient bob = connect("bob", List.of("team-*"));
        alice.join("team-a");
        bob.join("team-a");
        alice.request(join("vip", signRoom(roomClaims("alice", "vip", inSeconds(300)))));
        bob.request(join("vip", signRoom(roomClaims("bob", "vip", inSeconds(300), "publish"))));

        JsonNode ack = alice.request("{\"type\":\"refresh\",\"token\":\"" + sign(TokenRefreshContract.claims("alice", inSeconds(600))
                .claim("rooms", Map.of("join", List.of(), "publish", List.of()))) + "\"}");
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        assertThat(alice.awaitType("removed").path("room").asText()).isEqualTo("team-a");

        bob.request(publish("vip", "vip stays"));
        assertThat(alice.await(f -> "message".equals(f.path("type").asText())).path("data").asText()).isEqualTo("vip stays");
        assertThat(alice.pending("removed")).isEmpty();
        assertThat(hub.localMembers("vip")).isEqualTo(2);
    }

    private static void assertRejected(WsClient client, String why, String token, String inMessage) {
        JsonNode reply = client.request(join("vip", token));
        assertThat(reply.path("type").asText()).as(why + ": " + reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).as(why).isEqualTo("invalid_token");
        if (inMessage != null) {
            assertThat(reply.path("message").asText()).as(why).contains(inMessage);
        }
    }
}
