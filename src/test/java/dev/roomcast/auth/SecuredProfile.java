package dev.roomcast.auth;

import dev.roomcast.testing.Tokens;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * A node as it runs in production: JWT on the upgrade (RS256, the test key pair, a fixed issuer and audience), API
 * keys on /api, one allowed browser Origin, and a small connection limit so that it can be reached.
 */
public class SecuredProfile implements QuarkusTestProfile {

    static final String ORIGIN = "https://app.roomcast.test";
    static final int MAX_CONNECTIONS = 8;
    static final String API_KEY = "backend-key-2";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "roomcast.auth.mode", "jwt",
                "mp.jwt.verify.publickey.location", Tokens.PUBLIC_KEY,
                "mp.jwt.verify.issuer", Tokens.ISSUER,
                "mp.jwt.verify.audiences", Tokens.AUDIENCE,
                "roomcast.api.keys", "backend-key-1, " + API_KEY,
                "roomcast.limits.allowed-origins", ORIGIN,
                "roomcast.limits.max-connections", Integer.toString(MAX_CONNECTIONS));
    }
}
