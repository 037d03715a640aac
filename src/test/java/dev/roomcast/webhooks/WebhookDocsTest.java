package dev.roomcast.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.outbox.EventType;
import dev.roomcast.outbox.OutboxEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The signature verification examples of docs/integration.md, taken from the page as they are and run against
 * requests roomcast signed ({@link Signature}): the Java class is compiled and called, the Node function is run by
 * {@code node} (on PATH in CI; the test is skipped elsewhere without it). Each must accept the genuine request and
 * refuse the forged ones.
 */
class WebhookDocsTest {

    private static final String SECRET = "docs-example-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** name → request as the backend receives it, and whether it is genuine. */
    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    record Case(String secret, String timestamp, String signature, byte[] body, boolean genuine) {
    }

    @BeforeAll
    static void signedRequests() throws Exception {
        byte[] body = JSON.writeValueAsBytes(WebhookBody.of(List.of(
                OutboxEvent.member(EventType.MEMBER_JOINED, "lobby", "alice").withId("1796635998787-1"),
                OutboxEvent.published("news", "alice", "1796635999101-0", "3f9a1c2e", "{\"text\":\"héllo ✓\"}")
                        .withId("1796635999102-0"))));
        long now = System.currentTimeMillis() / 1000;
        Signature roomcast = new Signature(SECRET);
        String valid = roomcast.sign(now, body);
        byte[] tampered = Arrays.copyOf(body, body.length + 1);
        tampered[body.length] = ' ';
        CASES.put("genuine", new Case(SECRET, Long.toString(now), valid, body, true));
        CASES.put("one of two signatures matches", new Case(SECRET, Long.toString(now), "v1=00ff " + valid, body, true));
        CASES.put("tampered body", new Case(SECRET, Long.toString(now), valid, tampered, false));
        CASES.put("another secret", new Case("another-secret-0123456789", Long.toString(now), valid, body, false));
        CASES.put("replayed 10 minutes later",
                new Case(SECRET, Long.toString(now - 600), roomcast.sign(now - 600, body), body, false));
        CASES.put("timestamp changed", new Case(SECRET, Long.toString(now + 1), valid, body, false));
        CASES.put("no signature", new Case(SECRET, Long.toString(now), null, body, false));
    }

    @Test
    void theJavaExampleAcceptsRoomcastsSignatureAndRefusesForgeries(@TempDir Path dir) throws Exception {
        String source = WebhookDocs.codeBlock("java", "final class RoomcastSignature");
        Path file = dir.resolve("RoomcastSignature.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, errors, "-d", dir.toString(), file.toString());
        assertThat(status).as("javac: %s", errors.toString(StandardCharsets.UTF_8)).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            Method verify = loader.loadClass("RoomcastSignature")
                    .getMethod("verify", String.class, String.class, String.class, byte[].class);
            for (Map.Entry<String, Case> e : CASES.entrySet()) {
                Case c = e.getValue();
                assertThat(verify.invoke(null, c.secret(), c.timestamp(), c.signature(), c.body()))
                        .as(e.getKey()).isEqualTo(c.genuine());
            }
        }
    }

    @Test
    void theNodeExampleAcceptsRoomcastsSignatureAndRefusesForgeries(@TempDir Path dir) throws Exception {
        boolean ci = System.getenv("CI") != null;
        assumeTrue(ci || onPath("node"), "node is not on PATH (it is in CI, where this test must run)");
        String function = WebhookDocs.codeBlock("js", "function verifyRoomcastSignature(");
        List<Map<String, String>> cases = new ArrayList<>();
        for (Case c : CASES.values()) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("secret", c.secret());
            m.put("timestamp", c.timestamp());
            m.put("signature", c.signature());
            m.put("body", Base64.getEncoder().encodeToString(c.body()));
            cases.add(m);
        }
        Path script = dir.resolve("verify.js");
        Files.writeString(script, function + """

                const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
                console.log(JSON.stringify(cases.map((c) =>
                  verifyRoomcastSignature(c.secret, c.timestamp, c.signature, Buffer.from(c.body, 'base64')))));
                """);
        Process node = new ProcessBuilder("node", script.toString()).redirectErrorStream(true).start();
        node.getOutputStream().write(JSON.writeValueAsBytes(cases));
        node.getOutputStream().close();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        List<Boolean> results = Arrays.asList(JSON.readValue(out, Boolean[].class));
        assertThat(results).as("node, for %s", CASES.keySet())
                .containsExactlyElementsOf(CASES.values().stream().map(Case::genuine).toList());
    }

    @Test
    void theEventsTableNamesEveryTypeAndTheSignatureHeaders() {
        assertThat(WebhookDocs.fieldsByType().keySet())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(EventType.values()).map(EventType::wireName).toList());
        assertThat(WebhookDocs.page()).contains("`" + Signature.TIMESTAMP_HEADER + "`", "`" + Signature.SIGNATURE_HEADER + "`");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
