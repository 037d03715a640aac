package dev.roomcast.broker;

import dev.roomcast.protocol.MessageFrames;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link Broker} guarantees, run against each implementation: {@code MemoryBrokerTest} (unit test)
 * and {@code RedisBrokerIT} (a real redis-server). A subclass supplies a started broker and what differs by
 * design: the offset format.
 */
abstract class BrokerContract {

    static final Duration TIMEOUT = Duration.ofSeconds(15);
    static final int HISTORY_SIZE = 5;

    protected final List<Publication> rooms = new CopyOnWriteArrayList<>();
    protected final List<Delivery> events = new CopyOnWriteArrayList<>();
    protected final List<Delivery> users = new CopyOnWriteArrayList<>();
    protected final List<UserControl> controls = new CopyOnWriteArrayList<>();
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
            public void onPublication(Publication publication) {
                rooms.add(publication);
            }

            @Override
            public void onPresenceEvent(PresenceEvent event) {
                events.add(new Delivery(event.room(), MessageFrames.presence(event)));
            }

            @Override
            public void onUserPublication(String user, Publication publication) {
                users.add(new Delivery(user, MessageFrames.direct(publication)));
            }

            @Override
            public void onUserControl(String user, UserControl control) {
                controls.add(control);
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

    static final long TS = 1_700_000_000_000L;

    CompletionStage<Broker.Published> publish(String room, String from, String data) {
        return broker.publishRoom(room, TS, from, data);
    }

    /** The client frame of a message, as protocol builds it from what the broker delivered. */
    static String frame(String room, StreamOffset offset, String epoch, String from, String data) {
        StringBuilder sb = new StringBuilder("{\"type\":\"message\",\"room\":\"").append(room)
                .append("\",\"offset\":\"").append(offset).append("\",\"epoch\":\"").append(epoch)
                .append("\",\"ts\":").append(TS);
        if (from != null) {
            sb.append(",\"from\":\"").append(from).append('"');
        }
        return sb.append(",\"data\":").append(data).append('}').toString();
    }

    private List<Publication> deliveredTo(String room) {
        return rooms.stream().filter(p -> p.room().equals(room)).toList();
    }

    private List<OutboundFrame> eventsOf(String room) {
        return events.stream().filter(d -> d.target().equals(room)).map(Delivery::frame).toList();
    }

    @Test
    void publishedMessagesReachTheSubscribedNodeInOffsetOrderWithTheirEnvelope() throws Exception {
        String room = room();
        get(broker.subscribeRoom(room));
        Broker.Published first = get(publish(room, "alice", "{\"n\":1}"));
        Broker.Published second = get(publish(room, "bob", "[2]"));

        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.offset().isAfter(first.offset())).isTrue();
        await().atMost(TIMEOUT).until(() -> deliveredTo(room).size() == 2);
        List<Publication> delivered = deliveredTo(room);
        assertThat(delivered).extracting(Publication::offset).containsExactly(first.offset(), second.offset());
        assertThat(delivered.get(0)).isEqualTo(new Publication(room, first.offset(), first.epoch(), TS, "alice", "{\"n\":1}"));
        OutboundFrame frame = MessageFrames.message(delivered.get(0));
        assertThat(frame.kind()).isEqualTo(OutboundFrame.Kind.MESSAGE);
        assertThat(frame.text()).isEqualTo(frame(room, first.offset(), first.epoch(), "alice", "{\"n\":1}"));
        assertThat(MessageFrames.message(delivered.get(1)).room()).isEqualTo(room);
        assertThat(MessageFrames.message(delivered.get(1)).publishedAtMillis()).isEqualTo(TS);
    }

    @Test
    void roomsHaveTheirOwnOffsetsAndEpochs() throws Exception {
        String a = room(), b = room();
        get(broker.subscribeRoom(a));
        get(broker.subscribeRoom(b));
        get(publish(a, "alice", "1"));
        get(publish(a, "alice", "2"));
        Broker.Published inB = get(publish(b, "alice", "3"));

        await().atMost(TIMEOUT).until(() -> deliveredTo(b).size() == 1 && deliveredTo(a).size() == 2);
        assertThat(deliveredTo(b).get(0).offset()).isEqualTo(inB.offset());
        HistoryPage pageA = get(broker.history(a, null, 10));
        HistoryPage pageB = get(broker.history(b, null, 10));
        assertThat(pageB.latest()).isEqualTo(inB.offset());
        assertThat(pageA.epoch()).isNotEqualTo(pageB.epoch());
    }

    @Test
    void thePositionOfARoomIsItsLatestOffsetAndEpoch() throws Exception {
        String room = room();
        HistoryPage empty = get(broker.history(room, null, 10));
        assertThat(empty.publications()).isEmpty();
        assertThat(dev.roomcast.protocol.Offsets.isValid(empty.latest().toString())).isTrue();

        Broker.Published p = get(publish(room, "alice", "1"));
        HistoryPage page = get(broker.history(room, null, 10));
        assertThat(page.latest()).isEqualTo(p.offset());
        assertThat(page.epoch()).isEqualTo(p.epoch());
        assertThat(page.publications()).isEmpty();
    }

    @Test
    void recoveryReplaysWhatCameAfterTheGivenOffsetOldestFirst() throws Exception {
        String room = room();
        Broker.Published first = get(publish(room, "alice", "1"));
        Broker.Published second = get(publish(room, "alice", "2"));
        Broker.Published third = get(publish(room, null, "3"));

        HistoryPage page = get(broker.history(room, first.offset(), 10));
        assertThat(page.reachesSince()).isTrue();
        assertThat(page.epoch()).isEqualTo(first.epoch());
        assertThat(page.latest()).isEqualTo(third.offset());
        assertThat(page.publications()).extracting(Publication::offset).containsExactly(second.offset(), third.offset());
        assertThat(MessageFrames.message(page.publications().get(1)).text())
                .isEqualTo(frame(room, third.offset(), third.epoch(), null, "3"));

        HistoryPage upToDate = get(broker.history(room, third.offset(), 10));
        assertThat(upToDate.publications()).isEmpty();
        assertThat(upToDate.reachesSince()).isTrue();
        assertThat(upToDate.latest()).isEqualTo(third.offset());
    }

    @Test
    void anEmptyRoomIsAtItsStartingPosition() throws Exception {
        String room = room();
        HistoryPage position = get(broker.history(room, null, 10));
        HistoryPage page = get(broker.history(room, position.latest(), 10));
        assertThat(page.latest()).as("nothing after the start").isEqualTo(position.latest());
        assertThat(page.epoch()).isEqualTo(position.epoch());
        assertThat(page.publications()).isEmpty();
    }

    @Test
    void trimmedHistoryNoLongerReachesAnOldOffsetAndTheLimitCutsTheMessages() throws Exception {
        String room = room();
        Broker.Published first = get(publish(room, "alice", "0"));
        for (int i = 1; i <= HISTORY_SIZE + 2; i++) {
            get(publish(room, "alice", Integer.toString(i)));
        }
        HistoryPage trimmed = get(broker.history(room, first.offset(), 100));
        assertThat(trimmed.reachesSince()).as("history holds %d messages", HISTORY_SIZE).isFalse();
        assertThat(trimmed.publications()).hasSizeLessThanOrEqualTo(HISTORY_SIZE);

        List<Publication> all = get(broker.history(room, trimmed.publications().get(0).offset(), 100)).publications();
        HistoryPage limited = get(broker.history(room, trimmed.publications().get(0).offset(), 2));
        assertThat(limited.reachesSince()).isTrue();
        assertThat(limited.latest()).isEqualTo(trimmed.latest());
        assertThat(limited.publications()).hasSize(2);
        assertThat(limited.publications()).extracting(Publication::offset)
                .containsExactly(all.get(0).offset(), all.get(1).offset());
        assertThat(all.get(all.size() - 1).offset()).as("all of it reaches the latest").isEqualTo(trimmed.latest());
    }

    @Test
    void aSinceAheadOfTheHistoryFindsNothingAfterIt() throws Exception {
        String room = room();
        Broker.Published p = get(publish(room, "alice", "1"));
        HistoryPage page = get(broker.history(room, StreamOffset.parse(offsetAheadOfHistory()), 10));
        assertThat(page.latest()).isEqualTo(p.offset());
        assertThat(page.epoch()).isEqualTo(p.epoch());
        assertThat(page.publications()).isEmpty();
    }

    @Test
    void directFramesReachTheUsersNodeUnchanged() throws Exception {
        get(broker.subscribeUser("dana"));
        String frame = "{\"type\":\"direct\",\"ts\":" + TS + ",\"from\":\"erin\",\"data\":{\"dm\":true}}";
        get(broker.publishUser("dana", TS, "erin", "{\"dm\":true}"));
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
        HistoryPage before = get(broker.history(room, null, 10));
        String event = "{\"type\":\"joined\",\"room\":\"" + room + "\",\"user\":\"alice\"}";
        get(broker.publishPresence(PresenceEvent.joined(room, "alice")));
        await().atMost(TIMEOUT).until(() -> eventsOf(room).size() == 1);
        assertThat(deliveredTo(room)).isEmpty();
        OutboundFrame f = eventsOf(room).get(0);
        assertThat(f.text()).isEqualTo(event);
        assertThat(f.kind()).isEqualTo(OutboundFrame.Kind.PRESENCE_EVENT);
        assertThat(f.offset()).isNull();
        assertThat(get(broker.history(room, null, 10)).latest()).isEqualTo(before.latest());
    }

    @Test
    void historyPagesAreReadOldestFirstAfterAnOffsetOrNewestFirstBeforeIt() throws Exception {
        String room = room();
        List<Broker.Published> published = new java.util.ArrayList<>();
        for (int i = 1; i <= HISTORY_SIZE; i++) {
            published.add(get(publish(room, "alice", Integer.toString(i))));
        }
        List<StreamOffset> offsets = published.stream().map(Broker.Published::offset).toList();

        Broker.HistoryRead oldest = get(broker.readHistory(room, null, 3, false));
        assertThat(oldest.publications()).extracting(Publication::offset).containsExactlyElementsOf(offsets.subList(0, 3));
        assertThat(oldest.publications().get(0)).isEqualTo(new Publication(room, offsets.get(0), published.get(0).epoch(), TS, "alice", "1"));
        assertThat(oldest.epoch()).isEqualTo(published.get(0).epoch());
        assertThat(oldest.latest()).isEqualTo(offsets.get(4));
        assertThat(get(broker.readHistory(room, offsets.get(1), 10, false)).publications())
                .extracting(Publication::offset).containsExactlyElementsOf(offsets.subList(2, 5));

        assertThat(get(broker.readHistory(room, null, 2, true)).publications())
                .extracting(Publication::offset).containsExactly(offsets.get(4), offsets.get(3));
        assertThat(get(broker.readHistory(room, offsets.get(3), 10, true)).publications())
                .extracting(Publication::offset).containsExactly(offsets.get(2), offsets.get(1), offsets.get(0));
        assertThat(get(broker.readHistory(room, offsets.get(0), 10, true)).publications()).isEmpty();
        assertThat(get(broker.readHistory(room, offsets.get(4), 10, false)).publications()).isEmpty();
        assertThat(get(broker.readHistory(room(), null, 10, true)).publications()).isEmpty();
    }

    @Test
    void anIdempotentPublishHappensOncePerKeyAndRoomWithinTheWindow() throws Exception {
        String room = room(), other = room();
        get(broker.subscribeRoom(room));
        long window = 1_000;
        Broker.Published first = get(broker.publishRoom(room, TS, "alice", "1", "key-1", window));
        Broker.Published retry = get(broker.publishRoom(room, TS, "alice", "2", "key-1", window));
        assertThat(first.duplicate()).isFalse();
        assertThat(retry).isEqualTo(new Broker.Published(first.offset(), first.epoch(), true));
        assertThat(get(broker.publishRoom(other, TS, "alice", "1", "key-1", window)).duplicate())
                .as("keys are per room").isFalse();
        Broker.Published plain = get(publish(room, null, "3"));
        await().atMost(TIMEOUT).until(() -> deliveredTo(room).size() == 2);
        assertThat(deliveredTo(room)).extracting(Publication::data).containsExactly("1", "3");
        assertThat(get(broker.readHistory(room, null, 10, false)).publications()).hasSize(2);

        // After the window the key publishes again.
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> !get(broker.publishRoom(room, TS, "alice", "4", "key-1", window)).duplicate());
        assertThat(get(broker.readHistory(room, plain.offset(), 10, false)).publications())
                .extracting(Publication::data).containsExactly("4");
    }

    @Test
    void userControlReachesTheNodesOfTheUser() throws Exception {
        get(broker.subscribeUser("ctl-user"));
        get(broker.publishUserControl("ctl-user", new UserControl.Disconnect(4100, "banned: spam, twice")));
        get(broker.publishUserControl("ctl-user", new UserControl.Remove("team/a:1", "")));
        await().atMost(TIMEOUT).until(() -> controls.size() == 2);
        assertThat(controls).containsExactly(new UserControl.Disconnect(4100, "banned: spam, twice"),
                new UserControl.Remove("team/a:1", ""));
        assertThat(users).as("control is not a direct message").isEmpty();
    }
}
