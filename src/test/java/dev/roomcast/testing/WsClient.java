package dev.roomcast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for tests: records every frame it receives, in order, and lets a
 * test wait for the frames it expects with a deadline.
 */
public final class WsClient implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> rawFrames = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger();
    private int cursor;
    private WebSocket socket;
    private JsonNode welcome;

    private WsClient() {
    }

    public static WsClient connect(String url) {
        return connect(url, Map.of(), List.of());
    }

    public static WsClient connect(String url, Map<String, String> headers, List<String> subprotocols) {
        WsClient client = open(url, headers, subprotocols);
        client.welcome = client.await(f -> "welcome".equals(f.path("type").asText()));
        return client;
    }

    /** Completes the upgrade without waiting for the welcome: for connections the server may close at once. */
    public static WsClient open(String url, Map<String, String> headers, List<String> subprotocols) {
        WsClient client = new WsClient();
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(builder::header);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        try {
            client.socket = builder.buildAsync(URI.create(url), client.listener()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new UpgradeRefused(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("cannot connect to " + url, e);
        }
        return client;
    }

    /** The HTTP status of a refused upgrade, or -1 if it failed otherwise. */
    public static int upgradeStatus(String url, Map<String, String> headers, List<String> subprotocols) {
        try (WsClient c = connect(url, headers, subprotocols)) {
            return 101;
        } catch (UpgradeRefused e) {
            return e.status();
        }
    }

    /** The subprotocol the server selected, empty when none. */
    public String subprotocol() {
        return socket.getSubprotocol();
    }

    public JsonNode welcome() {
        return welcome;
    }

    public String user() {
        return welcome.path("user").asText();
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).join();
    }

    /** Sends {@code frame} (a JSON object without "id") with a fresh id and waits for its ack or error. */
    public JsonNode request(String frame) {
        String id = "r" + ids.incrementAndGet();
        String withId = "{\"id\":\"" + id + "\"," + frame.substring(1);
        send(withId);
        return await(f -> id.equals(f.path("id").asText()));
    }

    public JsonNode join(String room) {
        JsonNode reply = request("{\"type\":\"join\",\"room\":\"" + room + "\"}");
        if (!"ack".equals(reply.path("type").asText())) {
            throw new AssertionError("join " + room + " refused: " + reply);
        }
        return reply;
    }

    /** Waits for the next frame (after those already consumed) that matches, consuming it. */
    public JsonNode await(Predicate<JsonNode> match) {
        return await(match, TIMEOUT);
    }

    public synchronized JsonNode await(Predicate<JsonNode> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = cursor; i < frames.size(); i++) {
                JsonNode f = frames.get(i);
                if (match.test(f)) {
                    frames.remove(i);
                    return f;
                }
            }
            if (closed.isDone()) {
                throw new AssertionError("connection closed (" + closed.getNow(-1) + ") without a matching frame; received: "
                        + frames);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout + "; received: " + frames);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    public JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asText()));
    }

    /** Frames received and not consumed yet, oldest first. */
    public synchronized List<JsonNode> pending() {
        return new ArrayList<>(frames.subList(cursor, frames.size()));
    }

    public synchronized List<JsonNode> pending(String type) {
        return pending().stream().filter(f -> type.equals(f.path("type").asText())).toList();
    }

    /** Every frame received so far, as the exact text the server sent. */
    public synchronized List<String> rawFrames() {
        return List.copyOf(rawFrames);
    }

    /** Waits until the server closes the connection and returns the close code. */
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("connection not closed within " + timeout);
        }
    }

    /** The reason of the server's close frame; null while open or when the connection ended without one. */
    public String closeReason() {
        return closeReason;
    }

    private volatile String closeReason;

    public boolean isClosed() {
        return closed.isDone();
    }

    /** {@link System#nanoTime()} when the connection closed; 0 while it is open. */
    public long closedAtNanos() {
        return closedAt;
    }

    private volatile long closedAt;

    /** Stops reading: the server's frames pile up in the TCP buffers (slow consumer). */
    public void stopReading() {
        reading = false;
    }

    private volatile boolean reading = true;

    @Override
    public void close() {
        if (socket != null && !closed.isDone()) {
            try {
                socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
                closed.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                socket.abort();
            }
        }
    }

    private synchronized void received(String text) {
        try {
            frames.add(JSON.readTree(text));
            rawFrames.add(text);
        } catch (Exception e) {
            throw new AssertionError("server sent invalid JSON: " + text);
        }
        notifyAll();
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    received(partial.toString());
                    partial.setLength(0);
                }
                if (reading) {
                    ws.request(1);
                }
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closeReason = reason;
                closedAt = System.nanoTime();
                closed.complete(statusCode);
                synchronized (WsClient.this) {
                    WsClient.this.notifyAll();
                }
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closedAt = System.nanoTime();
                closed.complete(1006);
                synchronized (WsClient.this) {
                    WsClient.this.notifyAll();
                }
            }
        };
    }

    /** The server refused the upgrade. */
    public static final class UpgradeRefused extends RuntimeException {
        private final int status;
        private final String retryAfter;
        private final String reason;

        UpgradeRefused(Throwable cause) {
            super(cause);
            Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            this.status = c instanceof WebSocketHandshakeException h ? h.getResponse().statusCode() : -1;
            this.retryAfter = c instanceof WebSocketHandshakeException h
                    ? h.getResponse().headers().firstValue("Retry-After").orElse(null) : null;
            this.reason = c instanceof WebSocketHandshakeException h
                    ? h.getResponse().headers().firstValue("X-Roomcast-Reason").orElse(null) : null;
        }

        /** The refusal's X-Roomcast-Reason header (a connect hook's refusal), null without one. */
        public String reason() {
            return reason;
        }

        public int status() {
            return status;
        }

        /** The refusal's Retry-After header, null without one. */
        public String retryAfter() {
            return retryAfter;
        }
    }
}
