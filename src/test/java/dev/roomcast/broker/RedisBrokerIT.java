package dev.roomcast.broker;

import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import dev.roomcast.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The broker contract on Redis: a real redis-server, the Vert.x client, the broker's own Lua scripts. */
class RedisBrokerIT extends BrokerContract {

    static RedisServer server;
    static Vertx vertx;
    private Redis client;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Broker start(BrokerListener listener) {
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri())
                .setMaxPoolSize(4).setMaxPoolWaiting(1024));
        RedisBroker b = new RedisBroker(new RedisBackend(client, vertx, "rc", HISTORY_SIZE, Duration.ofMinutes(15)),
                BrokerObserver.NONE);
        b.start(listener);
        return b;
    }

    @Override
    protected void stop(Broker broker) {
        ((RedisBroker) broker).stop();
        client.close();
    }

    @Override
    protected String offsetAheadOfHistory() {
        return (System.currentTimeMillis() + Duration.ofDays(1).toMillis()) + "-0";
    }

    private final RedisKeys keys = new RedisKeys("rc");

    private <T> T redis(Request request) throws Exception {
        @SuppressWarnings("unchecked")
        T r = (T) client.send(request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return r;
    }

    /** A rolling upgrade: stream entries and pub/sub frames in the format of earlier versions are still read. */
    @Test
    void historyAndFramesOfAnEarlierVersionAreStillRead() throws Exception {
        String room = room();
        get(broker.subscribeRoom(room));
        Broker.Published first = get(publish(room, "alice", "1"));
        String oldEntry = redis(Request.cmd(Command.XADD).arg(keys.stream(room)).arg("*")
                .arg("b").arg("\"ts\":" + TS + ",\"from\":\"bob\",\"data\":{\"old\":true}}")).toString();
        Broker.Published last = get(publish(room, null, "3"));

        HistoryPage page = get(broker.history(room, first.offset(), 10));
        assertThat(page.publications()).containsExactly(
                new Publication(room, StreamOffset.parse(oldEntry), first.epoch(), TS, "bob", "{\"old\":true}"),
                new Publication(room, last.offset(), first.epoch(), TS, null, "3"));

        String oldFrame = frame(room, StreamOffset.parse("9999999999999-0"), first.epoch(), "carol", "[1]");
        redis(Request.cmd(Command.PUBLISH).arg(keys.roomChannel(room)).arg(oldFrame));
        await().atMost(TIMEOUT).until(() -> rooms.size() == 3);
        assertThat(rooms.get(2)).isEqualTo(new Publication(room, StreamOffset.parse("9999999999999-0"), first.epoch(),
                TS, "carol", "[1]"));
    }

    /** A rolling upgrade: presence events that nodes of earlier versions published as client frames still arrive. */
    @Test
    void presenceFramesOfAnEarlierVersionAreStillRead() throws Exception {
        String room = room();
        get(broker.subscribeRoom(room));
        String oldFrame = "{\"type\":\"left\",\"room\":\"" + room + "\",\"user\":\"bob\"}";
        redis(Request.cmd(Command.PUBLISH).arg(keys.roomChannel(room)).arg(oldFrame));
        await().atMost(TIMEOUT).until(() -> events.size() == 1);
        assertThat(events.get(0).target()).isEqualTo(room);
        assertThat(events.get(0).frame().text()).isEqualTo(oldFrame);
        assertThat(rooms).isEmpty();
    }
}
