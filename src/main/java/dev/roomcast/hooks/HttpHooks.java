package dev.roomcast.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.hooks.HookClient.Decided;
import dev.roomcast.hooks.HookClient.HookFailure;
import dev.roomcast.hooks.HookClient.Outcome;
import dev.roomcast.node.ConnectGuard;
import dev.roomcast.node.ConnectVerdict;
import dev.roomcast.node.HookVerdict;
import dev.roomcast.node.JoinGuard;
import dev.roomcast.node.PublishFilter;
import dev.roomcast.protocol.RoomPatterns;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The connect, join and publish hooks over HTTP (docs/integration.md): each present only when its URL is
 * configured, all on one non-blocking Vert.x HTTP client.
 */
public final class HttpHooks {

    private final HttpClient http;
    private final Optional<ConnectGuard> connect;
    private final Optional<JoinGuard> join;
    private final Optional<PublishFilter> publish;

    public HttpHooks(HooksConfig config, Vertx vertx, ObjectMapper json, MeterRegistry registry) {
        boolean any = config.connect().url().isPresent() || config.join().url().isPresent()
                || config.publish().url().isPresent();
        this.http = any ? vertx.createHttpClient(
                new HttpClientOptions().setConnectTimeout((int) Math.max(1, config.timeout().toMillis()))
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(Math.max(1, Math.min(config.maxConcurrency(), 64)))
                        .setMaxWaitQueueSize(Math.max(0, config.maxConcurrency())))
                : null;
        this.connect = config.connect().url().map(url -> new Connect(
                new HookClient("connect", url, http, vertx, json, config, registry), json,
                config.connect().headers().orElse(List.of()).stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList()));
        this.join = config.join().url().map(url -> new Join(
                new HookClient("join", url, http, vertx, json, config, registry), json, new RoomPatterns(config.join().rooms())));
        this.publish = config.publish().url().map(url -> new Publish(
                new HookClient("publish", url, http, vertx, json, config, registry), json,
                new RoomPatterns(config.publish().rooms())));
    }

    public Optional<ConnectGuard> connect() {
        return connect;
    }

    public Optional<JoinGuard> join() {
        return join;
    }

    public Optional<PublishFilter> publish() {
        return publish;
    }

    public void close() {
        if (http != null) {
            http.close();
        }
    }

    private record Connect(HookClient client, ObjectMapper json, List<String> headers) implements ConnectGuard {
        @Override
        public CompletionStage<ConnectVerdict> check(String user, String claims, Map<String, String> headers) {
            long start = System.nanoTime();
            ObjectNode body = json.createObjectNode().put("user", user);
            body.set("claims", parseClaims(claims));
            body.set("headers", json.valueToTree(headers));
            return client.call(body, start).thenApply(answer -> decide(answer, start));
        }

        private JsonNode parseClaims(String claims) {
            try {
                return claims == null ? json.nullNode() : json.readTree(claims);
            } catch (Exception e) {
                return json.nullNode();
            }
        }

        private ConnectVerdict decide(JsonNode answer, long start) {
            return client.decide(start, () -> {
                if (!Decisions.allow(answer)) {
                    return new Decided<>(ConnectVerdict.refuse(Decisions.reason(answer)), Outcome.refused);
                }
                List<String> rooms = new ArrayList<>();
                JsonNode listed = answer.get("rooms");
                if (listed != null && !listed.isNull()) {
                    if (!listed.isArray()) {
                        throw new HookFailure(Outcome.invalid, "rooms is not an array");
                    }
                    for (JsonNode room : listed) {
                        if (!room.isTextual()) {
                            throw new HookFailure(Outcome.invalid, "a room is not a string");
                        }
                        rooms.add(room.textValue());
                    }
                }
                String data = Decisions.data(json, answer);
                return new Decided<>(new ConnectVerdict(true, List.copyOf(rooms), data, null), Outcome.allowed);
            });
        }
    }

    private record Join(HookClient client, ObjectMapper json, RoomPatterns rooms) implements JoinGuard {
        @Override
        public boolean covers(String room) {
            return rooms.matches(room);
        }

        @Override
        public CompletionStage<HookVerdict> check(String user, String room) {
            long start = System.nanoTime();
            ObjectNode body = json.createObjectNode().put("user", user).put("room", room);
            return client.call(body, start).thenApply(answer -> client.decide(start, () -> Decisions.allow(answer)
                    ? new Decided<>(HookVerdict.allow(Decisions.data(json, answer)), Outcome.allowed)
                    : new Decided<>(HookVerdict.refuse(Decisions.reason(answer)), Outcome.refused)));
        }
    }

    private record Publish(HookClient client, ObjectMapper json, RoomPatterns rooms) implements PublishFilter {
        @Override
        public boolean covers(String room) {
            return rooms.matches(room);
        }

        @Override
        public CompletionStage<HookVerdict> check(String user, String room, String data) {
            long start = System.nanoTime();
            ObjectNode body = json.createObjectNode().put("user", user).put("room", room);
            try {
                body.set("data", json.readTree(data));
            } catch (Exception e) {
                body.putNull("data"); // the dispatcher only passes parsed JSON; never expected
            }
            return client.call(body, start).thenApply(answer -> client.decide(start, () -> {
                if (!Decisions.allow(answer)) {
                    return new Decided<>(HookVerdict.refuse(Decisions.reason(answer)), Outcome.refused);
                }
                String replacement = Decisions.data(json, answer);
                return new Decided<>(HookVerdict.allow(replacement), replacement == null ? Outcome.allowed : Outcome.replaced);
            }));
        }
    }
}
