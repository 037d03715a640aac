package dev.roomcast.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.HookBackend;
import dev.roomcast.testing.Tokens;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void aJoinWithASubscriptionTokenIsNotSentToTheJoinHook() {
        TokenRefreshRs256Test.JOIN_HOOK.answer("/join", r -> HookBackend.Answer.json("{\"allow\":false,\"reason\":\"hook says no\"}"));
        WsClient alice = clients.connect(null, Map.of("Authorization", "Bearer " + sign(TokenRefreshContract.claims("alice",
                Instant.now().getEpochSecond() + 300).claim("rooms", Map.of("join", List.of("hooked-*"), "publish", List.of())))),
                List.of());

        JsonNode refused = alice.request("{\"type\":\"join\",\"room\":\"hooked-a\"}");
        assertThat(refused.path("message").asText()).as("the hook decides a join without a token").isEqualTo("hook says no");
        int asked = TokenRefreshRs256Test.JOIN_HOOK.received("/join").size();

        JsonNode ack = alice.request("{\"type\":\"join\",\"room\":\"hooked-b\",\"token\":\""
                + signRoom(roomClaims("alice", "hooked-b", Instant.now().getEpochSecond() + 300)) + "\"}");
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        assertThat(TokenRefreshRs256Test.JOIN_HOOK.received("/join")).as("not asked again").hasSize(asked);
    }
}
