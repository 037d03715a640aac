package dev.roomcast.ws;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/** The demo page is served at {@code /}, next to health and metrics, with nothing to build. */
@QuarkusTest
class DemoPageTest {

    @Test
    void rootServesTheDemoPage() {
        given().when().get("/")
                .then().statusCode(200)
                .contentType(startsWith("text/html"))
                .body(containsString("<script src=\"app.js\"></script>"))
                .body(containsString("roomcast"));
    }

    @Test
    void theScriptIsServedAndSpeaksTheProtocol() {
        given().when().get("/app.js")
                .then().statusCode(200)
                .contentType(containsString("javascript"))
                .body(containsString("'/ws?'"))
                .body(containsString("since"))
                .body(containsString("epoch"))
                .body(containsString("access_token"));
    }

    @Test
    void readinessIsUp() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body(containsString("\"UP\""));
    }

    @Test
    void metricsAreExposed() {
        given().when().get("/q/metrics")
                .then().statusCode(200);
    }
}
