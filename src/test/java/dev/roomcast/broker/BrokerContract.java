package dev.roomcast.broker;

import dev.roomcast.protocol.OutboundFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link Broker} guarantees, run against each implementation: {@code MemoryBrokerTest} (unit test)
 * and {@code RedisBrokerIT} (a real redis-server). A subclass supplies a started broker and what differs by
 * design: the offset format.
 */
abstract class BrokerContract {

    static final Duration TIMEOUT = Duration.ofSeconds(15);
    static final int HISTORY_SIZE = 5;

    protected final List<Delivery> rooms = new CopyOnWriteArrayList<>();
    protected final List<Delivery> users = new CopyOnWriteArrayList<>();
    protected Broker broker;

    record Delivery(String target, OutboundFrame frame) {
    }

    /** A broker with a history of {@link #HISTORY_SIZE} messages per room, started with {@code listener}. */
    protected abstract Broker start(BrokerListener listener) throws Exception;

    protected abstract void stop(Broker broker) throws Exception;

    /** A syntactically valid offset the room's history cannot have reached. */
    protected abstract String offsetAheadOfHistory();

    @BeforeEach
    void startBroker() throws Exception {
        broker = start(new BrokerListener() {
            @Override
            public void onRoomFrame(String room, OutboundFrame frame) {
                rooms.add(new Delivery(room, frame));
            }

            @Override
            public void onUserFrame(String user, OutboundFrame frame) {
                users.add(new Delivery(user, frame));
            }
        });
        await().atMost(TIMEOUT).until(broker::isReady);
    }

    @AfterEach
    void stopBroker() throws Exception {
        stop(broker);
    }

    static String room() {
        return "c-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    static String body(String from, String data) {
        return MessageFrames.body(1_700_000_000_000L, from, data);
    }

    private List<OutboundFrame> deliveredTo(String room) {
        return rooms.stream().filter(d -> d.target().equals(room)).map(Delivery::frame).toList();
    }

    @Test
    void publishedMessagesReachTheSubscribedNodeInOffsetOrderWithTheirEnvelope() throws Exception {
        String room = room();
        get(broker.subscribeRoom(room));
        Broker.Published first = get(broker.publishRoom(room, 1, body("alice", "{\"n\":1}")));
        Broker.Published second = get(broker.publishRoom(room, 2, body("bob", "[2]")));

        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(dev.roomcast.protocol.Offsets.compare(second.offset(), first.offset())).isPositive();
        await().atMost(TIMEOUT).until(() -> deliveredTo(room).size() == 2);
        List<OutboundFrame> frames = deliveredTo(room);
        assertThat(frames).extracting(OutboundFrame::offset).containsExactly(first.offset(), second.offset());
        assertThat(frames).extracting(OutboundFrame::kind).containsOnly(OutboundFrame.Kind.MESSAGE);
        assertThat(frames.get(0).text()).isEqualTo(MessageFrames.roomMessage(room, first.offset(), first.epoch(),
                body("alice", "{\"n\":1}")));
        assertThat(frames.get(1).room()).isEqualTo(room);
        assertThat(frames.get(1).publishedAtMillis()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void roomsHaveTheirOwnOffsetsAndEpochs() throws Exception {
        String a = room(), b = room();
        get(broker.subscribeRoom(a));
        get(broker.subscribeRoom(b));
        get(broker.publishRoom(a, 1, body("alice", "1")));
        get(broker.publishRoom(a, 1, body("alice", "2")));
        Broker.Published inB = get(broker.publishRoom(b, 1, body("alice", "3")));

        await().atMost(TIMEOUT).until(() -> deliveredTo(b).size() == 1 && deliveredTo(a).size() == 2);
        assertThat(deliveredTo(b).get(0).offset()).isEqualTo(inB.offset());
        HistoryPage pageA = get(broker.history(a, null, null, 10));
        HistoryPage pageB = get(broker.history(b, null, null, 10));
        assertThat(pageB.latest()).isEqualTo(inB.offset());
        assertThat(pageA.epoch()).isNotEqualTo(pageB.epoch());
    }

    @Test
    void thePositionOfARoomIsItsLatestOffsetAndEpoch() throws Exception {
        String room = room();
        HistoryPage empty = get(broker.history(room, null, null, 10));
        assertThat(empty.frames()).isEmpty();
        assertThat(empty.complete()).isTrue();
        assertThat(dev.roomcast.protocol.Offsets.isValid(empty.latest())).isTrue();

        Broker.Published p = get(broker.publishRoom(room, 1, body("alice", "1")));
        HistoryPage page = get(broker.history(room, null, null, 10));
        assertThat(page.latest()).isEqualTo(p.offset());
        assertThat(page.epoch()).isEqualTo(p.epoch());
        assertThat(page.frames()).isEmpty();
    }

    @Test
    void recoveryReplaysWhatCameAfterTheGivenOffsetOldestFirst() throws Exception {
        String room = room();
        Broker.Published first = get(broker.publishRoom(room, 1, body("alice", "1")));
        Broker.Published second = get(broker.publishRoom(room, 1, body("alice", "2")));
        Broker.Published third = get(broker.publishRoom(room, 1, body(null, "3")));

        HistoryPage page = get(broker.history(room, first.offset(), first.epoch(), 10));
        assertThat(page.complete()).isTrue();
        assertThat(page.epoch()).isEqualTo(first.epoch());
        assertThat(page.latest()).isEqualTo(third.offset());
        assertThat(page.frames()).extracting(OutboundFrame::offset).containsExactly(second.offset(), third.offset());
        assertThat(page.frames().get(1).text())
                .isEqualTo(MessageFrames.roomMessage(room, third.offset(), third.epoch(), body(null, "3")));

        HistoryPage upToDate = get(broker.history(room, third.offset(), third.epoch(), 10));
        assertThat(upToDate.frames()).isEmpty();
        assertThat(upToDate.complete()).isTrue();
    }

    @Test
    void recoveryFromTheStartOfAnEmptyRoomIsComplete() throws Exception {
        String room = room();
        HistoryPage position = get(broker.history(room, null, null, 10));
        HistoryPage page = get(broker.history(room, position.latest(), position.epoch(), 10));
        assertThat(page.complete()).isTrue();
        assertThat(page.frames()).isEmpty();
    }

    @Test
    void aRecoveryThatNeedsMoreThanTheLimitOrTheHistoryIsIncomplete() throws Exception {
        String room = room();
        Broker.Published first = get(broker.publishRoom(room, 1, body("alice", "0")));
        for (int i = 1; i <= HISTORY_SIZE + 2; i++) {
            get(broker.publishRoom(room, 1, body("alice", Integer.toString(i))));
        }
        HistoryPage trimmed = get(broker.history(room, first.offset(), first.epoch(), 100));
        assertThat(trimmed.complete()).as("history holds %d messages", HISTORY_SIZE).isFalse();
        assertThat(trimmed.frames()).hasSizeLessThanOrEqualTo(HISTORY_SIZE);

        HistoryPage position = get(broker.history(room, null, null, 10));
        List<OutboundFrame> all = get(broker.history(room, trimmed.frames().get(0).offset(), position.epoch(), 100)).frames();
        HistoryPage limited = get(broker.history(room, trimmed.frames().get(0).offset(), position.epoch(), 2));
        assertThat(limited.complete()).isFalse();
        assertThat(limited.frames()).hasSize(2);
        assertThat(limited.frames()).extracting(OutboundFrame::offset)
                .containsExactly(all.get(0).offset(), all.get(1).offset());
    }

    @Test
    void offsetsOfAnotherEpochAreNotReplayed() throws Exception {
        String room = room();
        Broker.Published first = get(broker.publishRoom(room, 1, body("alice", "1")));
        get(broker.publishRoom(room, 1, body("alice", "2")));
        HistoryPage page = get(broker.history(room, first.offset(), "not-" + first.epoch(), 10));
        assertThat(page.epoch()).isEqualTo(first.epoch());
        assertThat(page.frames()).isEmpty();
    }

    @Test
    void aSinceAheadOfTheHistoryIsRefusedAsAnInvalidPosition() throws Exception {
        String room = room();
        Broker.Published p = get(broker.publishRoom(room, 1, body("alice", "1")));
        assertThatThrownBy(() -> get(broker.history(room, offsetAheadOfHistory(), p.epoch(), 10)))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(InvalidPositionException.class)
                .hasMessageContaining("ahead");
    }

    @Test
    void directFramesReachTheUsersNodeUnchanged() throws Exception {
        get(broker.subscribeUser("dana"));
        String frame = MessageFrames.direct(body("erin", "{\"dm\":true}"));
        get(broker.publishUser("dana", 1_700_000_000_000L, frame));
        await().atMost(TIMEOUT).until(() -> !users.isEmpty());
        Delivery d = users.get(0);
        assertThat(d.target()).isEqualTo("dana");
        assertThat(d.frame().text()).isEqualTo(frame);
        assertThat(d.frame().kind()).isEqualTo(OutboundFrame.Kind.DIRECT);
        assertThat(d.frame().publishedAtMillis()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void roomEventsReachTheRoomWithoutEnteringItsHistory() throws Exception {
        String room = room();
        get(broker.subscribeRoom(room));
        HistoryPage before = get(broker.history(room, null, null, 10));
        String event = "{\"type\":\"joined\",\"room\":\"" + room + "\",\"user\":\"alice\"}";
        get(broker.publishRoomEvent(room, event));
        await().atMost(TIMEOUT).until(() -> deliveredTo(room).size() == 1);
        OutboundFrame f = deliveredTo(room).get(0);
        assertThat(f.text()).isEqualTo(event);
        assertThat(f.kind()).isEqualTo(OutboundFrame.Kind.PRESENCE_EVENT);
        assertThat(f.offset()).isNull();
        assertThat(get(broker.history(room, null, null, 10)).latest()).isEqualTo(before.latest());
    }
}
