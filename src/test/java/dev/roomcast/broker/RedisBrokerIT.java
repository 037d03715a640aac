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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

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

    /**
     * A pub/sub outage over rooms that each missed more than a page: every missed message is delivered once and in
     * order, then what was published meanwhile and live ones; the gaps are read page by page (small pages here) and
     * at most {@link RedisBroker#RECOVERY_CONCURRENCY} rooms at a time. Before, each room read its whole gap in one
     * reply, every room at once.
     */
    @Test
    void aGapLongerThanAPageIsRecoveredPageByPageAFewRoomsAtATime() throws Exception {
        int roomCount = 12;
        int missed = 10;
        String data = "\"" + "x".repeat(998) + "\""; // 1000 bytes: four a page of 4 KiB, three pages a room
        AtomicInteger pages = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        AtomicInteger maxWaiting = new AtomicInteger();
        BrokerObserver observer = new BrokerObserver() {
            @Override
            public void recoveryPage() {
                pages.incrementAndGet();
            }

            @Override
            public void recoveringRooms(int active, int waiting) {
                maxActive.accumulateAndGet(active, Math::max);
                maxWaiting.accumulateAndGet(waiting, Math::max);
            }
        };
        List<Publication> delivered = new CopyOnWriteArrayList<>();
        RedisBroker node = startNode(observer, 4096, 100, delivered);
        try {
            Map<String, List<StreamOffset>> expected = cutOffMissing(node, roomCount, missed, m -> data, delivered);
            List<String> names = List.copyOf(expected.keySet());
            // Published while the node is away, reconnecting or recovering: stored, and delivered live or recovered.
            for (String room : names) {
                for (int m = 0; m < 3; m++) {
                    expected.get(room).add(get(node.publishRoom(room, TS, "carol", Integer.toString(m))).offset());
                }
            }
            await().atMost(TIMEOUT).until(() -> pages.get() > 0 && node.isReady());
            for (String room : names) {
                expected.get(room).add(get(node.publishRoom(room, TS, "dave", "\"live\"")).offset());
            }

            assertEveryRoomGotEveryMessageOnceInOrder(delivered, expected);
            assertThat(pages.get()).as("pages read").isGreaterThanOrEqualTo(roomCount * 3);
            assertThat(maxActive.get()).as("rooms recovered at once").isEqualTo(RedisBroker.RECOVERY_CONCURRENCY);
            assertThat(maxWaiting.get()).as("rooms waiting their turn").isPositive();
        } finally {
            node.stop();
        }
    }

    /**
     * Large live messages arriving while rooms wait for their recovery: a room holds at most a page's worth of them
     * (4 KiB here, where the history keeps them), drops them beyond that and reads them again from the stream —
     * every room still gets every message once, in order.
     */
    @Test
    void liveMessagesBeyondThePageHeldDuringARecoveryAreReadAgain() throws Exception {
        int roomCount = 12;
        String data = "\"" + "y".repeat(998) + "\"";
        AtomicInteger reconnects = new AtomicInteger();
        BrokerObserver observer = new BrokerObserver() {
            @Override
            public void reconnected() {
                reconnects.incrementAndGet();
            }
        };
        List<Publication> delivered = new CopyOnWriteArrayList<>();
        RedisBroker node = startNode(observer, 4096, 1000, delivered);
        try {
            // 100 pages a room: the recovery takes a while
            Map<String, List<StreamOffset>> expected = cutOffMissing(node, roomCount, 400, m -> data, delivered);
            List<String> names = List.copyOf(expected.keySet());
            await().atMost(TIMEOUT).until(() -> reconnects.get() == 1);
            // While the rooms are recovered (8 at a time, the rest waiting; all held): 8 KB more each.
            for (int m = 0; m < 8; m++) {
                for (String room : names) {
                    expected.get(room).add(get(node.publishRoom(room, TS, "carol", data)).offset());
                }
            }
            await().atMost(TIMEOUT).until(node::isReady);
            assertEveryRoomGotEveryMessageOnceInOrder(delivered, expected);
        } finally {
            node.stop();
        }
    }

    /**
     * A second outage while the first one's gaps are still being read (pages of one message): whatever order the
     * reads, the resubscription and the held messages come in, every room still gets every message once, in order.
     * A page read before the second resubscription must not open its room: messages published between that read
     * and the resubscription would be in neither the page nor the held ones, and live ones would pass them.
     */
    @Test
    void anOutageDuringTheRecoveryOfAnotherLeavesNoGap() throws Exception {
        int roomCount = 10;
        AtomicInteger pages = new AtomicInteger();
        AtomicInteger reconnects = new AtomicInteger();
        BrokerObserver observer = new BrokerObserver() {
            @Override
            public void recoveryPage() {
                pages.incrementAndGet();
            }

            @Override
            public void reconnected() {
                reconnects.incrementAndGet();
            }
        };
        List<Publication> delivered = new CopyOnWriteArrayList<>();
        RedisBroker node = startNode(observer, 1, 100_000, delivered);
        try {
            Map<String, List<StreamOffset>> expected = cutOffMissing(node, roomCount, 30, Integer::toString, delivered);
            List<String> names = List.copyOf(expected.keySet());
            // Publishing on throughout both outages and recoveries, room after room.
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    for (String room : names) {
                        try {
                            expected.get(room).add(get(node.publishRoom(room, TS, "carol", "1")).offset());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            });
            await().atMost(TIMEOUT).until(() -> pages.get() >= 5);
            killPubSub();
            await().atMost(TIMEOUT).until(() -> reconnects.get() == 2 && node.isReady());
            await().atMost(TIMEOUT).until(() -> expected.get(names.get(0)).size() > 100);
            stop.set(true);
            publisher.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertEveryRoomGotEveryMessageOnceInOrder(delivered, expected);
        } finally {
            node.stop();
        }
    }

    /**
     * Once the node is ready: {@code count} new rooms with one message each, then {@code perRoom} more stored in
     * each stream, never published, and the node's pub/sub connection killed — what each room should get, in order.
     */
    private Map<String, List<StreamOffset>> cutOffMissing(RedisBroker node, int count, int perRoom, IntFunction<String> data,
            List<Publication> delivered) throws Exception {
        await().atMost(TIMEOUT).until(node::isReady);
        Map<String, List<StreamOffset>> expected = subscribeWithOneMessageEach(node, count, delivered);
        storeMissed(expected, perRoom, data);
        killPubSub();
        return expected;
    }

    private void killPubSub() throws Exception {
        redis(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("pubsub"));
    }

    /** Subscribes {@code count} new rooms and publishes one message to each: their offsets, by room, in order. */
    private Map<String, List<StreamOffset>> subscribeWithOneMessageEach(RedisBroker node, int count,
            List<Publication> delivered) throws Exception {
        Map<String, List<StreamOffset>> expected = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String room = room();
            get(node.subscribeRoom(room));
            expected.put(room, Collections.synchronizedList(
                    new ArrayList<>(List.of(get(node.publishRoom(room, TS, "alice", "0")).offset()))));
        }
        await().atMost(TIMEOUT).until(() -> delivered.size() == count);
        return expected;
    }

    /** What the node misses: stored in each room's stream (as the publish script stores it), never published. */
    private void storeMissed(Map<String, List<StreamOffset>> expected, int perRoom, IntFunction<String> data)
            throws Exception {
        for (Map.Entry<String, List<StreamOffset>> room : expected.entrySet()) {
            for (int m = 0; m < perRoom; m++) {
                String id = redis(Request.cmd(Command.XADD).arg(keys.stream(room.getKey())).arg("*")
                        .arg("t").arg(Long.toString(TS)).arg("f").arg("bob").arg("d").arg(data.apply(m))).toString();
                room.getValue().add(StreamOffset.parse(id));
            }
        }
    }

    private static void assertEveryRoomGotEveryMessageOnceInOrder(List<Publication> delivered,
            Map<String, List<StreamOffset>> expected) {
        int total = expected.values().stream().mapToInt(List::size).sum();
        await().atMost(TIMEOUT).until(() -> delivered.size() >= total);
        expected.forEach((room, offsets) -> assertThat(
                delivered.stream().filter(p -> p.room().equals(room)).map(Publication::offset).toList())
                .as("delivered in %s", room).containsExactlyElementsOf(offsets));
        assertThat(delivered).hasSize(total);
    }

    /** A broker of its own (its history size and page bound) whose room publications go to {@code delivered}. */
    private RedisBroker startNode(BrokerObserver observer, long pageBytes, int historySize, List<Publication> delivered) {
        RedisBroker node = new RedisBroker(new RedisBackend(client, vertx, "rc", historySize, Duration.ofMinutes(15)),
                observer, pageBytes);
        node.start(new BrokerListener() {
            @Override
            public void onPublication(Publication publication) {
                delivered.add(publication);
            }

            @Override
            public void onPresenceEvent(dev.roomcast.protocol.PresenceEvent event) {
            }

            @Override
            public void onUserPublication(String user, Publication publication) {
            }

            @Override
            public void onUserControl(String user, UserControl control) {
            }
        });
        return node;
    }
}
