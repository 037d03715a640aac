package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.InstanceClients;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
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

/**
 * The server API on two instances sharing one Redis: a command sent to one instance reaches the user's connections
 * on the other, history is what members received, an idempotent retry to the other instance publishes nothing, and
 * the cluster view shows both nodes. One Redis and two instances for the whole class.
 */
class ServerApiIT {

    static final String KEY = "it-api-key";
    static RedisServer redis;
    static AppInstance a, b;
    @RegisterExtension
    final InstanceClients clients = new InstanceClients();

    @BeforeAll
    static void startCluster() {
        redis = RedisServer.start();
        a = ClusterNode.on("api-a", redis).config("roomcast.api.keys", KEY).start();
        b = ClusterNode.on("api-b", redis).config("roomcast.api.keys", KEY).start();
    }

    @AfterAll
    static void stopCluster() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    static RequestSpecification api(AppInstance node) {
        return given().baseUri(node.httpUrl()).header("Authorization", "Bearer " + KEY).contentType("application/json");
    }

    static JsonPath post(AppInstance node, String path, String body, int status) {
        return api(node).body(body).when().post(path).then().statusCode(status).extract().jsonPath();
    }

    static JsonPath get(AppInstance node, String path, int status) {
        return api(node).when().get(path).then().statusCode(status).extract().jsonPath();
    }

    @Test
    void disconnectReachesTheUsersConnectionsOnBothInstances() {
        WsClient onA = clients.connect(a, "mallory"), onB = clients.connect(b, "mallory"), bob = clients.connect(b, "bob");
        post(a, "/api/users/mallory/disconnect", "{\"code\":4403,\"reason\":\"banned\"}", 200);
        for (WsClient c : List.of(onA, onB)) {
            assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo(4403);
            assertThat(c.closeReason()).isEqualTo("banned");
        }
        assertThat(bob.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
    }

    @Test
    void removeReachesTheUsersConnectionOnTheOtherInstance() {
        WsClient carol = clients.connect(b, "carol"), bob = clients.connect(a, "bob");
        carol.join("mod");
        carol.join("lobby");
        bob.join("mod");
        post(a, "/api/users/carol/remove", "{\"room\":\"mod\",\"reason\":\"off-topic\"}", 200);
        JsonNode removed = carol.awaitType("removed");
        assertThat(removed.path("room").asText()).isEqualTo("mod");
        assertThat(removed.path("reason").asText()).isEqualTo("off-topic");
        assertThat(bob.await(f -> "left".equals(f.path("type").asText()) && "carol".equals(f.path("user").asText()))
                .path("room").asText()).isEqualTo("mod");
        assertThat(get(a, "/api/rooms/mod/presence", 200).getList("members.user")).containsExactly("bob");
        // Carol no longer receives the room's messages, and still receives the other room's.
        post(a, "/api/rooms/mod/messages", "\"after removal\"", 200);
        post(a, "/api/rooms/lobby/messages", "\"marker\"", 200);
        assertThat(carol.awaitType("message").path("room").asText()).isEqualTo("lobby");
        assertThat(carol.pending("message")).isEmpty();
    }

    @Test
    void historyIsWhatTheMembersOfBothInstancesReceived() {
        WsClient onA = clients.connect(a, "reader-a"), onB = clients.connect(b, "reader-b");
        onA.join("hist");
        onB.join("hist");
        for (int i = 1; i <= 6; i++) {
            if (i % 2 == 0) {
                onA.request("{\"type\":\"publish\",\"room\":\"hist\",\"data\":{\"n\":" + i + "}}");
            } else {
                post(b, "/api/rooms/hist/messages?from=backend", "{\"n\": " + i + "}", 200);
            }
        }
        List<String> receivedOnA = received(onA, 6), receivedOnB = received(onB, 6);
        assertThat(receivedOnB).isEqualTo(receivedOnA);

        JsonPath oldest = get(a, "/api/rooms/hist/history", 200);
        assertThat(page(oldest)).isEqualTo(receivedOnA);
        // data byte for byte, as the frames carried it (the API publish had a space in it)
        assertThat(onB.rawFrames()).anyMatch(f -> f.contains("\"data\":{\"n\": 1}"));
        assertThat(api(a).when().get("/api/rooms/hist/history").asString())
                .contains("\"from\":\"backend\",\"data\":{\"n\": 1}}", "\"from\":\"reader-a\",\"data\":{\"n\":2}}");
        String epoch = oldest.getString("epoch");
        assertThat(onA.rawFrames()).anyMatch(f -> f.contains("\"epoch\":\"" + epoch + "\""));
        List<String> newestFirst = new ArrayList<>(receivedOnA);
        java.util.Collections.reverse(newestFirst);
        JsonPath firstPage = get(b, "/api/rooms/hist/history?order=newest&limit=4", 200);
        assertThat(page(firstPage)).isEqualTo(newestFirst.subList(0, 4));
        // The next page, from the other instance, with the last offset of the first.
        String since = firstPage.getString("publications[3].offset");
        assertThat(page(get(a, "/api/rooms/hist/history?order=newest&limit=4&since=" + since + "&epoch=" + epoch, 200)))
                .isEqualTo(newestFirst.subList(4, 6));
        assertThat(get(a, "/api/rooms/hist/history?since=" + since + "&epoch=other", 409).getString("error"))
                .isEqualTo("epoch_changed");
    }

    /** {@code offset data} of the next {@code n} messages, data byte for byte as the frame carried it. */
    static List<String> received(WsClient c, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode m = c.awaitType("message");
            out.add(m.path("offset").asText() + " " + m.path("data").path("n").asInt());
        }
        return out;
    }

    static List<String> page(JsonPath history) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < history.getList("publications").size(); i++) {
            out.add(history.getString("publications[" + i + "].offset") + " " + history.getInt("publications[" + i + "].data.n"));
        }
        return out;
    }

    @Test
    void idempotentRetriesToTheOtherInstancePublishOnce() {
        WsClient member = clients.connect(b, "idem");
        member.join("idem-1");
        member.join("idem-2");
        JsonPath first = post(a, "/api/rooms/idem-1/messages?idempotency_key=order-1042", "{\"paid\":1}", 200);
        JsonPath retry = post(b, "/api/rooms/idem-1/messages?idempotency_key=order-1042", "{\"paid\":1}", 200);
        assertThat(retry.getString("offset")).isEqualTo(first.getString("offset"));
        assertThat(retry.getString("epoch")).isEqualTo(first.getString("epoch"));

        String broadcast = "{\"rooms\":[\"idem-1\",\"idem-2\"],\"data\":\"all\",\"idempotency_key\":\"announce-7\"}";
        JsonPath once = post(a, "/api/broadcast", broadcast, 200);
        JsonPath again = post(b, "/api/broadcast", broadcast, 200);
        assertThat(again.getList("results.offset")).isEqualTo(once.getList("results.offset"));

        String batch = "{\"messages\":[{\"room\":\"idem-2\",\"data\":\"item\",\"idempotency_key\":\"item-1\"}]}";
        assertThat(post(b, "/api/batch", batch, 200).getString("results[0].offset"))
                .isEqualTo(post(a, "/api/batch", batch, 200).getString("results[0].offset"));

        post(a, "/api/rooms/idem-1/messages", "\"marker\"", 200);
        List<String> got = new ArrayList<>();
        JsonNode m;
        do {
            m = member.awaitType("message");
            got.add(m.path("room").asText() + " " + m.path("data"));
        } while (!"\"marker\"".equals(m.path("data").toString()));
        assertThat(got).containsExactlyInAnyOrder("idem-1 {\"paid\":1}", "idem-1 \"all\"", "idem-2 \"all\"",
                "idem-2 \"item\"", "idem-1 \"marker\"");
        assertThat((Long) redis.call("XLEN", "rc:{idem-1}:stream")).isEqualTo(3);
        assertThat((Long) redis.call("XLEN", "rc:{idem-2}:stream")).isEqualTo(2);
        assertThat((Long) redis.call("PTTL", "rc:{idem-1}:idem:order-1042")).as("kept for the window only")
                .isBetween(1L, Duration.ofMinutes(5).toMillis());
    }

    @Test
    void aBatchReportsEachMessageAndAFailureDoesNotStopTheOthers() {
        WsClient member = clients.connect(a, "batcher");
        member.join("batch-room");
        JsonPath results = post(b, "/api/batch", "{\"messages\":[{\"room\":\"batch-room\",\"data\":1},"
                + "{\"room\":\"no room!\",\"data\":2},{\"room\":\"batch-room\",\"data\":3}]}", 200);
        assertThat(results.getInt("published")).isEqualTo(2);
        assertThat(results.getList("results.error")).containsExactly(null, "invalid_room", null);
        assertThat(member.awaitType("message").path("data").asInt()).isEqualTo(1);
        assertThat(member.awaitType("message").path("data").asInt()).isEqualTo(3);
    }

    @Test
    void infoShowsBothNodesAndRoomsCountTheirMembersClusterWide() {
        WsClient x = clients.connect(a, "ux"), y = clients.connect(b, "uy"), z = clients.connect(b, "uz");
        x.join("team-red");
        y.join("team-red");
        z.join("team-blue");
        x.join("solo");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonPath info = get(a, "/api/info", 200);
            assertThat(info.getList("nodes.node")).containsExactly("api-a", "api-b");
            assertThat(info.getInt("nodes[0].connections")).isEqualTo(1);
            assertThat(info.getInt("nodes[1].connections")).isEqualTo(2);
            assertThat(info.getInt("nodes[1].rooms")).isEqualTo(2);
        });
        JsonPath first = get(b, "/api/rooms?prefix=team-&limit=1", 200);
        assertThat(first.getList("rooms.room")).containsExactly("team-blue");
        assertThat(first.getList("rooms.members")).containsExactly(1);
        JsonPath second = get(b, "/api/rooms?prefix=team-&limit=1&cursor=" + first.getString("next"), 200);
        assertThat(second.getList("rooms.room")).containsExactly("team-red");
        assertThat(second.getList("rooms.members")).as("one user on each instance").containsExactly(2);
        assertThat(second.getString("next")).isNull();
    }

    @Test
    void badRequestsAreRefusedWithTheirErrorAndMissingKeysWith401() {
        for (String[] call : new String[][] {{"POST", "/api/users/u/disconnect"}, {"POST", "/api/users/u/remove"},
                {"GET", "/api/rooms/r/history"}, {"POST", "/api/broadcast"}, {"POST", "/api/batch"}, {"GET", "/api/info"},
                {"GET", "/api/rooms"}}) {
            RequestSpecification noKey = given().baseUri(a.httpUrl()).contentType("application/json").body("{}");
            int status = (call[0].equals("GET") ? noKey.get(call[1]) : noKey.post(call[1])).statusCode();
            assertThat(status).as(call[1]).isEqualTo(401);
        }
        assertThat(post(a, "/api/users/u/disconnect", "{\"code\":4000}", 400).getString("error")).isEqualTo("bad_request");
        assertThat(post(a, "/api/users/bad%20user/disconnect", "{\"code\":4100}", 400).getString("error")).isEqualTo("invalid_user");
        assertThat(post(a, "/api/users/u/remove", "{\"room\":\"a b\"}", 400).getString("error")).isEqualTo("invalid_room");
        assertThat(get(a, "/api/rooms/r/history?limit=5000", 400).getString("error")).isEqualTo("bad_request");
        assertThat(get(b, "/api/rooms?limit=0", 400).getString("error")).isEqualTo("bad_request");
    }
}
