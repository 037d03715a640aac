package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.InstanceClients;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two packaged instances as separate processes on one Redis behave as one service. */
class ScaleOutIT {

    static RedisServer redis;
    static AppInstance a, b;
    @RegisterExtension
    final InstanceClients clients = new InstanceClients();

    @BeforeAll
    static void startCluster() {
        redis = RedisServer.start();
        a = ClusterNode.start("node-a", redis);
        b = ClusterNode.start("node-b", redis);
    }

    @AfterAll
    static void stopCluster() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    long subscribers(String channel) {
        List<?> reply = (List<?>) redis.call("PUBSUB", "NUMSUB", channel);
        return (Long) reply.get(1);
    }

    @Test
    void roomMessagesCrossNodes() {
        WsClient alice = clients.connect(a, "alice"), bob = clients.connect(b, "bob");
        alice.join("team");
        bob.join("team");
        alice.request("{\"type\":\"publish\",\"room\":\"team\",\"data\":{\"n\":1}}");
        for (WsClient c : List.of(alice, bob)) {
            JsonNode m = c.awaitType("message");
            assertThat(m.path("from").asText()).isEqualTo("alice");
            assertThat(m.path("data").path("n").asInt()).isEqualTo(1);
        }
        bob.request("{\"type\":\"publish\",\"room\":\"team\",\"data\":{\"n\":2}}");
        assertThat(alice.awaitType("message").path("data").path("n").asInt()).isEqualTo(2);
        assertThat(subscribers("rc:{team}")).isEqualTo(2);
    }

    @Test
    void directMessagesReachTheUserOnEveryNode() {
        WsClient onA = clients.connect(a, "dana"), onB = clients.connect(b, "dana"), sender = clients.connect(b, "eve");
        assertThat(sender.request("{\"type\":\"send\",\"to\":\"dana\",\"data\":\"hi\"}").path("type").asText()).isEqualTo("ack");
        assertThat(onA.awaitType("direct").path("from").asText()).isEqualTo("eve");
        assertThat(onB.awaitType("direct").path("data").asText()).isEqualTo("hi");
    }

    @Test
    void httpPublishOnOneNodeReachesMembersOnTheOther() {
        WsClient bob = clients.connect(b, "bob");
        bob.join("workspace-42");
        given().baseUri(a.httpUrl()).body("{\"event\":\"comment\"}").contentType("application/json")
                .when().post("/api/rooms/workspace-42/messages").then().statusCode(200);
        assertThat(bob.awaitType("message").path("data").path("event").asText()).isEqualTo("comment");
    }

    @Test
    void leaveStopsCrossNodeDeliveryAndANodeWithoutMembersGetsNothing() {
        WsClient alice = clients.connect(a, "alice"), bob = clients.connect(b, "bob");
        alice.join("quiet");
        bob.join("quiet");
        assertThat(subscribers("rc:{quiet}")).isEqualTo(2);
        bob.request("{\"type\":\"leave\",\"room\":\"quiet\"}");
        // Node b has no member left: it unsubscribed, so Redis sends it none of the room's traffic.
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers("rc:{quiet}") == 1);
        alice.request("{\"type\":\"publish\",\"room\":\"quiet\",\"data\":\"only a\"}");
        alice.awaitType("message");
        bob.join("marker");
        alice.join("marker");
        alice.request("{\"type\":\"publish\",\"room\":\"marker\",\"data\":\"m\"}");
        assertThat(bob.awaitType("message").path("room").asText()).isEqualTo("marker");
        assertThat(bob.pending("message")).isEmpty();
    }

    @Test
    void everyChannelIsUnsubscribedOnceAllClientsAreGone() {
        for (int i = 0; i < 20; i++) {
            WsClient c = clients.connect(i % 2 == 0 ? a : b, "u" + i);
            c.join("room-" + (i % 5));
            c.join("shared");
        }
        assertThat(subscribers("rc:{shared}")).isEqualTo(2);
        clients.closeAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> ((List<?>) redis.call("PUBSUB", "CHANNELS", "rc:*")).isEmpty());
    }

    @Test
    void concurrentJoinLeaveAndCloseLeaveNoSubscriptionBehind() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            Thread th0 = new Thread(() -> {
                for (int i = 0; i < 15; i++) {
                    try (WsClient c = WsClient.connect((i + seed) % 2 == 0 ? a.wsUrl("user=c" + seed) : b.wsUrl("user=c" + seed))) {
                        c.join("churn-" + (i % 3));
                        c.join("churn-x");
                        if (i % 2 == 0) {
                            c.request("{\"type\":\"leave\",\"room\":\"churn-x\"}");
                        }
                    }
                }
            });
            th0.start();
            threads.add(th0);
        }
        for (Thread th : threads) {
            th.join(60_000);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ((List<?>) redis.call("PUBSUB", "CHANNELS", "rc:*")).isEmpty());
    }
}
