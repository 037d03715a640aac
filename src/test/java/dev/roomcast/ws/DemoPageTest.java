package dev.roomcast.ws;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/** The demo page is served at {@code /}, next to health and metrics, with nothing to build at run time. */
@QuarkusTest
class DemoPageTest {

    @Test
    void rootServesTheDemoPage() {
        given().when().get("/")
                .then().statusCode(200)
                .contentType(startsWith("text/html"))
                .body(containsString("<script type=\"module\" src=\"app.js\"></script>"))
                .body(containsString("roomcast"));
    }

    @Test
    void thePageRunsOnRoomcastClient() {
        given().when().get("/app.js")
                .then().statusCode(200)
                .contentType(containsString("javascript"))
                .body(containsString("from './roomcast-client/index.js'"))
                .body(containsString("'/ws'"));
    }

    /** clients/js/src is copied into the jar at build time (pom.xml), so the page needs no front-end build. */
    @Test
    void theClientPackageIsServedAsAStaticModule() {
        given().when().get("/roomcast-client/index.js")
                .then().statusCode(200)
                .contentType(containsString("javascript"))
                .body(containsString("export class Roomcast"))
                .body(containsString("since"))
                .body(containsString("epoch"))
                .body(containsString("bearer-token-carrier"));
        given().when().get("/roomcast-client/emitter.js")
                .then().statusCode(200)
                .body(containsString("export class Emitter"));
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
