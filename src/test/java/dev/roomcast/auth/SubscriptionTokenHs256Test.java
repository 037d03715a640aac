package dev.roomcast.auth;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * {@link SubscriptionTokenContract} with HS256 tokens, subscription tokens signed with a secret of their own
 * ({@code roomcast.auth.subscription-token.key}): one signed with the connection tokens' secret is forged here.
 */
@QuarkusTest
@TestProfile(TokenRefreshHs256Test.Profile.class)
class SubscriptionTokenHs256Test extends SubscriptionTokenContract {

    @Override
    String sign(JwtClaimsBuilder claims) {
        return claims.signWithSecret(TokenRefreshHs256Test.SECRET);
    }

    @Override
    String signRoom(JwtClaimsBuilder claims) {
        return claims.signWithSecret(TokenRefreshHs256Test.ROOM_SECRET);
    }

    @Override
    String forgeRoom(JwtClaimsBuilder claims) {
        return claims.signWithSecret(TokenRefreshHs256Test.SECRET);
    }
}
