package dev.roomcast.auth;

import dev.roomcast.hub.Hub;
import dev.roomcast.hub.RoomPermissions;
import dev.roomcast.testing.Tokens;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tokens that are validly signed but must still be refused: a {@code rooms} claim that is present but
 * malformed (fail closed, with the reason logged), too many or too long patterns, another service's
 * audience, an {@code iat} in the future. Real RS256 tokens against the secured profile.
 */
@QuarkusTest
@TestProfile(SecuredProfile.class)
class TokenHardeningTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final List<WsClient> clients = new ArrayList<>();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            Object[] params = record.getParameters();
            warnings.add(params == null || params.length == 0 ? message : String.format(message, params));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private String url() {
        return ws.toString().replaceFirst("^http", "ws");
    }

    private int status(String token) {
        return WsClient.upgradeStatus(url(), Map.of("Authorization", "Bearer " + token), List.of());
    }

    private WsClient connect(String token) {
        WsClient c = WsClient.connect(url(), Map.of("Authorization", "Bearer " + token), List.of());
        clients.add(c);
        return c;
    }

    @BeforeEach
    void captureWarnings() {
        Logger.getLogger(IdentityResolver.class.getName()).addHandler(capture);
    }

    @AfterEach
    void closeAll() {
        Logger.getLogger(IdentityResolver.class.getName()).removeHandler(capture);
        clients.forEach(WsClient::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
    }

    @Test
    void aRoomsClaimThatIsNotAnObjectRefusesTheTokenAndSaysWhy() {
        Map<String, Object> malformed = new java.util.LinkedHashMap<>();
        malformed.put("a string (the object serialized by a String mapper)", "{\"join\":[\"team-a\"],\"publish\":[]}");
        malformed.put("an array", List.of("team-*"));
        malformed.put("a number", 42);
        malformed.put("a boolean", true);
        malformed.put("rooms.join a number", Map.of("join", 7));
        malformed.put("rooms.join a list with a non-string", Map.of("join", List.of("team-a", 3)));
        malformed.forEach((what, claim) -> {
            warnings.clear();
            String token = Tokens.claims("mallory").claim("rooms", claim).sign(Tokens.PRIVATE_KEY);
            assertThat(status(token)).as("rooms claim as %s", what).isEqualTo(401);
            assertThat(warnings).as("logged for %s", what).anySatisfy(w -> assertThat(w)
                    .contains("token of mallory refused").contains("rooms"));
        });

        warnings.clear();
        String nullClaim = Tokens.signRaw("{\"iss\":\"" + Tokens.ISSUER + "\",\"aud\":\"" + Tokens.AUDIENCE
                + "\",\"sub\":\"mallory\",\"iat\":" + Instant.now().getEpochSecond() + ",\"exp\":"
                + Instant.now().plusSeconds(300).getEpochSecond() + ",\"rooms\":null}");
        assertThat(status(nullClaim)).as("rooms claim null").isEqualTo(401);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("token of mallory refused").contains("null"));

        assertThat(hub.connectionCount()).isZero();
        // The same user with a well-formed claim, or none, is fine.
        WsClient ok = connect(Tokens.withRooms("mallory", List.of("team-*"), List.of("team-a")));
        assertThat(ok.join("team-b").path("type").asText()).isEqualTo("ack");
        assertThat(ok.request("{\"type\":\"join\",\"room\":\"elsewhere\"}").path("code").asText()).isEqualTo("forbidden");
    }

    @Test
    void tooManyOrTooLongPatternsRefuseTheToken() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= RoomPermissions.MAX_PATTERNS; i++) {
            many.add("room-" + i);
        }
        assertThat(status(Tokens.withRooms("p", many, List.of()))).as("%d patterns", many.size()).isEqualTo(401);
        String longPattern = "a*".repeat(RoomPermissions.MAX_PATTERN_LENGTH / 2) + "b";
        assertThat(status(Tokens.withRooms("p", List.of(longPattern), List.of()))).as("a long pattern").isEqualTo(401);
        assertThat(status(Tokens.withRooms("p", many.subList(0, RoomPermissions.MAX_PATTERNS), List.of("*"))))
                .as("at the bound").isEqualTo(101);
    }

    @Test
    void hostilePatternsMatchInBoundedTime() {
        // The worst cases of backtracking regex globs: many stars against a 128-character name that almost matches.
        String name = "a".repeat(127) + "b";
        String elevenStars = "*a".repeat(11) + "*c";
        String manyStars = "*a".repeat(120) + "*c";
        WsClient c = connect(Tokens.withRooms("globber", List.of(elevenStars, manyStars, "*" .repeat(200) + "x"),
                List.of()));
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThat(c.request("{\"type\":\"join\",\"room\":\"" + name + "\"}").path("code").asText())
                    .isEqualTo("forbidden");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("20 refused joins against hostile patterns").isLessThan(Duration.ofSeconds(5));
        // and the same patterns still match what they should
        assertThat(c.join("a".repeat(20) + "c").path("type").asText()).isEqualTo("ack");
        try (WsClient fresh = WsClient.connect(url(), Map.of("Authorization", "Bearer " + Tokens.valid("fresh")), List.of())) {
            fresh.join("after-globs");
            fresh.request("{\"type\":\"publish\",\"room\":\"after-globs\",\"data\":1}");
            assertThat(fresh.awaitType("message").path("data").asInt()).isEqualTo(1);
        }
    }

    @Test
    void originsCompareCaseInsensitivelyButOtherwiseExactly() {
        Map<String, String> upper = new java.util.HashMap<>(Map.of("Authorization", "Bearer " + Tokens.valid("o")));
        upper.put("Origin", SecuredProfile.ORIGIN.toUpperCase(java.util.Locale.ROOT));
        assertThat(WsClient.upgradeStatus(url(), upper, List.of())).as("scheme and host in capitals").isEqualTo(101);
        for (String foreign : List.of(SecuredProfile.ORIGIN + ".evil.example", SecuredProfile.ORIGIN + ":8443",
                "http://app.roomcast.test")) {
            Map<String, String> h = new java.util.HashMap<>(Map.of("Authorization", "Bearer " + Tokens.valid("o")));
            h.put("Origin", foreign);
            assertThat(WsClient.upgradeStatus(url(), h, List.of())).as(foreign).isEqualTo(403);
        }
    }

    @Test
    void theAudienceIsChecked() {
        assertThat(status(Tokens.valid("alice"))).as("aud roomcast").isEqualTo(101);
        assertThat(status(Tokens.claims("alice").audience("billing-service").sign(Tokens.PRIVATE_KEY)))
                .as("a token for another service").isEqualTo(401);
        Instant now = Instant.now();
        String noAudience = io.smallrye.jwt.build.Jwt.issuer(Tokens.ISSUER).subject("alice").issuedAt(now)
                .expiresAt(now.plusSeconds(300)).sign(Tokens.PRIVATE_KEY);
        assertThat(status(noAudience)).as("no aud").isEqualTo(401);
    }

    @Test
    void anIssuedAtInTheFutureBeyondTheClockSkewIsRefused() {
        Instant now = Instant.now();
        assertThat(status(Tokens.claims("alice").issuedAt(now.plusSeconds(600)).expiresAt(now.plusSeconds(900))
                .sign(Tokens.PRIVATE_KEY))).as("iat in 10 minutes").isEqualTo(401);
        assertThat(warnings).isEmpty(); // refused as invalid, not as a misconfigured provider
        assertThat(status(Tokens.claims("alice").issuedAt(now.plusSeconds(20)).expiresAt(now.plusSeconds(300))
                .sign(Tokens.PRIVATE_KEY))).as("iat 20 s ahead, within the 60 s skew").isEqualTo(101);
    }
}
