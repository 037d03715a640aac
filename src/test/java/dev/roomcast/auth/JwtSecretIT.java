package dev.roomcast.auth;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.TestPaths;
import dev.roomcast.testing.Tokens;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packaged nodes in production mode: HS256 tokens with a shared secret, configured the two ways
 * smallrye-jwt 4.6 offers (the secret as a JWK inline, or a JWK file), and a node started without any
 * auth configuration, which must be closed (jwt is the default outside dev and test) and say why.
 */
class JwtSecretIT {

    private static final String SECRET = "roomcast-test-secret-of-at-least-256-bits-0123456789";
    private static final String OTHER_SECRET = "another-secret-of-at-least-256-bits-for-forgeries-9876";

    @Test
    void hs256SecretsAndTheDefaultModeWork() throws Exception {
        String jwk = "{\"kty\":\"oct\",\"k\":\"" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)) + "\"}";
        Path jwkFile = TestPaths.targetSubdir("it-keys").resolve("hs256.jwk");
        Files.writeString(jwkFile, jwk);

        CompletableFuture<AppInstance> inline = start(() -> AppInstance.builder().name("jwt-hs256-inline")
                .config("roomcast.auth.mode", "jwt")
                .config("smallrye.jwt.verify.secretkey", jwk)
                .config("smallrye.jwt.verify.algorithm", "HS256")
                .config("mp.jwt.verify.issuer", Tokens.ISSUER)
                .start());
        CompletableFuture<AppInstance> file = start(() -> AppInstance.builder().name("jwt-hs256-file")
                .config("roomcast.auth.mode", "jwt")
                .config("smallrye.jwt.verify.key.location", jwkFile.toAbsolutePath().toString())
                .config("mp.jwt.verify.publickey.algorithm", "HS256")
                .start());
        CompletableFuture<AppInstance> unconfigured = start(() -> AppInstance.builder().name("jwt-unconfigured")
                .unset("roomcast.auth.mode") // as packaged: the default applies
                .start());
        try (AppInstance a = inline.join(); AppInstance b = file.join(); AppInstance c = unconfigured.join()) {
            String hs256 = Tokens.claims("alice").signWithSecret(SECRET);
            try (WsClient ok = WsClient.connect(a.wsUrl(null), bearer(hs256), List.of())) {
                assertThat(ok.user()).isEqualTo("alice");
            }
            assertThat(status(a, Tokens.claims("alice").signWithSecret(OTHER_SECRET))).as("other secret").isEqualTo(401);
            assertThat(status(a, Tokens.valid("alice"))).as("RS256, whatever its key").isEqualTo(401);
            assertThat(status(a, Tokens.claims("alice").issuer("https://evil.example").signWithSecret(SECRET)))
                    .as("wrong issuer").isEqualTo(401);
            assertThat(WsClient.upgradeStatus(a.wsUrl("access_token=" + hs256), Map.of(), List.of())).isEqualTo(101);

            try (WsClient ok = WsClient.connect(b.wsUrl(null), bearer(Tokens.claims("bob").signWithSecret(SECRET)), List.of())) {
                assertThat(ok.user()).isEqualTo("bob");
            }
            assertThat(status(b, Tokens.claims("bob").signWithSecret(OTHER_SECRET))).isEqualTo(401);

            assertThat(WsClient.upgradeStatus(c.wsUrl("user=alice"), Map.of(), List.of()))
                    .as("no auth configured: closed, not open").isEqualTo(401);
            assertThat(status(c, hs256)).isEqualTo(401);
            assertThat(c.logTail(10_000)).contains("roomcast.auth.mode=jwt but no key to verify tokens is configured")
                    .doesNotContain("ANYONE can connect");
            assertThat(a.logTail(10_000)).doesNotContain("no key to verify tokens").doesNotContain("ANYONE can connect");
        }
    }

    private static CompletableFuture<AppInstance> start(Supplier<AppInstance> starter) {
        return CompletableFuture.supplyAsync(starter);
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static int status(AppInstance node, String token) {
        return WsClient.upgradeStatus(node.wsUrl(null), bearer(token), List.of());
    }
}
