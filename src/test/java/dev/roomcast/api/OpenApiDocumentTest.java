package dev.roomcast.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document the server serves at {@code /q/openapi} is the one committed as {@code docs/openapi.yaml}.
 * After a deliberate change of the API (or of its annotations) rewrite the file with
 * {@code ./mvnw -B test -Dtest=OpenApiDocumentTest -Dopenapi.record=true}, then review and commit the diff.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static final Path COMMITTED = Path.of("docs", "openapi.yaml");

    @Test
    void theServedDocumentIsTheCommittedOne() throws IOException {
        String served = given().accept("application/yaml").when().get("/q/openapi")
                .then().statusCode(200).extract().asString();
        // What a backend developer looks for in it, so that a recorded document cannot be an empty one.
        assertThat(served)
                .contains("/api/rooms/{room}/messages:", "/api/users/{user}/messages:", "/api/rooms/{room}/presence:")
                .contains("/api/broadcast:", "/api/batch:", "/api/rooms/{room}/history:", "/api/users/{user}/disconnect:",
                        "/api/users/{user}/remove:", "/api/info:", "/api/rooms:", "name: idempotency_key", "\"409\":")
                .contains("summary: Publish a message to a room", "\"413\":", "\"503\":")
                .contains("apiKey:", "scheme: bearer");
        if (Boolean.getBoolean("openapi.record")) {
            Files.writeString(COMMITTED, served, StandardCharsets.UTF_8);
        }
        assertThat(served)
                .as("docs/openapi.yaml is out of date: re-record it with -Dopenapi.record=true (see this test's javadoc)")
                .isEqualTo(Files.readString(COMMITTED, StandardCharsets.UTF_8));
    }
}
