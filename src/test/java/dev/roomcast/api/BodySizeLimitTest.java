package dev.roomcast.api;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * A body over {@code quarkus.http.limits.max-body-size} (1M in application.properties) gets the documented
 * {@code 413 {"error":"too_large",...}} — declared with Content-Length or sent chunked — and the connection is
 * closed; a chunked body under the limit still goes through. Raw sockets, so the test controls exactly what is
 * sent and reads the answer while the body is still being written.
 */
@QuarkusTest
class BodySizeLimitTest {

    private static final int LIMIT = 1024 * 1024;

    @TestHTTPResource("/")
    URI base;

    @Test
    void declaredContentLengthOverTheLimitGetsTooLargeAtOnce() throws Exception {
        try (Socket s = connect()) {
            // Only the headers: the answer must not wait for a body that is over the limit anyway.
            write(s, "POST /api/rooms/big/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (LIMIT + 1) + "\r\n\r\n");
            Response r = Response.read(s.getInputStream());
            assertTooLarge(r);
        }
        // Counted like any other answer (docs/operations.md, limits).
        String metrics = given().accept("text/plain").when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics.lines().filter(l -> l.startsWith("http_server_requests_seconds_count{")
                && l.contains("status=\"413\""))).isNotEmpty();
    }

    @Test
    void chunkedBodyOverTheLimitGetsTooLarge() throws Exception {
        try (Socket s = connect()) {
            write(s, "POST /api/rooms/big/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            Thread writer = new Thread(() -> writeChunked(s, LIMIT + 64 * 1024), "chunked-writer");
            writer.start();
            Response r = Response.read(s.getInputStream());
            assertTooLarge(r);
            writer.join(10_000);
        }
        // The node is fine afterwards.
        given().body("{\"after\":true}").when().post("/api/rooms/big/messages").then().statusCode(200);
    }

    @Test
    void chunkedBodyUnderTheLimitIsPublished() throws Exception {
        String body = "{\"n\":1}";
        try (Socket s = connect()) {
            write(s, "POST /api/rooms/chunked/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body
                    + "\r\n0\r\n\r\n");
            Response r = Response.read(s.getInputStream());
            assertThat(r.status).as(r.body).isEqualTo(200);
            assertThat(r.body).startsWith("{\"room\":\"chunked\",\"offset\":\"");
        }
    }

    @Test
    void bodyOverTheMessageSizeButUnderTheHttpLimitGetsTheSameError() {
        given().body("\"" + "x".repeat(70_000) + "\"").when().post("/api/rooms/big/messages")
                .then().statusCode(413).contentType(startsWith("application/json"))
                .body("error", equalTo("too_large"));
    }

    private static void assertTooLarge(Response r) {
        assertThat(r.status).as(r.body).isEqualTo(413);
        assertThat(r.headers.get("content-type")).startsWith("application/json");
        assertThat(r.headers.get("connection")).isEqualToIgnoringCase("close");
        assertThat(r.body).startsWith("{\"error\":\"too_large\",\"message\":\"the body is larger than 1048576 bytes");
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** A JSON string of about {@code size} bytes in 16 KiB chunks; stops quietly when the server closes. */
    private static void writeChunked(Socket s, int size) {
        byte[] chunk = new byte[16 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        try {
            OutputStream out = s.getOutputStream();
            out.write("1\r\n\"\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int sent = 0; sent < size; sent += chunk.length) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("1\r\n\"\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException closedByServer) {
            // expected once the server has answered 413 and closed
        }
    }

    /** One HTTP/1.1 response with a Content-Length body (what these endpoints send); 1xx answers are skipped. */
    record Response(int status, Map<String, String> headers, String body) {

        static Response read(InputStream in) throws IOException {
            while (true) {
                String statusLine = line(in);
                int status = Integer.parseInt(statusLine.split(" ")[1]);
                Map<String, String> headers = new LinkedHashMap<>();
                for (String h = line(in); !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
                if (status / 100 == 1) {
                    continue; // 100 Continue
                }
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                byte[] body = in.readNBytes(length);
                return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
            }
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed in the middle of the response");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }
    }
}
