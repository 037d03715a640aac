package dev.roomcast.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.WsClient;
import dev.roomcast.testing.WsClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/** Protocol v1 on one node, with real WebSocket clients against the running application. */
@QuarkusTest
class ProtocolTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    private final WsClients clients = new WsClients(() -> ws, () -> hub.connectionCount());

    private WsClient connect(String user) {
        return clients.connect(user);
    }

    @AfterEach
    void closeAll() {
        clients.closeAll();
    }

    @Test
    void welcomeNamesTheUserAndTheConnection() {
        WsClient alice = connect("alice");
        assertThat(alice.welcome().path("user").asText()).isEqualTo("alice");
        assertThat(alice.welcome().path("connection").asText()).isNotBlank();
        WsClient anonymous = connect(null);
        assertThat(anonymous.user()).startsWith("anon-");
    }

    @Test
    void inAuthModeNoneAJoinsTokenIsIgnoredAndTokenRefreshesAreBadRequests() {
        WsClient alice = connect("alice");
        JsonNode ack = alice.request("{\"type\":\"join\",\"room\":\"vip\",\"token\":\"not.a.jwt\"}");
        assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("ack");
        assertThat(ack.path("room").asText()).isEqualTo("vip");
        for (String frame : List.of("{\"type\":\"refresh\",\"token\":\"not.a.jwt\"}",
                "{\"type\":\"refresh\",\"room\":\"vip\",\"token\":\"not.a.jwt\"}")) {
            JsonNode refused = alice.request(frame);
            assertThat(refused.path("code").asText()).as(frame).isEqualTo("bad_request");
        }
        assertThat(alice.request("{\"type\":\"publish\",\"room\":\"vip\",\"data\":1}").path("type").asText())
                .isEqualTo("ack");
    }

    @Test
    void roomMessagesReachEveryMemberAndNoOneElse() {
        WsClient alice = connect("alice"), bob = connect("bob"), carol = connect("carol");
        alice.join("team-a");
        bob.join("team-a");
        carol.join("team-b");

        assertThat(alice.request("{\"type\":\"publish\",\"room\":\"team-a\",\"data\":{\"text\":\"hi\",\"n\":[1,2.50,null]}}")
                .path("type").asText()).isEqualTo("ack");
        for (WsClient member : List.of(alice, bob)) {
            JsonNode m = member.awaitType("message");
            assertThat(m.path("room").asText()).isEqualTo("team-a");
            assertThat(m.path("from").asText()).isEqualTo("alice");
            assertThat(m.path("data").path("text").asText()).isEqualTo("hi");
            assertThat(m.path("offset").asText()).isNotBlank();
        }
        // carol gets her own room's message, and nothing of team-a before it.
        carol.request("{\"type\":\"publish\",\"room\":\"team-b\",\"data\":\"marker\"}");
        JsonNode first = carol.awaitType("message");
        assertThat(first.path("room").asText()).isEqualTo("team-b");
        assertThat(carol.pending("message")).isEmpty();
    }

    @Test
    void dataIsPassedThroughByteForByte() {
        WsClient alice = connect("alice");
        alice.join("raw");
        String data = "{ \"a\" : 1.0e3 , \"u\":\"\\u00e9\\n\", \"deep\":[[[]]] }";
        alice.send("{\"type\":\"publish\",\"room\":\"raw\",\"data\":" + data + "}");
        alice.awaitType("message");
        assertThat(alice.rawFrames()).anyMatch(f -> f.endsWith("\"data\":" + data + "}"));
        WsClient bob = connect("bob");
        bob.join("raw");
        alice.send("{\"type\":\"publish\",\"room\":\"raw\",\"data\":\"x\\ty\"}");
        assertThat(bob.awaitType("message").path("data").asText()).isEqualTo("x\ty");
    }

    @Test
    void leaveStopsDelivery() {
        WsClient alice = connect("alice"), bob = connect("bob");
        alice.join("r1");
        bob.join("r1");
        assertThat(bob.request("{\"type\":\"leave\",\"room\":\"r1\"}").path("type").asText()).isEqualTo("ack");
        alice.request("{\"type\":\"publish\",\"room\":\"r1\",\"data\":1}");
        alice.awaitType("message");
        bob.join("r2");
        alice.join("r2");
        alice.request("{\"type\":\"publish\",\"room\":\"r2\",\"data\":2}");
        assertThat(bob.awaitType("message").path("room").asText()).isEqualTo("r2");
        assertThat(bob.pending("message")).isEmpty();
        assertThat(hub.localMembers("r1")).isEqualTo(1);
    }

    @Test
    void directMessagesReachEveryConnectionOfTheUser() {
        WsClient phone = connect("dana"), laptop = connect("dana"), eve = connect("eve");
        JsonNode ack = eve.request("{\"type\":\"send\",\"to\":\"dana\",\"data\":{\"hello\":true}}");
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        for (WsClient c : List.of(phone, laptop)) {
            JsonNode d = c.awaitType("direct");
            assertThat(d.path("from").asText()).isEqualTo("eve");
            assertThat(d.path("data").path("hello").asBoolean()).isTrue();
        }
        assertThat(eve.pending("direct")).isEmpty();
    }

    @Test
    void httpPublishReachesRoomMembers() {
        WsClient alice = connect("alice");
        alice.join("workspace-42");
        given().body("{\"event\":\"app updated\"}").contentType("application/json")
                .when().post("/api/rooms/workspace-42/messages?from=backend")
                .then().statusCode(200).body("room", equalTo("workspace-42"));
        JsonNode m = alice.awaitType("message");
        assertThat(m.path("data").path("event").asText()).isEqualTo("app updated");
        assertThat(m.path("from").asText()).isEqualTo("backend");

        given().body("[1,2]").when().post("/api/users/alice/messages").then().statusCode(200);
        assertThat(alice.awaitType("direct").path("data").size()).isEqualTo(2);
    }

    @Test
    void httpApiRefusesBadInput() {
        given().body("{}").when().post("/api/rooms/bad room!/messages").then().statusCode(400)
                .body("error", equalTo("invalid_room"));
        given().body("{not json").when().post("/api/rooms/ok/messages").then().statusCode(400)
                .body("error", equalTo("bad_request"));
        given().body("").when().post("/api/rooms/ok/messages").then().statusCode(400);
        given().body("\"" + "x".repeat(70_000) + "\"").when().post("/api/rooms/ok/messages").then().statusCode(413)
                .body("error", equalTo("too_large"));
        given().body("{}").when().post("/api/users/no%20spaces/messages").then().statusCode(400)
                .body("error", equalTo("invalid_user"));
    }

    @Test
    void presenceListsMembersWithTheirConnectionCount() {
        WsClient a1 = connect("alice"), a2 = connect("alice"), bob = connect("bob");
        a1.join("p");
        a2.join("p");
        bob.join("p");
        JsonNode p = bob.request("{\"type\":\"presence\",\"room\":\"p\"}");
        assertThat(p.path("type").asText()).isEqualTo("presence");
        assertThat(p.path("members").toString())
                .isEqualTo("[{\"user\":\"alice\",\"connections\":2},{\"user\":\"bob\",\"connections\":1}]");
        given().when().get("/api/rooms/p/presence").then().statusCode(200)
                .body("members.user", hasItems("alice", "bob")).body("count", equalTo(2));
    }

    @Test
    void joinedAndLeftEventsAreSentOncePerUser() {
        WsClient watcher = connect("watcher");
        watcher.join("ev");
        WsClient a1 = connect("alice"), a2 = connect("alice");
        a1.join("ev");
        a2.join("ev");
        assertThat(watcher.awaitType("joined").path("user").asText()).isEqualTo("watcher"); // its own join
        JsonNode joined = watcher.awaitType("joined");
        assertThat(joined.path("user").asText()).isEqualTo("alice");
        a1.close();
        a2.close();
        assertThat(watcher.awaitType("left").path("user").asText()).isEqualTo("alice");
        assertThat(watcher.pending("joined")).isEmpty();
        assertThat(watcher.pending("left")).isEmpty();
    }

    @Test
    void everyErrorCodeLeavesTheConnectionUsable() {
        WsClient c = connect("alice");
        assertError(c, "{not json", "bad_request");
        assertError(c, "[1,2]", "bad_request");
        assertError(c, "{\"type\":\"join\"}", "bad_request");
        assertError(c, "{\"type\":\"join\",\"room\":7,\"id\":\"x\"}", "bad_request");
        assertError(c, "{\"type\":\"teleport\",\"id\":\"u\"}", "unknown_type");
        assertError(c, "{\"type\":\"join\",\"room\":\"has space\",\"id\":\"i\"}", "invalid_room");
        assertError(c, "{\"type\":\"join\",\"room\":\"" + "r".repeat(129) + "\",\"id\":\"i\"}", "invalid_room");
        assertError(c, "{\"type\":\"publish\",\"room\":\"elsewhere\",\"data\":1,\"id\":\"n\"}", "not_joined");
        assertError(c, "{\"type\":\"leave\",\"room\":\"elsewhere\",\"id\":\"n\"}", "not_joined");
        assertError(c, "{\"type\":\"publish\",\"room\":\"big\",\"data\":\"" + "x".repeat(70_000) + "\"}", "too_large");
        assertError(c, "{\"type\":\"send\",\"to\":\"not valid!\",\"data\":1}", "invalid_user");
        c.join("j");
        assertError(c, "{\"type\":\"publish\",\"room\":\"j\"}", "bad_request");

        JsonNode error = c.request("{\"type\":\"teleport\"}");
        assertThat(error.path("id").asText()).startsWith("r"); // the id is echoed
        c.join("still-works");
        c.request("{\"type\":\"publish\",\"room\":\"still-works\",\"data\":1}");
        assertThat(c.awaitType("message").path("room").asText()).isEqualTo("still-works");
    }

    @Test
    void joinWithSinceReplaysMissedMessagesThenContinuesLive() {
        WsClient alice = connect("alice");
        JsonNode ack = alice.join("recover");
        String epoch = ack.path("epoch").asText();
        assertThat(ack.path("offset").asText()).isEqualTo("0");
        List<String> offsets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            alice.request("{\"type\":\"publish\",\"room\":\"recover\",\"data\":" + i + "}");
            offsets.add(alice.awaitType("message").path("offset").asText());
        }
        WsClient again = connect("alice");
        JsonNode rejoin = again.request("{\"type\":\"join\",\"room\":\"recover\",\"since\":\"" + offsets.get(0)
                + "\",\"epoch\":\"" + epoch + "\"}");
        assertThat(rejoin.path("recovered").asBoolean()).isTrue();
        assertThat(again.awaitType("message").path("data").asInt()).isEqualTo(1);
        assertThat(again.awaitType("message").path("data").asInt()).isEqualTo(2);
        alice.request("{\"type\":\"publish\",\"room\":\"recover\",\"data\":3}");
        assertThat(again.awaitType("message").path("data").asInt()).isEqualTo(3);
        assertThat(again.pending("message")).isEmpty();

        JsonNode otherEpoch = connect("bob").request("{\"type\":\"join\",\"room\":\"recover\",\"since\":\"1\",\"epoch\":\"old\"}");
        assertThat(otherEpoch.path("recovered").asBoolean()).isFalse();
    }

    /**
     * A join replays at most half of the connection's outbound queue (outbound-max-bytes, 1 MiB): a longer replay is
     * cut and the join is not recovered (the client resyncs), instead of the whole history being read into the node's
     * memory for every such join — 64 MiB a join with 1000 large messages, which ran a node out of heap with 30 clients
     * joining at once — and the connection being closed as a slow consumer (4008) whatever it reads.
     */
    @Test
    void aRecoveryLongerThanHalfTheOutboundQueueIsCutAndNotRecoveredAndTheConnectionStays() {
        WsClient alice = connect("alice");
        JsonNode start = alice.join("long-history");
        String pad = "x".repeat(60_000);
        for (int i = 0; i < 20; i++) { // 1.2 MB of history
            assertThat(alice.request("{\"type\":\"publish\",\"room\":\"long-history\",\"data\":\"" + pad + "\"}")
                    .path("type").asText()).isEqualTo("ack");
        }
        WsClient bob = connect("bob");
        JsonNode ack = bob.request("{\"type\":\"join\",\"room\":\"long-history\",\"since\":\""
                + start.path("offset").asText() + "\",\"epoch\":\"" + start.path("epoch").asText() + "\"}");
        assertThat(ack.path("recovered").asBoolean()).as(ack.toString()).isFalse();
        alice.request("{\"type\":\"publish\",\"room\":\"long-history\",\"data\":\"live\"}");
        assertThat(bob.await(f -> "live".equals(f.path("data").asText())).path("type").asText()).isEqualTo("message");
        List<JsonNode> replayed = bob.pending("message");
        assertThat(replayed).as("the replay: what fits in 512 KiB, oldest first").hasSize(8);
        assertThat(replayed.get(0).path("offset").asText()).isEqualTo("1");
        assertThat(bob.isClosed()).isFalse();
    }

    /** The node reads nothing from the 101 to @OnOpen (see SecuredEdgeTest) — except the rest of an upgrade with a body. */
    @Test
    void anUpgradeWithABodySentAfterItsHeadersIsStillUpgraded() throws IOException {
        try (Socket socket = new Socket(ws.getHost(), ws.getPort())) {
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws?user=with-body HTTP/1.1\r\nHost: " + ws.getHost() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Content-Length: 5\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                Thread.sleep(100); // the client's pause, not a wait for the server: the body comes after the head
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 101");
        }
    }

    @Test
    void binaryFramesAreRefusedWithAnError() {
        WsClient c = connect("alice");
        c.sendBinary(new byte[] {1, 2, 3});
        JsonNode e = c.awaitType("error");
        assertThat(e.path("code").asText()).isEqualTo("bad_request");
        assertThat(e.path("message").asText()).contains("binary");
        c.join("after-binary");
    }

    @Test
    void closingRemovesTheConnectionFromEveryRoomAndUser() {
        WsClient a = connect("alice"), b = connect("bob");
        a.join("x");
        a.join("y");
        b.join("y");
        assertThat(hub.roomCount()).isEqualTo(2);
        a.close();
        b.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.userCount()).isZero();
    }

    private static void assertError(WsClient c, String frame, String code) {
        c.send(frame);
        JsonNode e = c.awaitType("error");
        assertThat(e.path("code").asText()).as("error for %s", frame.length() > 80 ? frame.substring(0, 80) : frame)
                .isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
    }

    @Test
    void aSinceAheadOfTheRoomsHistoryIsABadRequestAndLeavesTheConnectionOutOfTheRoom() {
        WsClient alice = connect("alice");
        JsonNode ack = alice.join("ahead");
        alice.request("{\"type\":\"leave\",\"room\":\"ahead\"}");
        JsonNode refused = alice.request("{\"type\":\"join\",\"room\":\"ahead\",\"since\":\"999999\",\"epoch\":\""
                + ack.path("epoch").asText() + "\"}");
        assertThat(refused.path("type").asText()).isEqualTo("error");
        assertThat(refused.path("code").asText()).isEqualTo("bad_request");
        assertThat(refused.path("message").asText()).isEqualTo("since is ahead of the room's history");
        assertThat(alice.request("{\"type\":\"publish\",\"room\":\"ahead\",\"data\":1}").path("code").asText())
                .isEqualTo("not_joined");
    }
}
