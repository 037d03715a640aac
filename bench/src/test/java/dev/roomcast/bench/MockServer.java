package dev.roomcast.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal in-memory implementation of roomcast protocol v1 (welcome, join/ack, publish → message to every member),
 * only to exercise the bench end to end in its own tests. Not the product.
 */
final class MockServer implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final Map<String, Set<ServerWebSocket>> rooms = new ConcurrentHashMap<>();
    final HttpServer server;
    /** Drop every n-th delivery (0 = never), to check that loss is detected. */
    volatile int dropEvery;
    /** Deliver every n-th delivery twice (0 = never), to check that duplicates are detected. */
    volatile int duplicateEvery;
    /** Hold back every n-th publish of a room and deliver it after the next one (0 = never), to check order. */
    volatile int reorderEvery;
    private final Map<String, String> heldBack = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> publishes = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong deliveries = new java.util.concurrent.atomic.AtomicLong();

    MockServer() throws Exception {
        server = vertx.createHttpServer().webSocketHandler(this::accept);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }

    int port() {
        return server.actualPort();
    }

    /** Close this many of the next connections with 1013 right after the upgrade, as a node whose broker failed does. */
    final java.util.concurrent.atomic.AtomicInteger refuseNext = new java.util.concurrent.atomic.AtomicInteger();
    /** Answer this many of the next upgrades with 503, as a node shedding a connect storm does. */
    final java.util.concurrent.atomic.AtomicInteger rejectNext = new java.util.concurrent.atomic.AtomicInteger();

    private void accept(ServerWebSocket ws) {
        if (rejectNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ws.reject(503);
            return;
        }
        if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ws.close((short) 1013, "broker unavailable, try again later");
            return;
        }
        String user = ws.query() != null && ws.query().startsWith("user=") ? ws.query().substring(5).split("&")[0] : "anon";
        ws.writeTextMessage(new JsonObject().put("type", "welcome").put("user", user).put("connection", "c" + System.identityHashCode(ws)).encode());
        ws.textMessageHandler(text -> {
            JsonObject f = new JsonObject(text);
            String room = f.getString("room");
            switch (f.getString("type")) {
                case "join" -> {
                    rooms.computeIfAbsent(room, k -> ConcurrentHashMap.newKeySet()).add(ws);
                    ws.writeTextMessage(new JsonObject().put("type", "ack").put("id", f.getString("id")).put("room", room).encode());
                }
                case "publish" -> {
                    String out = new JsonObject().put("type", "message").put("room", room).put("from", user)
                            .put("data", f.getValue("data")).put("offset", "1-0").encode();
                    long n = publishes.computeIfAbsent(room, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                    if (reorderEvery > 0 && n % reorderEvery == 0) {
                        heldBack.put(room, out);
                        return;
                    }
                    deliver(room, out);
                    String late = heldBack.remove(room);
                    if (late != null) {
                        deliver(room, late);
                    }
                }
                default -> ws.writeTextMessage(new JsonObject().put("type", "error").put("id", f.getString("id"))
                        .put("code", "bad_type").encode());
            }
        });
        ws.closeHandler(v -> rooms.values().forEach(s -> s.remove(ws)));
    }

    private void deliver(String room, String out) {
        for (ServerWebSocket m : rooms.getOrDefault(room, Set.of())) {
            long n = deliveries.incrementAndGet();
            if (dropEvery > 0 && n % dropEvery == 0) {
                continue;
            }
            m.writeTextMessage(out);
            if (duplicateEvery > 0 && n % duplicateEvery == 0) {
                m.writeTextMessage(out);
            }
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }
}
