package dev.roomcast.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * JWTs for tests, signed with the test key pair in {@code src/test/resources/jwt} (the node verifies
 * with {@code jwt/publicKey.pem}), or with a freshly generated key for forgeries.
 */
public final class Tokens {

    public static final String ISSUER = "https://auth.roomcast.test";
    public static final String PUBLIC_KEY = "jwt/publicKey.pem";
    public static final String PRIVATE_KEY = "jwt/privateKey.pem";

    private Tokens() {
    }

    /** Valid for 5 minutes, issued by {@link #ISSUER}, no {@code rooms} claim. */
    public static JwtClaimsBuilder claims(String sub) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).subject(sub).issuedAt(now).expiresAt(now.plus(Duration.ofMinutes(5)));
    }

    public static String valid(String sub) {
        return claims(sub).sign(PRIVATE_KEY);
    }

    /** A token whose {@code rooms} claim allows joining {@code join} and publishing to {@code publish}. */
    public static String withRooms(String sub, List<String> join, List<String> publish) {
        return claims(sub).claim("rooms", Map.of("join", join, "publish", publish)).sign(PRIVATE_KEY);
    }

    /** Signed with another RSA key than the one the node trusts. */
    public static String forged(String sub) {
        return claims(sub).sign(otherKey());
    }

    private static PrivateKey otherKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair().getPrivate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
