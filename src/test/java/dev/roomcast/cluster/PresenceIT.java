package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.InstanceClients;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Cluster-wide presence over two instances, including a node killed with -9. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceIT {

    static RedisServer redis;
    static AppInstance a, b;
    @RegisterExtension
    final InstanceClients clients = new InstanceClients();

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        a = ClusterNode.start("presence-a", redis);
        b = ClusterNode.start("presence-b", redis);
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    static Map<String, Integer> members(JsonNode presence) {
        Map<String, Integer> m = new TreeMap<>();
        presence.path("members").forEach(e -> m.put(e.path("user").asText(), e.path("connections").asInt()));
        return m;
    }

    static Map<String, Integer> httpMembers(AppInstance node, String room) {
        String body = RestAssured.given().baseUri(node.httpUrl()).get("/api/rooms/" + room + "/presence")
                .then().statusCode(200).extract().asString();
        try {
            return members(new com.fasterxml.jackson.databind.ObjectMapper().readTree(body));
        } catch (Exception e) {
            throw new AssertionError(body, e);
        }
    }

    @Test
    @Order(1)
    void presenceListsEveryUserFromEitherInstance() {
        WsClient alice = clients.connect(a, "alice"), bob = clients.connect(b, "bob"), carol = clients.connect(a, "carol"), carol2 = clients.connect(b, "carol");
        for (WsClient c : List.of(alice, bob, carol, carol2)) {
            c.join("ws-1");
        }
        Map<String, Integer> expected = Map.of("alice", 1, "bob", 1, "carol", 2);
        assertThat(members(alice.request("{\"type\":\"presence\",\"room\":\"ws-1\"}"))).isEqualTo(expected);
        assertThat(members(bob.request("{\"type\":\"presence\",\"room\":\"ws-1\"}"))).isEqualTo(expected);
        assertThat(httpMembers(a, "ws-1")).isEqualTo(expected);
        assertThat(httpMembers(b, "ws-1")).isEqualTo(expected);
    }

    @Test
    @Order(2)
    void joinedAndLeftArriveOncePerUserNotPerConnection() {
        WsClient watcherA = clients.connect(a, "watcher-a"), watcherB = clients.connect(b, "watcher-b");
        watcherA.join("ev");
        watcherB.join("ev");
        WsClient d1 = clients.connect(a, "dana"), d2 = clients.connect(b, "dana");
        d1.join("ev");
        d2.join("ev");
        WsClient quiet = clients.connect(b, "quiet");
        quiet.request("{\"type\":\"join\",\"room\":\"ev\",\"presence\":false}");
        d1.close();
        d2.close();
        for (WsClient w : List.of(watcherA, watcherB)) {
            assertThat(w.await(f -> "left".equals(f.path("type").asText()) && "dana".equals(f.path("user").asText()))).isNotNull();
        }
        // The marker: a message published after everything above; events before it are all there is.
        watcherA.request("{\"type\":\"publish\",\"room\":\"ev\",\"data\":\"marker\"}");
        for (WsClient w : List.of(watcherA, watcherB)) {
            w.awaitType("message");
            assertThat(w.rawFrames().stream().filter(f -> f.contains("\"type\":\"joined\"") && f.contains("\"dana\"")).count())
                    .as("joined events for dana at %s", w.user()).isEqualTo(1);
            assertThat(w.rawFrames().stream().filter(f -> f.contains("\"type\":\"left\"") && f.contains("\"dana\"")).count())
                    .isEqualTo(1);
        }
        quiet.awaitType("message");
        assertThat(quiet.rawFrames()).noneMatch(f -> f.contains("\"type\":\"joined\"") || f.contains("\"type\":\"left\""));
    }

    @Test
    @Order(3)
    void randomChurnLeavesNoGhost() {
        Random random = new Random(42);
        Map<String, WsClient> open = new HashMap<>();
        for (int cycle = 0; cycle < 100; cycle++) {
            String user = "u" + random.nextInt(12);
            if (open.containsKey(user) && random.nextBoolean()) {
                open.remove(user).close();
            } else if (!open.containsKey(user)) {
                WsClient c = WsClient.connect((random.nextBoolean() ? a : b).wsUrl("user=" + user));
                c.join("churn");
                open.put(user, c);
            }
        }
        Set<String> connected = new TreeSet<>(open.keySet());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(httpMembers(a, "churn").keySet()).isEqualTo(connected);
            assertThat(httpMembers(b, "churn").keySet()).isEqualTo(connected);
        });
        open.values().forEach(WsClient::close);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpMembers(a, "churn")).isEmpty());
    }

    @Test
    @Order(4)
    void aKilledInstanceVanishesWithinTenSeconds() {
        WsClient survivor = clients.connect(b, "survivor");
        survivor.join("crash");
        clients.connect(a, "victim-1").join("crash");
        clients.connect(a, "victim-2").join("crash");
        clients.connect(b, "victim-2").join("crash"); // still connected through b: must stay
        assertThat(httpMembers(b, "crash").keySet()).containsExactly("survivor", "victim-1", "victim-2");

        long killedAt = System.nanoTime();
        a.kill9();
        JsonNode left = survivor.await(f -> "left".equals(f.path("type").asText()), Duration.ofSeconds(10));
        long elapsed = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(left.path("user").asText()).isEqualTo("victim-1");
        assertThat(httpMembers(b, "crash")).isEqualTo(Map.of("survivor", 1, "victim-2", 1));
        System.out.printf("presence: node killed with -9 gone from presence after %d ms%n", elapsed);
        assertThat(elapsed).isLessThan(10_000);
        assertThat(survivor.pending("left")).isEmpty();
    }
}
