package dev.roomcast.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.RespClient;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connect-and-join storm while Redis is stalled (a busy Lua script, so the node's commands pile up):
 * with a small {@code roomcast.limits.max-broker-backlog}, every client is either joined or told to retry
 * (upgrade 503 with Retry-After, or a join answered {@code unavailable}), the refusals are counted, and
 * the node stays ready and takes every client once Redis answers again.
 */
class AdmissionIT {

    static final int MAX_BACKLOG = 20;
    static final int MEMBERS = 30;   // connected before the stall, then all join at once
    static final int STORM = 150;    // connect and join during the stall
    static final long STALL_MICROS = 3_000_000;
    static final String STALL_SCRIPT = """
            local t = redis.call('TIME')
            local start = tonumber(t[1]) * 1000000 + tonumber(t[2])
            repeat
              t = redis.call('TIME')
            until tonumber(t[1]) * 1000000 + tonumber(t[2]) - start >= tonumber(ARGV[1])
            return 1
            """;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    enum Outcome { JOINED, UPGRADE_REFUSED, JOIN_REFUSED }

    record Attempt(Outcome outcome, WsClient client, String detail) {
    }

    @Test
    void aJoinStormAgainstAStalledRedisIsShedCleanly() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<WsClient> open = new ArrayList<>();
        try (RedisServer redis = RedisServer.start();
             AppInstance node = AppInstance.builder().name("admission")
                     .config("quarkus.redis.hosts", redis.uri())
                     .config("roomcast.limits.max-broker-backlog", Integer.toString(MAX_BACKLOG))
                     .start();
             RespClient staller = new RespClient(redis.port(), Duration.ofSeconds(10))) {
            List<WsClient> members = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                members.add(WsClient.connect(node.wsUrl("user=member-" + i)));
            }
            open.addAll(members);

            staller.send("EVAL", STALL_SCRIPT, "0", Long.toString(STALL_MICROS));
            List<CompletableFuture<Attempt>> memberJoins = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                WsClient m = members.get(i);
                String room = "m-" + i;
                memberJoins.add(CompletableFuture.supplyAsync(() -> join(m, room), pool));
            }
            List<CompletableFuture<Attempt>> storm = new ArrayList<>();
            for (int i = 0; i < STORM; i++) {
                String user = "storm-" + i;
                storm.add(CompletableFuture.supplyAsync(() -> connectAndJoin(node, user, "s-" + user), pool));
            }
            assertThat(staller.read(Duration.ofSeconds(10))).isEqualTo(1L);

            List<Attempt> all = new ArrayList<>();
            for (var f : memberJoins) {
                Attempt a = f.join();
                assertThat(a.outcome()).as(a.detail()).isIn(Outcome.JOINED, Outcome.JOIN_REFUSED);
                all.add(a);
            }
            for (var f : storm) {
                all.add(f.join());
            }
            all.stream().map(Attempt::client).filter(c -> c != null && !members.contains(c)).forEach(open::add);
            long upgradesRefused = all.stream().filter(a -> a.outcome() == Outcome.UPGRADE_REFUSED).count();
            long joinsRefused = all.stream().filter(a -> a.outcome() == Outcome.JOIN_REFUSED).count();
            // Each admitted join adds at least one command Redis cannot answer during the stall, so at
            // least MEMBERS - MAX_BACKLOG member joins are refused; upgrades are shed from half of it.
            assertThat(joinsRefused).isGreaterThanOrEqualTo(MEMBERS - MAX_BACKLOG);
            assertThat(upgradesRefused).isPositive();

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                MetricsScrape m = MetricsScrape.of(get(node.httpUrl() + "/q/metrics"));
                assertThat(m.value("roomcast_broker_backlog")).isZero();
                assertThat(m.value("roomcast_upgrades_refused_total", Map.of("reason", "overloaded")))
                        .isEqualTo((double) upgradesRefused);
                assertThat(m.value("roomcast_joins_refused_total", Map.of("reason", "overloaded")))
                        .isEqualTo((double) joinsRefused);
                assertThat(m.value("roomcast_errors_total", Map.of("code", "unavailable")))
                        .isEqualTo((double) joinsRefused);
            });
            assertThat(status(node.httpUrl() + "/q/health/ready")).isEqualTo(200);

            // Told to retry, every client gets in now: nothing was left half-joined.
            for (Attempt a : all) {
                if (a.outcome() == Outcome.JOIN_REFUSED) {
                    a.client().join(a.detail());
                } else if (a.outcome() == Outcome.UPGRADE_REFUSED) {
                    WsClient c = WsClient.connect(node.wsUrl("user=" + a.detail()));
                    open.add(c);
                    c.join("s-" + a.detail());
                }
            }
            MetricsScrape after = MetricsScrape.of(get(node.httpUrl() + "/q/metrics"));
            assertThat(after.value("roomcast_connections")).isEqualTo((double) (MEMBERS + STORM));
            assertThat(after.value("roomcast_rooms")).isEqualTo((double) (MEMBERS + STORM));
        } finally {
            open.forEach(WsClient::close);
            pool.shutdownNow();
        }
    }

    /** The outcome of one join; a refused join's detail is its room, so that it can be retried. */
    static Attempt join(WsClient c, String room) {
        c.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"id\":\"j\"}");
        JsonNode reply = c.await(f -> "j".equals(f.path("id").asText()), Duration.ofSeconds(20));
        if ("ack".equals(reply.path("type").asText())) {
            return new Attempt(Outcome.JOINED, c, room);
        }
        assertThat(reply.path("code").asText()).as(reply.toString()).isEqualTo("unavailable");
        return new Attempt(Outcome.JOIN_REFUSED, c, room);
    }

    /** A refused upgrade's detail is the user, so that it can reconnect. */
    static Attempt connectAndJoin(AppInstance node, String user, String room) {
        WsClient c;
        try {
            c = WsClient.open(node.wsUrl("user=" + user), Map.of(), List.of());
        } catch (WsClient.UpgradeRefused e) {
            assertThat(e.status()).as(user).isEqualTo(503);
            assertThat(e.retryAfter()).as("Retry-After of " + user).isIn("1", "2", "3");
            return new Attempt(Outcome.UPGRADE_REFUSED, null, user);
        }
        return join(c, room);
    }

    static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
