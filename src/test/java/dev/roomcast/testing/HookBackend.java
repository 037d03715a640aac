package dev.roomcast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP backend for hook tests (JDK HttpServer): each path answers as the test told it to, and every
 * request body it received is kept.
 */
public final class HookBackend implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: HTTP status, body, and how long to wait before answering. */
    public record Answer(int status, String body, long delayMillis) {
        public static Answer json(String body) {
            return new Answer(200, body, 0);
        }
    }

    /** A request as received: its JSON (JSON null when it is not JSON), the exact body bytes and the headers. */
    public record Request(JsonNode json, byte[] body, Map<String, List<String>> headers) {
        /** The first value of a header (any case), or null. */
        public String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final Map<String, Function<Request, Answer>> behaviour = new ConcurrentHashMap<>();
    private final Map<String, List<JsonNode>> received = new ConcurrentHashMap<>();
    private final Map<String, List<Map<String, List<String>>>> headers = new ConcurrentHashMap<>();

    public HookBackend() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hook-backend");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] in = exchange.getRequestBody().readAllBytes();
            JsonNode request;
            try {
                request = JSON.readTree(in);
            } catch (IOException e) {
                request = JSON.nullNode();
            }
            Map<String, List<String>> requestHeaders = Map.copyOf(exchange.getRequestHeaders());
            received.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(request);
            headers.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(requestHeaders);
            Answer answer = behaviour.getOrDefault(path, r -> Answer.json("{\"allow\":true}"))
                    .apply(new Request(request, in, requestHeaders));
            try {
                if (answer.delayMillis() > 0) {
                    Thread.sleep(answer.delayMillis());
                }
                byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
                exchange.getResponseBody().write(out);
            } catch (InterruptedException | IOException e) {
                // the client gave up (timeout): nothing to answer
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** How {@code path} answers from now on. */
    public void answer(String path, Function<JsonNode, Answer> answer) {
        behaviour.put(path, r -> answer.apply(r.json()));
    }

    /** How {@code path} answers from now on, given the whole request (raw body and headers too). */
    public void answerRequests(String path, Function<Request, Answer> answer) {
        behaviour.put(path, answer);
    }

    public void answerAll(Answer answer) {
        for (String path : List.of("/connect", "/join", "/publish")) {
            answer(path, r -> answer);
        }
    }

    public void reset() {
        behaviour.clear();
    }

    public List<JsonNode> received(String path) {
        return received.getOrDefault(path, List.of());
    }

    public List<Map<String, List<String>>> headers(String path) {
        return headers.getOrDefault(path, List.of());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
