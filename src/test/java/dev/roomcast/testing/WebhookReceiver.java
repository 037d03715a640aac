package dev.roomcast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.HookBackend.Answer;
import dev.roomcast.testing.HookBackend.Request;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The app's backend receiving webhooks, on a real HTTP server ({@link HookBackend}): it checks every request's
 * signature and timestamp on its own (HMAC-SHA256 of {@code timestamp.body}, as docs/integration.md says), and keeps
 * the events of the requests it answered 2xx — what a backend has really accepted. It can be down (503) or hold
 * requests unanswered, to test retries and a sender's crash.
 */
public final class WebhookReceiver implements AutoCloseable {

    public static final String PATH = "/webhooks";
    private static final long MAX_SKEW_SECONDS = 300;

    private enum Mode { UP, DOWN, HOLD }

    private final HookBackend backend = new HookBackend();
    private final byte[] secret;
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final List<Request> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger badSignatures = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Mode mode = Mode.UP;
    private volatile CountDownLatch release = new CountDownLatch(0);

    public WebhookReceiver(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        backend.answerRequests(PATH, this::answer);
    }

    public String url() {
        return backend.url(PATH);
    }

    private Answer answer(Request request) {
        if (!signedCorrectly(request)) {
            badSignatures.incrementAndGet();
            return new Answer(401, "", 0);
        }
        Mode now = mode;
        if (now == Mode.HOLD) {
            held.add(request);
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            refused.incrementAndGet();
            return new Answer(503, "", 0); // a held request is never accepted: its events must come again
        }
        if (now == Mode.DOWN) {
            refused.incrementAndGet();
            return new Answer(503, "", 0);
        }
        request.json().path("events").forEach(accepted::add);
        return new Answer(200, "", 0);
    }

    private boolean signedCorrectly(Request request) {
        String timestamp = request.header("X-Roomcast-Timestamp");
        String signature = request.header("X-Roomcast-Signature");
        if (timestamp == null || signature == null) {
            return false;
        }
        long skew = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = ("v1=" + HexFormat.of().formatHex(mac.doFinal(request.body()))).getBytes(StandardCharsets.UTF_8);
            return skew <= MAX_SKEW_SECONDS && MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            return false;
        }
    }

    /** Accepts (200) from now on, and lets held requests go (they are answered 503). */
    public void up() {
        mode = Mode.UP;
        release.countDown();
    }

    /** Answers 503 from now on. */
    public void down() {
        mode = Mode.DOWN;
    }

    /** Holds requests unanswered from now on, until {@link #up()} (then they get 503). */
    public void hold() {
        release = new CountDownLatch(1);
        held.clear();
        mode = Mode.HOLD;
    }

    /** Requests held right now or since {@link #hold()}. */
    public List<Request> held() {
        return held;
    }

    /** Events of requests answered 2xx, in arrival order. */
    public List<JsonNode> accepted() {
        return accepted;
    }

    /** Accepted events matching {@code match}. */
    public List<JsonNode> accepted(Predicate<JsonNode> match) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : accepted) {
            if (match.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Accepted events of a type about a room or user (the event's {@code room}, or its {@code user} when no room). */
    public List<JsonNode> accepted(String type, String roomOrUser) {
        return accepted(e -> e.path("type").asText().equals(type)
                && (e.path("room").asText().equals(roomOrUser) || (!e.has("room") && e.path("user").asText().equals(roomOrUser))));
    }

    /** Requests whose signature or timestamp did not verify (answered 401). */
    public int badSignatures() {
        return badSignatures.get();
    }

    /** Requests answered 503 (down, or held). */
    public int refused() {
        return refused.get();
    }

    /** Every request body received, raw, and its headers. */
    public List<JsonNode> requests() {
        return backend.received(PATH);
    }

    @Override
    public void close() {
        up();
        backend.close();
    }
}
