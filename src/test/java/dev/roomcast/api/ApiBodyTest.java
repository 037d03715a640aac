package dev.roomcast.api;

import dev.roomcast.hub.Hub;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** An API body is exactly one JSON value: nothing after it can smuggle fields into the frame. */
@QuarkusTest
class ApiBodyTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    @Test
    void contentAfterTheValueIsRefusedAndNothingIsPublished() {
        try (WsClient member = WsClient.connect(ws.toString().replaceFirst("^http", "ws") + "?user=member")) {
            member.join("api-body");
            for (String body : new String[] {"1,\"from\":\"admin\"", "{\"a\":1} {\"b\":2}", "\"x\",\"data\":2", "1 2",
                    "{\"a\":1}}", "[1]]", "null,"}) {
                given().body(body).when().post("/api/rooms/api-body/messages?from=backend")
                        .then().statusCode(400).body("error", equalTo("bad_request"));
                given().body(body).when().post("/api/users/member/messages")
                        .then().statusCode(400).body("error", equalTo("bad_request"));
            }
            // Whitespace around one value is fine, and the value is delivered as sent.
            given().body("  {\"ok\": true}\n").when().post("/api/rooms/api-body/messages?from=backend")
                    .then().statusCode(200);
            assertThat(member.awaitType("message").path("data").toString()).isEqualTo("{\"ok\":true}");
            assertThat(member.rawFrames()).noneMatch(f -> f.contains("admin"));
            given().body("7").when().post("/api/users/member/messages").then().statusCode(200);
            assertThat(member.awaitType("direct").path("data").asInt()).isEqualTo(7);
            assertThat(member.pending("message")).as("none of the refused bodies was published").isEmpty();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
    }
}
