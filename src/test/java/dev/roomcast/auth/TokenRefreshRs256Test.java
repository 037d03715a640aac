package dev.roomcast.auth;

import dev.roomcast.testing.HookBackend;
import dev.roomcast.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import java.util.HashMap;
import java.util.Map;

/** {@link TokenRefreshContract} with RS256 tokens (the test key pair). */
@QuarkusTest
@TestProfile(TokenRefreshRs256Test.Profile.class)
class TokenRefreshRs256Test extends TokenRefreshContract {

    /** The backend's join hook of this profile, started once. */
    static final HookBackend JOIN_HOOK = new HookBackend();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(new SecuredProfile().getConfigOverrides());
            config.put("roomcast.limits.max-connections", "100");
            config.put("roomcast.limits.allowed-origins", "*");
            config.put("mp.jwt.verify.clock.skew", Integer.toString(SKEW_SECONDS));
            config.put("roomcast.auth.refresh-ahead", REFRESH_AHEAD_SECONDS + "s");
            // For SubscriptionTokenRs256Test: a join hook on hooked-* rooms only, which a subscription token bypasses.
            config.put("roomcast.hooks.join.url", JOIN_HOOK.url("/join"));
            config.put("roomcast.hooks.join.rooms", "hooked-*");
            return config;
        }
    }

    @Override
    String sign(JwtClaimsBuilder claims) {
        return claims.sign(Tokens.PRIVATE_KEY);
    }

    @Override
    String forge(JwtClaimsBuilder claims) {
        return claims.sign(Tokens.otherKey());
    }
}
