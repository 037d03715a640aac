package dev.roomcast.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of Engine.IO v4 / Socket.IO v5 over a WebSocket that the bench speaks, in memory, only to test the bench's
 * socket.io mode: open packet, namespace connect, events with acks, a server ping right after the connect (the
 * client must answer "3"). Not socket.io; bench/peers has the real one.
 */
final class MockSocketIoServer implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final Map<String, Set<ServerWebSocket>> rooms = new ConcurrentHashMap<>();
    final HttpServer server;
    final AtomicInteger pongs = new AtomicInteger();
    final AtomicInteger badQueries = new AtomicInteger();

    MockSocketIoServer() throws Exception {
        server = vertx.createHttpServer().webSocketHandler(this::accept);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }

    int port() {
        return server.actualPort();
    }

    private void accept(ServerWebSocket ws) {
        String q = ws.query() == null ? "" : ws.query();
        if (!ws.path().startsWith("/socket.io/") || !q.contains("EIO=4") || !q.contains("transport=websocket")) {
            badQueries.incrementAndGet();
            ws.reject(400);
            return;
        }
        String user = q.replaceAll(".*\\buser=([^&]*).*", "$1");
        ws.writeTextMessage("0{\"sid\":\"s" + System.identityHashCode(ws) + "\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}");
        ws.textMessageHandler(text -> {
            if (text.equals("3")) {
                pongs.incrementAndGet();
            } else if (text.equals("40")) {
                ws.writeTextMessage("40{\"sid\":\"n" + System.identityHashCode(ws) + "\"}");
                ws.writeTextMessage("2"); // a ping, as the server sends every pingInterval
            } else if (text.startsWith("42")) {
                int open = text.indexOf('[');
                String ackId = text.substring(2, open);
                JsonArray ev = new JsonArray(text.substring(open));
                JsonObject body = ev.getJsonObject(1);
                String room = body.getString("room");
                switch (ev.getString(0)) {
                    case "join" -> {
                        rooms.computeIfAbsent(room, k -> ConcurrentHashMap.newKeySet()).add(ws);
                        ws.writeTextMessage("43" + ackId + new JsonArray().add(new JsonObject().put("room", room)).encode());
                    }
                    case "publish" -> {
                        String out = "42" + new JsonArray().add("message").add(new JsonObject().put("room", room)
                                .put("from", user).put("data", body.getValue("data"))).encode();
                        for (ServerWebSocket m : rooms.getOrDefault(room, Set.of())) {
                            m.writeTextMessage(out);
                        }
                    }
                    default -> ws.writeTextMessage("43" + ackId + "[{\"error\":\"bad_request\"}]");
                }
            }
        });
        ws.closeHandler(v -> rooms.values().forEach(s -> s.remove(ws)));
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }
}
