package dev.roomcast.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The server API on one node with the memory backend: what each endpoint does and how it refuses bad input.
 * {@code cluster/ServerApiIT} shows the same endpoints across two instances on Redis.
 */
@QuarkusTest
class ServerApiTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    static JsonPath post(String path, String body, int status) {
        return given().contentType("application/json").body(body).when().post(path)
                .then().statusCode(status).extract().jsonPath();
    }

    static JsonPath get(String path, int status) {
        return given().when().get(path).then().statusCode(status).extract().jsonPath();
    }

    @Test
    void disconnectClosesEveryConnectionOfTheUserWithTheCodeAndReason() {
        WsClient first = clients.connect("mallory"), second = clients.connect("mallory"), bob = clients.connect("bob");
        assertThat(post("/api/users/mallory/disconnect", "{\"code\":4403,\"reason\":\"banned for spam\"}", 200)
                .getString("user")).isEqualTo("mallory");
        for (WsClient c : List.of(first, second)) {
            assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo(4403);
            assertThat(c.closeReason()).isEqualTo("banned for spam");
        }
        assertThat(bob.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
    }

    @Test
    void removeTakesEveryConnectionOfTheUserOutOfTheRoomAndTheOthersSeeLeft() {
        WsClient first = clients.connect("carol"), second = clients.connect("carol"), bob = clients.connect("bob");
        for (WsClient c : List.of(first, second, bob)) {
            c.join("mod-room");
            c.join("other-room");
        }
        post("/api/users/carol/remove", "{\"room\":\"mod-room\",\"reason\":\"off-topic\"}", 200);
        for (WsClient c : List.of(first, second)) {
            JsonNode removed = c.awaitType("removed");
            assertThat(removed.path("room").asText()).isEqualTo("mod-room");
            assertThat(removed.path("reason").asText()).isEqualTo("off-topic");
        }
        assertThat(bob.await(f -> "left".equals(f.path("type").asText()) && "carol".equals(f.path("user").asText()))
                .path("room").asText()).isEqualTo("mod-room");
        get("/api/rooms/mod-room/presence", 200);
        assertThat(get("/api/rooms/mod-room/presence", 200).getList("members.user")).containsExactly("bob");
        // Out of the room, still in the other one.
        post("/api/rooms/mod-room/messages", "\"after\"", 200);
        post("/api/rooms/other-room/messages", "\"marker\"", 200);
        assertThat(first.awaitType("message").path("room").asText()).isEqualTo("other-room");
        assertThat(first.pending("message")).isEmpty();
        // Without a reason: the default one.
        post("/api/users/bob/remove", "{\"room\":\"other-room\"}", 200);
        assertThat(bob.awaitType("removed").path("reason").asText()).isEqualTo("removed by the server");
    }

    @Test
    void historyPagesOldestAndNewestFirstAsMembersReceivedThem() {
        WsClient member = clients.connect("reader");
        member.join("hist-room");
        for (int i = 1; i <= 5; i++) {
            post("/api/rooms/hist-room/messages?from=backend", "{\"n\":" + i + "}", 200);
        }
        List<String> received = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            JsonNode m = member.awaitType("message");
            received.add(m.path("offset").asText() + " " + m.path("data"));
        }
        JsonPath all = get("/api/rooms/hist-room/history", 200);
        assertThat(pageOf(all)).isEqualTo(received);
        assertThat(all.getString("offset")).isEqualTo(received.get(4).split(" ")[0]);
        assertThat(all.getString("publications[0].from")).isEqualTo("backend");
        String epoch = all.getString("epoch");

        JsonPath newest = get("/api/rooms/hist-room/history?order=newest&limit=2", 200);
        assertThat(pageOf(newest)).containsExactly(received.get(4), received.get(3));
        String before = newest.getString("publications[1].offset");
        assertThat(pageOf(get("/api/rooms/hist-room/history?order=newest&limit=2&since=" + before + "&epoch=" + epoch, 200)))
                .containsExactly(received.get(2), received.get(1));
        String after = received.get(1).split(" ")[0];
        assertThat(pageOf(get("/api/rooms/hist-room/history?limit=2&since=" + after + "&epoch=" + epoch, 200)))
                .containsExactly(received.get(2), received.get(3));

        assertThat(get("/api/rooms/hist-room/history?since=" + after + "&epoch=gone", 409).getString("error"))
                .isEqualTo("epoch_changed");
        for (String bad : List.of("limit=0", "limit=1001", "limit=ten", "since=1", "since=x&epoch=" + epoch, "order=sideways")) {
            assertThat(get("/api/rooms/hist-room/history?" + bad, 400).getString("error")).as(bad).isEqualTo("bad_request");
        }
        assertThat(get("/api/rooms/bad%20room/history", 400).getString("error")).isEqualTo("invalid_room");
    }

    static List<String> pageOf(JsonPath page) {
        List<String> out = new ArrayList<>();
        List<Object> publications = page.getList("publications");
        for (int i = 0; i < publications.size(); i++) {
            out.add(page.getString("publications[" + i + "].offset") + " {\"n\":" + page.getInt("publications[" + i + "].data.n") + "}");
        }
        return out;
    }

    @Test
    void anIdempotentRetryReturnsTheFirstResultAndPublishesNothing() {
        WsClient member = clients.connect("idem");
        member.join("idem-room");
        JsonPath first = post("/api/rooms/idem-room/messages?idempotency_key=order-1042", "{\"paid\":true}", 200);
        JsonPath retry = post("/api/rooms/idem-room/messages?idempotency_key=order-1042", "{\"paid\":true}", 200);
        assertThat(retry.getString("offset")).isEqualTo(first.getString("offset"));
        assertThat(retry.getString("epoch")).isEqualTo(first.getString("epoch"));
        // The key is per room: another room publishes.
        post("/api/rooms/idem-room-2/messages?idempotency_key=order-1042", "1", 200);
        post("/api/rooms/idem-room/messages", "\"marker\"", 200);
        assertThat(member.awaitType("message").path("data").path("paid").asBoolean()).isTrue();
        assertThat(member.awaitType("message").path("data").asText()).isEqualTo("marker");
        assertThat(get("/api/rooms/idem-room/history", 200).getList("publications")).hasSize(2);
        assertThat(post("/api/rooms/idem-room/messages?idempotency_key=no%20spaces", "1", 400).getString("error"))
                .isEqualTo("bad_request");
    }

    @Test
    void broadcastAndBatchGiveEachMessageItsOwnResult() {
        WsClient a = clients.connect("ann");
        a.join("bc-1");
        a.join("bc-2");
        JsonPath broadcast = post("/api/broadcast",
                "{\"rooms\":[\"bc-1\",\"bad room\",\"bc-2\"],\"data\":{\"x\": 1},\"from\":\"ops\"}", 200);
        assertThat(broadcast.getInt("published")).isEqualTo(2);
        assertThat(broadcast.getInt("failed")).isEqualTo(1);
        assertThat(broadcast.getList("results.room")).containsExactly("bc-1", "bad room", "bc-2");
        assertThat(broadcast.getString("results[1].error")).isEqualTo("invalid_room");
        assertThat(broadcast.getString("results[0].offset")).isNotNull();
        for (int i = 0; i < 2; i++) {
            JsonNode m = a.awaitType("message");
            assertThat(m.path("from").asText()).isEqualTo("ops");
            assertThat(a.rawFrames()).anyMatch(f -> f.contains("\"data\":{\"x\": 1}"));
        }

        String big = "\"" + "y".repeat(70_000) + "\"";
        JsonPath batch = post("/api/batch", "{\"messages\":[{\"room\":\"bc-1\",\"data\":1},{\"room\":\"bc-1\",\"data\":" + big
                + "},{\"room\":\"bc-2\",\"data\":2,\"from\":\"not a user\"},{\"room\":\"bc-1\",\"data\":3,\"idempotency_key\":\"k1\"},"
                + "{\"room\":\"bc-1\",\"data\":4,\"idempotency_key\":\"k1\"}]}", 200);
        assertThat(batch.getList("results.error")).containsExactly(null, "too_large", "invalid_user", null, null);
        assertThat(batch.getString("results[4].offset")).as("the second k1 is the first's result")
                .isEqualTo(batch.getString("results[3].offset"));
        assertThat(batch.getInt("published")).isEqualTo(3);
        // Messages to one room arrive in the order of the batch.
        assertThat(a.awaitType("message").path("data").asInt()).isEqualTo(1);
        assertThat(a.awaitType("message").path("data").asInt()).isEqualTo(3);
        post("/api/rooms/bc-1/messages", "\"marker\"", 200);
        assertThat(a.awaitType("message").path("data").asText()).isEqualTo("marker");

        StringBuilder many = new StringBuilder("{\"rooms\":[");
        for (int i = 0; i < 101; i++) {
            many.append(i == 0 ? "" : ",").append("\"r").append(i).append('"');
        }
        for (String bad : List.of(many + "],\"data\":1}", "{\"rooms\":[],\"data\":1}", "{\"rooms\":[\"a\",\"a\"],\"data\":1}",
                "{\"rooms\":[\"a\"]}", "{\"rooms\":\"a\",\"data\":1}", "{\"rooms\":[\"a\"],\"data\":1,\"idempotency_key\":\"a b\"}", "[1]", "{\"rooms\":[\"a\"],\"data\":1} x")) {
            assertThat(post("/api/broadcast", bad, 400).getString("error")).as(bad).isEqualTo("bad_request");
        }
        assertThat(post("/api/broadcast", "{\"rooms\":[\"a\"],\"data\":1,\"from\":\"a b\"}", 400).getString("error"))
                .isEqualTo("invalid_user");
        assertThat(post("/api/broadcast", "{\"rooms\":[\"a\"],\"data\":" + big + "}", 413).getString("error")).isEqualTo("too_large");
        for (String bad : List.of("{\"messages\":[]}", "{\"messages\":[{\"data\":1}]}", "{\"messages\":[{\"room\":\"a\"}]}",
                "{\"messages\":{}}", "{}")) {
            assertThat(post("/api/batch", bad, 400).getString("error")).as(bad).isEqualTo("bad_request");
        }
    }

    @Test
    void infoListsThisNodeAndRoomsArePagedByPrefix() {
        WsClient u1 = clients.connect("p1"), u2 = clients.connect("p2");
        for (String room : List.of("proj-a", "proj-b", "proj-c", "other")) {
            u1.join(room);
        }
        u2.join("proj-b");
        JsonPath info = get("/api/info", 200);
        assertThat(info.getList("nodes")).hasSize(1);
        assertThat(info.getInt("nodes[0].connections")).isGreaterThanOrEqualTo(2);
        assertThat(info.getInt("nodes[0].rooms")).isGreaterThanOrEqualTo(4);

        JsonPath page = get("/api/rooms?prefix=proj-&limit=2", 200);
        assertThat(page.getList("rooms.room")).containsExactly("proj-a", "proj-b");
        assertThat(page.getList("rooms.members")).containsExactly(1, 2);
        JsonPath rest = get("/api/rooms?prefix=proj-&limit=2&cursor=" + page.getString("next"), 200);
        assertThat(rest.getList("rooms.room")).containsExactly("proj-c");
        assertThat(rest.getString("next")).isNull();
        for (String bad : List.of("prefix=bad%20prefix", "limit=0", "limit=1001", "cursor=%20")) {
            get("/api/rooms?" + bad, 400);
        }
    }

    @Test
    void badCommandsAreRefusedAndChangeNothing() {
        WsClient dave = clients.connect("dave");
        dave.join("keep");
        for (String body : List.of("{\"code\":1000}", "{\"code\":4000}", "{\"code\":4099}", "{\"code\":5000}", "{\"code\":3000}",
                "{\"code\":99999999999}", "{\"code\":\"4100\"}", "{\"reason\":\"x\"}", "{\"code\":4100,\"reason\":\"" + "é".repeat(62) + "\"}",
                "", "[]")) {
            post("/api/users/dave/disconnect", body, 400).getString("error");
        }
        post("/api/users/not%20valid/disconnect", "{\"code\":4100}", 400);
        assertThat(post("/api/users/not%20valid/disconnect", "{\"code\":4100}", 400).getString("error")).isEqualTo("invalid_user");
        assertThat(post("/api/users/dave/remove", "{\"room\":\"bad room\"}", 400).getString("error")).isEqualTo("invalid_room");
        post("/api/users/dave/remove", "{}", 400);
        post("/api/users/dave/remove", "{\"room\":\"keep\",\"reason\":\"" + "x".repeat(124) + "\"}", 400);
        // 123 bytes is the most a close frame's reason can hold.
        post("/api/users/nobody/disconnect", "{\"code\":4999,\"reason\":\"" + "x".repeat(123) + "\"}", 200);
        assertThat(dave.request("{\"type\":\"ping\"}").path("type").asText()).isEqualTo("pong");
        assertThat(dave.pending("removed")).isEmpty();
        given().when().get("/api/rooms/keep/presence").then().statusCode(200).body("count", equalTo(1));
    }
}
