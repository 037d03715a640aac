package dev.roomcast.hub;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.presence.LocalPresence;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.PresenceEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The node-local registry and fan-out, on the memory broker and presence, with sessions writing to lists. */
class HubTest {

    private MemoryBroker broker;
    private LocalPresence presence;
    private Hub hub;
    private final List<Delivered> observed = new ArrayList<>();

    record Delivered(String room, OutboundFrame frame, int recipients) {
    }

    /** A sink that keeps what it is given. */
    static final class ListSink implements FrameSink {
        final List<OutboundFrame> frames = new ArrayList<>();
        boolean open = true;
        int closeCode;

        @Override
        public synchronized boolean write(OutboundFrame frame) {
            frames.add(frame);
            return true;
        }

        @Override
        public void close(int code, String reason) {
            open = false;
            closeCode = code;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        synchronized List<String> texts() {
            return frames.stream().map(OutboundFrame::text).toList();
        }
    }

    @BeforeEach
    void startHub() {
        broker = new MemoryBroker(100, Duration.ofMinutes(15), Clock.systemUTC());
        presence = new LocalPresence();
        hub = new Hub(broker, presence, (room, frame, recipients) -> observed.add(new Delivered(room, frame, recipients)));
        broker.start(hub);
    }

    private Session session(String id, String user, ListSink sink) throws Exception {
        Session s = new Session(id, user, sink, RoomPermissions.ALL, RateLimiter.unlimited(), 100);
        get(hub.register(s));
        return s;
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private void publish(String room, String data) throws Exception {
        get(broker.publishRoom(room, 1, "alice", data));
    }

    @Test
    void aSubscriptionTokenHoldsOnlyAJoinedRoomAndEndsWithItsTimerWhenTheRoomIsLeftOrTheConnectionCloses() throws Exception {
        Session s = new Session("s1", "alice", new ListSink(), RoomPermissions.of(List.of("lobby"), List.of("lobby")),
                RateLimiter.unlimited(), 100);
        get(hub.register(s));
        List<Long> cancelled = new ArrayList<>();
        RoomGrant vip = new RoomGrant("alice", "vip", 2_000_000_000L, true, false);
        assertThat(s.grant(vip)).as("not in the room: nothing held").isFalse();
        assertThat(s.mayJoin("vip")).isFalse();

        get(hub.join(s, "vip", true, true));
        assertThat(s.grant(vip)).isTrue();
        vip.timer(7, cancelled::add);
        assertThat(s.mayJoin("vip")).isTrue();
        assertThat(s.mayPublish("vip")).isTrue();
        assertThat(s.maySeePresence("vip")).isFalse();
        assertThat(s.mayPublish("other")).as("for that room only").isFalse();

        RoomGrant renewed = new RoomGrant("alice", "vip", 2_000_000_100L, false, true);
        assertThat(s.grant(renewed)).isTrue();
        assertThat(cancelled).as("the replaced token's timer").containsExactly(7L);
        assertThat(s.mayPublish("vip")).isFalse();
        assertThat(s.maySeePresence("vip")).isTrue();
        renewed.timer(8, cancelled::add);

        hub.leave(s, "vip", true);
        assertThat(cancelled).as("cancelled on leave").containsExactly(7L, 8L);
        assertThat(s.grant("vip")).isNull();
        assertThat(s.mayJoin("vip")).isFalse();
        renewed.timer(9, cancelled::add);
        assertThat(cancelled).as("a timer armed after the end is cancelled at once").containsExactly(7L, 8L, 9L);

        get(hub.join(s, "vip", true, true));
        RoomGrant again = new RoomGrant("alice", "vip", 2_000_000_200L, false, false);
        s.grant(again);
        again.timer(10, cancelled::add);
        hub.unregister(s);
        assertThat(cancelled).as("cancelled on close").containsExactly(7L, 8L, 9L, 10L);
    }

    /** Alice's and Bob's sinks, members of "r", and Carol's, a member of "other" only. */
    private record TwoInROneElsewhere(ListSink a, ListSink b, ListSink c) {
    }

    private TwoInROneElsewhere twoInROneElsewhere() throws Exception {
        ListSink a = new ListSink(), b = new ListSink(), c = new ListSink();
        Session alice = session("c1", "alice", a), bob = session("c2", "bob", b), carol = session("c3", "carol", c);
        get(hub.join(alice, "r", false, true));
        get(hub.join(bob, "r", false, true));
        get(hub.join(carol, "other", false, true));
        return new TwoInROneElsewhere(a, b, c);
    }

    @Test
    void aRoomMessageIsOneFrameWrittenToEveryLocalMemberAndNoOneElse() throws Exception {
        TwoInROneElsewhere m = twoInROneElsewhere();
        ListSink a = m.a(), b = m.b(), c = m.c();

        publish("r", "1");
        assertThat(a.frames).hasSize(1);
        assertThat(b.frames).hasSize(1);
        assertThat(c.frames).isEmpty();
        assertThat(a.frames.get(0)).as("encoded once per node: the same frame object").isSameAs(b.frames.get(0));
        assertThat(observed).extracting(Delivered::recipients).containsExactly(2);
        assertThat(observed.get(0).room()).isEqualTo("r");
    }

    @Test
    void aHistoryGapClosesTheRoomsLocalMembersWithInsufficientStateAndNoOneElse() throws Exception {
        TwoInROneElsewhere m = twoInROneElsewhere();
        ListSink a = m.a(), b = m.b(), c = m.c();

        hub.onHistoryGap("r");
        hub.onHistoryGap("nobody-here");
        assertThat(List.of(a.closeCode, b.closeCode)).containsOnly(CloseCodes.INSUFFICIENT_STATE);
        assertThat(c.open).isTrue();
    }

    @Test
    void joinReportsTheFirstConnectionOfAUserAndTheUsersInTheRoom() throws Exception {
        Session first = session("c1", "alice", new ListSink());
        Session second = session("c2", "alice", new ListSink());
        Session bob = session("c3", "bob", new ListSink());
        Hub.JoinOutcome one = get(hub.join(first, "r", true, true));
        Hub.JoinOutcome two = get(hub.join(second, "r", true, true));
        Hub.JoinOutcome three = get(hub.join(bob, "r", true, true));
        assertThat(one.added()).isTrue();
        assertThat(one.firstOfUser()).isTrue();
        assertThat(two.firstOfUser()).isFalse();
        assertThat(three.users()).isEqualTo(2);
        assertThat(get(hub.join(bob, "r", true, true)).added()).as("joining twice").isFalse();
        assertThat(hub.localMembers("r")).isEqualTo(3);
    }

    @Test
    void presenceEventsSkipMembersWhoOptedOut() throws Exception {
        ListSink loud = new ListSink(), quiet = new ListSink();
        get(hub.join(session("c1", "alice", loud), "r", true, true));
        get(hub.join(session("c2", "bob", quiet), "r", false, true));

        hub.announce(PresenceEvent.joined("r", "carol"), 3);
        assertThat(loud.texts()).containsExactly("{\"type\":\"joined\",\"room\":\"r\",\"user\":\"carol\"}");
        assertThat(quiet.frames).isEmpty();
        publish("r", "2");
        assertThat(quiet.frames).hasSize(1);
    }

    @Test
    void noPresenceEventsAboveTheMemberLimit() throws Exception {
        ListSink sink = new ListSink();
        get(hub.join(session("c1", "alice", sink), "r", true, true));
        hub.setMaxMembersForEvents(2);
        hub.announce(PresenceEvent.joined("r", "bob"), 3);
        assertThat(sink.frames).isEmpty();
        hub.announce(PresenceEvent.joined("r", "bob"), 2);
        assertThat(sink.frames).hasSize(1);
    }

    @Test
    void leavingAndClosingEmptyTheRegistryAndPresence() throws Exception {
        Session alice = session("c1", "alice", new ListSink());
        Session bob = session("c2", "bob", new ListSink());
        get(hub.join(alice, "r", true, true));
        get(hub.join(bob, "r", true, true));
        get(hub.join(bob, "s", true, true));

        assertThat(hub.leave(alice, "r", true)).isTrue();
        assertThat(hub.leave(alice, "r", true)).as("not a member any more").isFalse();
        assertThat(hub.localMembers("r")).isEqualTo(1);
        hub.unregister(bob);
        hub.unregister(alice);
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.userCount()).isZero();
        assertThat(hub.connectionCount()).isZero();
        assertThat(presence.roomCount()).isZero();
    }

    @Test
    void aDirectFrameReachesEveryConnectionOfTheUser() throws Exception {
        ListSink phone = new ListSink(), laptop = new ListSink(), other = new ListSink();
        session("c1", "dana", phone);
        session("c2", "dana", laptop);
        session("c3", "erin", other);
        String frame = "{\"type\":\"direct\",\"ts\":1,\"from\":\"erin\",\"data\":\"hi\"}";
        get(broker.publishUser("dana", 1, "erin", "\"hi\""));
        assertThat(phone.texts()).containsExactly(frame);
        assertThat(laptop.texts()).containsExactly(frame);
        assertThat(other.frames).isEmpty();
        assertThat(observed).extracting(Delivered::room, Delivered::recipients)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(null, 2));
    }

    @Test
    void framesOfARoomBeingJoinedAreHeldUntilReleased() throws Exception {
        ListSink sink = new ListSink();
        Session alice = session("c1", "alice", sink);
        alice.hold("r");
        get(hub.join(alice, "r", false, false));
        publish("r", "1");
        assertThat(sink.frames).isEmpty();
        alice.release("r", null, List.of());
        assertThat(sink.frames).hasSize(1);
    }

    @Test
    void theBrokerIsAskedForEachRoomOnceWhateverItsLocalMembers() throws Exception {
        List<String> calls = new ArrayList<>();
        Broker counting = new CountingBroker(broker, calls);
        Hub counted = new Hub(counting, presence, (room, frame, n) -> {
        });
        Session a = new Session("c1", "alice", new ListSink(), RoomPermissions.ALL, RateLimiter.unlimited(), 100);
        Session b = new Session("c2", "bob", new ListSink(), RoomPermissions.ALL, RateLimiter.unlimited(), 100);
        get(counted.register(a));
        get(counted.register(b));
        get(counted.join(a, "r", false, true));
        get(counted.join(b, "r", false, true));
        counted.leave(a, "r", false);
        counted.leave(b, "r", false);
        assertThat(calls).containsExactly("+user alice", "+user bob", "+room r", "-room r");
    }

    /**
     * A connection that leaves a room while its join is still in flight (its close, or a server-side remove, between
     * the registry step and the presence write): the presence entry written after the leave goes too, and nobody is
     * told the user joined.
     */
    @Test
    void aJoinOvertakenByALeaveLeavesNoPresenceBehind() throws Exception {
        for (boolean plain : new boolean[] {true, false}) {
            java.util.concurrent.CompletableFuture<Void> subscribed = new java.util.concurrent.CompletableFuture<>();
            Hub slow = new Hub(new CountingBroker(broker, new ArrayList<>(), subscribed), presence, (room, frame, n) -> {
            });
            Session alice = new Session("c-" + plain, "alice", new ListSink(), RoomPermissions.ALL, RateLimiter.unlimited(), 100);
            get(slow.register(alice));
            CompletionStage<Hub.JoinOutcome> join = slow.join(alice, "r", true, plain);
            assertThat(slow.leave(alice, "r", true)).isTrue();
            subscribed.complete(null);
            Hub.JoinOutcome outcome = get(join);
            assertThat(outcome.firstOfUser()).as("no joined for a join that did not last").isFalse();
            assertThat(get(presence.members("r"))).isEmpty();
            slow.unregister(alice);
        }
        assertThat(presence.roomCount()).isZero();
    }

    /** The memory broker, recording subscribe and unsubscribe calls. */
    private static final class CountingBroker implements Broker {
        private final Broker delegate;
        private final List<String> calls;
        /** What a room subscription waits for (null: nothing). */
        private final CompletionStage<Void> roomSubscribed;

        CountingBroker(Broker delegate, List<String> calls) {
            this(delegate, calls, null);
        }

        CountingBroker(Broker delegate, List<String> calls, CompletionStage<Void> roomSubscribed) {
            this.delegate = delegate;
            this.calls = calls;
            this.roomSubscribed = roomSubscribed;
        }

        @Override
        public void start(dev.roomcast.broker.BrokerListener listener) {
        }

        @Override
        public CompletionStage<Void> subscribeRoom(String room) {
            calls.add("+room " + room);
            return roomSubscribed == null ? delegate.subscribeRoom(room)
                    : delegate.subscribeRoom(room).thenCompose(x -> roomSubscribed);
        }

        @Override
        public CompletionStage<Void> unsubscribeRoom(String room) {
            calls.add("-room " + room);
            return delegate.unsubscribeRoom(room);
        }

        @Override
        public CompletionStage<Void> subscribeUser(String user) {
            calls.add("+user " + user);
            return delegate.subscribeUser(user);
        }

        @Override
        public CompletionStage<Void> unsubscribeUser(String user) {
            calls.add("-user " + user);
            return delegate.unsubscribeUser(user);
        }

        @Override
        public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data) {
            return delegate.publishRoom(room, publishedAtMillis, from, data);
        }

        @Override
        public CompletionStage<Void> publishPresence(PresenceEvent event) {
            return delegate.publishPresence(event);
        }

        @Override
        public CompletionStage<Void> publishUser(String user, long publishedAtMillis, String from, String data) {
            return delegate.publishUser(user, publishedAtMillis, from, data);
        }

        @Override
        public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String from, String data,
                String idempotencyKey, long windowMillis) {
            return delegate.publishRoom(room, publishedAtMillis, from, data, idempotencyKey, windowMillis);
        }

        @Override
        public CompletionStage<Void> publishUserControl(String user, dev.roomcast.broker.UserControl control) {
            return delegate.publishUserControl(user, control);
        }

        @Override
        public CompletionStage<HistoryRead> readHistory(String room, dev.roomcast.protocol.StreamOffset since, int limit,
                boolean newestFirst) {
            return delegate.readHistory(room, since, limit, newestFirst);
        }

        @Override
        public CompletionStage<dev.roomcast.broker.HistoryPage> history(String room, dev.roomcast.protocol.StreamOffset since, int limit,
                long maxBytes) {
            return delegate.history(room, since, limit, maxBytes);
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public String name() {
            return "counting";
        }
    }
}
