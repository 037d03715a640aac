package dev.roomcast.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
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
    /** The {@code aud} of roomcast's tokens ({@code mp.jwt.verify.audiences} in the secured profile). */
    public static final String AUDIENCE = "roomcast";
    public static final String PUBLIC_KEY = "jwt/publicKey.pem";
    public static final String PRIVATE_KEY = "jwt/privateKey.pem";

    private Tokens() {
    }

    /** Valid for 5 minutes, issued by {@link #ISSUER} for {@link #AUDIENCE}, no {@code rooms} claim. */
    public static JwtClaimsBuilder claims(String sub) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(sub).issuedAt(now).expiresAt(now.plus(Duration.ofMinutes(5)));
    }

    public static String valid(String sub) {
        return claims(sub).sign(PRIVATE_KEY);
    }

    /** A token whose {@code rooms} claim allows joining {@code join} and publishing to {@code publish}. */
    public static String withRooms(String sub, List<String> join, List<String> publish) {
        return claims(sub).claim("rooms", Map.of("join", join, "publish", publish)).sign(PRIVATE_KEY);
    }

    /**
     * These exact claims, signed RS256 with the trusted key: for claims a builder would not write as they are
     * (a JSON {@code null}, say).
     */
    public static String signRaw(String claimsJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        try (InputStream in = Tokens.class.getClassLoader().getResourceAsStream(PRIVATE_KEY)) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(rs256.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + PRIVATE_KEY, e);
        }
    }

    /** Signed with another RSA key than the one the node trusts. */
    public static String forged(String sub) {
        return claims(sub).sign(otherKey());
    }

    /** A fresh RSA key the node does not trust. */
    public static PrivateKey otherKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair().getPrivate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
