package dev.roomcast.auth;

import dev.roomcast.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** {@link TokenRefreshContract} with HS256 tokens (a shared secret, as a JWK). */
@QuarkusTest
@TestProfile(TokenRefreshHs256Test.Profile.class)
class TokenRefreshHs256Test extends TokenRefreshContract {

    static final String SECRET = "roomcast-refresh-secret-of-at-least-256-bits-0123456789";
    static final String OTHER_SECRET = "another-refresh-secret-of-at-least-256-bits-9876543210";
    /** Subscription tokens have a secret of their own here ({@code roomcast.auth.subscription-token.key}). */
    static final String ROOM_SECRET = "roomcast-subscription-secret-of-at-least-256-bits-024680";

    /** A secret as smallrye-jwt reads it from a key property: an {@code oct} JWK. */
    static String jwk(String secret) {
        return "{\"kty\":\"oct\",\"k\":\"" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(secret.getBytes(StandardCharsets.UTF_8)) + "\"}";
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String jwk = jwk(SECRET);
            return Map.of(
                    "roomcast.auth.mode", "jwt",
                    // In tests smallrye-jwt configures an in-memory RSA key as mp.jwt.verify.publickey, which would
                    // shadow smallrye.jwt.verify.secretkey: the secret (a JWK) goes in its place.
                    "mp.jwt.verify.publickey", jwk,
                    "smallrye.jwt.verify.algorithm", "HS256",
                    "mp.jwt.verify.issuer", Tokens.ISSUER,
                    "mp.jwt.verify.audiences", Tokens.AUDIENCE,
                    "mp.jwt.verify.clock.skew", Integer.toString(SKEW_SECONDS),
                    "roomcast.auth.refresh-ahead", REFRESH_AHEAD_SECONDS + "s",
                    "roomcast.auth.subscription-token.key", jwk(ROOM_SECRET),
                    "roomcast.auth.subscription-token.algorithm", "HS256");
        }
    }

    @Override
    String sign(JwtClaimsBuilder claims) {
        return claims.signWithSecret(SECRET);
    }

    @Override
    String forge(JwtClaimsBuilder claims) {
        return claims.signWithSecret(OTHER_SECRET);
    }
}
