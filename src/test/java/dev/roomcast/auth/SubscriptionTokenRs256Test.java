package dev.roomcast.auth;

import dev.roomcast.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/** {@link SubscriptionTokenContract} with RS256 tokens, subscription tokens verified with the connection tokens' key. */
@QuarkusTest
@TestProfile(TokenRefreshRs256Test.Profile.class)
class SubscriptionTokenRs256Test extends SubscriptionTokenContract {

    @Override
    String sign(JwtClaimsBuilder claims) {
        return claims.sign(Tokens.PRIVATE_KEY);
    }

    @Override
    String signRoom(JwtClaimsBuilder claims) {
        return claims.sign(Tokens.PRIVATE_KEY);
    }

    @Override
    String forgeRoom(JwtClaimsBuilder claims) {
        return claims.sign(Tokens.otherKey());
    }
}
