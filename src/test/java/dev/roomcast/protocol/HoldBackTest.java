package dev.roomcast.protocol;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.roomcast.protocol.HoldBack.Outcome.DELIVERED;
import static dev.roomcast.protocol.HoldBack.Outcome.DUPLICATE;
import static dev.roomcast.protocol.HoldBack.Outcome.HELD;
import static dev.roomcast.protocol.HoldBack.Outcome.OVER_BOUND;
import static org.assertj.core.api.Assertions.assertThat;

/** The one hold-back: held while closed, recovered then held on open, each offset at most once and in order. */
class HoldBackTest {

    /** An item of a room's stream: a message (with an offset) or an event (without). */
    record Item(String name, StreamOffset offset) {
        static Item at(long n) {
            return new Item("m" + n, StreamOffset.of(n));
        }

        static Item event(String name) {
            return new Item(name, null);
        }
    }

    private final List<String> delivered = new CopyOnWriteArrayList<>();

    private void deliver(Item item) {
        delivered.add(item.name());
    }

    private HoldBack<Item> closed(int maxHeld) {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, maxHeld);
        gate.close();
        return gate;
    }

    /** Offers the message at offset {@code n} as a live item. */
    private HoldBack.Outcome offer(HoldBack<Item> gate, long n) {
        return gate.offer(Item.at(n), this::deliver);
    }

    private static List<Item> items(long... offsets) {
        List<Item> list = new ArrayList<>();
        for (long n : offsets) {
            list.add(Item.at(n));
        }
        return list;
    }

    @Test
    void anOpenGatePassesLiveItemsInOrderAndDropsWhatIsNotNewer() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 10);
        assertThat(offer(gate, 1)).isEqualTo(DELIVERED);
        assertThat(offer(gate, 2)).isEqualTo(DELIVERED);
        assertThat(offer(gate, 2)).isEqualTo(DUPLICATE);
        assertThat(offer(gate, 1)).isEqualTo(DUPLICATE);
        assertThat(delivered).containsExactly("m1", "m2");
        assertThat(gate.last()).isEqualTo(StreamOffset.of(2));
    }

    @Test
    void openDeliversTheRecoveredItemsThenTheHeldOnesWithoutTheOverlap() {
        HoldBack<Item> gate = closed(10);
        assertThat(offer(gate, 5)).isEqualTo(HELD);
        assertThat(offer(gate, 6)).isEqualTo(HELD);
        assertThat(delivered).isEmpty();

        assertThat(gate.open(items(3, 4, 5), this::deliver)).isTrue();
        assertThat(delivered).as("5 was both replayed and held").containsExactly("m3", "m4", "m5", "m6");
        assertThat(gate.isClosed()).isFalse();
        assertThat(offer(gate, 4)).as("a lagging live copy").isEqualTo(DUPLICATE);
        assertThat(offer(gate, 7)).isEqualTo(DELIVERED);
        assertThat(delivered).containsExactly("m3", "m4", "m5", "m6", "m7");
    }

    @Test
    void aStartingPositionDropsWhatTheClientAlreadyHas() {
        HoldBack<Item> gate = closed(10);
        gate.startAt(StreamOffset.of(4));
        offer(gate, 3);
        offer(gate, 5);
        gate.open(List.of(), this::deliver);
        assertThat(delivered).containsExactly("m5");

        gate.startAt(StreamOffset.of(1));
        assertThat(gate.last()).as("a starting position does not move delivery back").isEqualTo(StreamOffset.of(5));
    }

    @Test
    void itemsWithoutAnOffsetKeepTheirPlaceAndAreNeverDuplicates() {
        HoldBack<Item> gate = closed(10);
        gate.offer(Item.event("joined"), this::deliver);
        offer(gate, 2);
        gate.offer(Item.event("left"), this::deliver);
        offer(gate, 3);
        gate.open(items(1, 2), this::deliver);
        assertThat(delivered).containsExactly("m1", "m2", "joined", "left", "m3");

        assertThat(gate.offer(Item.event("joined"), this::deliver)).isEqualTo(DELIVERED);
        assertThat(gate.last()).isEqualTo(StreamOffset.of(3));
    }

    @Test
    void overTheBoundEverythingHeldIsDroppedAndOpenAsksForAnotherRead() {
        HoldBack<Item> gate = closed(2);
        assertThat(offer(gate, 4)).isEqualTo(HELD);
        assertThat(offer(gate, 5)).isEqualTo(HELD);
        assertThat(offer(gate, 6)).isEqualTo(OVER_BOUND);
        assertThat(offer(gate, 7)).as("until the next open").isEqualTo(OVER_BOUND);

        assertThat(gate.open(items(1, 2, 3), this::deliver)).as("what was held is gone: read again").isFalse();
        assertThat(delivered).containsExactly("m1", "m2", "m3");
        assertThat(gate.isClosed()).isTrue();
        assertThat(gate.last()).isEqualTo(StreamOffset.of(3));

        assertThat(offer(gate, 8)).as("holding again, within the bound").isEqualTo(HELD);
        assertThat(gate.open(items(4, 5, 6, 7, 8), this::deliver)).isTrue();
        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8");
    }

    @Test
    void overTheBytesBoundEverythingHeldIsDroppedAndOpenAsksForAnotherRead() {
        // Each item's size is its name's length ("m4": 2 bytes); 5 bytes may be held.
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 100, item -> item.name().length(), 5);
        gate.close();
        assertThat(offer(gate, 4)).isEqualTo(HELD);
        assertThat(offer(gate, 5)).isEqualTo(HELD);
        assertThat(offer(gate, 6)).as("6 bytes").isEqualTo(OVER_BOUND);
        assertThat(offer(gate, 7)).as("until the next open").isEqualTo(OVER_BOUND);

        assertThat(gate.open(items(1, 2, 3), this::deliver)).as("what was held is gone: read again").isFalse();
        assertThat(offer(gate, 8)).as("holding again, from 0 bytes").isEqualTo(HELD);
        assertThat(offer(gate, 9)).isEqualTo(HELD);
        assertThat(gate.open(items(4, 5, 6, 7), this::deliver)).isTrue();
        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    }

    @Test
    void closedDroppingNothingIsHeldUntilHoldFromNowThenTheReadBringsBackWhatWasDropped() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 100);
        offer(gate, 1);
        gate.closeDropping();
        assertThat(offer(gate, 2)).isEqualTo(OVER_BOUND);
        assertThat(offer(gate, 3)).isEqualTo(OVER_BOUND);
        assertThat(gate.isClosed()).isTrue();

        gate.holdFromNow(); // the read from last() = 1 follows
        assertThat(offer(gate, 4)).isEqualTo(HELD);
        assertThat(gate.open(items(2, 3, 4), this::deliver)).isTrue();
        assertThat(offer(gate, 5)).isEqualTo(DELIVERED);
        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m5");
    }

    @Test
    void holdFromNowLeavesAnOpenGateOpen() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 100);
        gate.holdFromNow();
        assertThat(offer(gate, 1)).isEqualTo(DELIVERED);
    }

    @Test
    void oneItemLargerThanTheBytesBoundIsStillHeld() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 100, item -> 1_000, 10);
        gate.close();
        assertThat(offer(gate, 1)).as("alone: held, or a room of large messages could never open").isEqualTo(HELD);
        assertThat(offer(gate, 2)).isEqualTo(OVER_BOUND);
        assertThat(gate.open(List.of(), this::deliver)).isFalse();
        assertThat(offer(gate, 3)).isEqualTo(HELD);
        assertThat(gate.open(items(1, 2), this::deliver)).isTrue();
        assertThat(delivered).containsExactly("m1", "m2", "m3");
    }

    @Test
    void closingAgainKeepsThePositionAndOpeningAnOpenGateDeliversTheRecoveredOnly() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 10);
        assertThat(gate.open(items(1), this::deliver)).isTrue();
        gate.close();
        gate.close();
        offer(gate, 3);
        gate.open(items(1, 2), this::deliver);
        assertThat(delivered).containsExactly("m1", "m2", "m3");
    }

    /** Live items on one thread, the recovery on another: every offset once, in order, none lost. */
    @Test
    void liveItemsRacingTheOpenAreDeliveredOnceInOrder() throws Exception {
        int n = 20_000;
        HoldBack<Item> gate = closed(n);
        CountDownLatch someHeld = new CountDownLatch(100);
        Thread live = new Thread(() -> {
            for (int i = 1; i <= n; i++) {
                gate.offer(Item.at(i), this::deliver);
                someHeld.countDown();
            }
        });
        live.start();
        assertThat(someHeld.await(10, TimeUnit.SECONDS)).isTrue();
        // The recovery read returns the stream from the start, overlapping whatever was held by now.
        gate.open(IntStream.rangeClosed(1, 150).mapToObj(Item::at).toList(), this::deliver);
        live.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(delivered).containsExactlyElementsOf(IntStream.rangeClosed(1, n).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void pagesAreDeliveredWhileLiveItemsStayHeldUntilTheLastPageOpens() {
        HoldBack<Item> gate = new HoldBack<>(Item::offset, 10);
        offer(gate, 1);
        gate.close();
        assertThat(offer(gate, 6)).isEqualTo(HELD);
        assertThat(offer(gate, 7)).isEqualTo(HELD);

        gate.deliver(items(2, 3), this::deliver);
        assertThat(gate.isClosed()).isTrue();
        assertThat(gate.last()).isEqualTo(StreamOffset.of(3));
        assertThat(offer(gate, 8)).as("still held after a page").isEqualTo(HELD);
        gate.deliver(items(3, 4), this::deliver); // a page overlapping the previous one
        assertThat(gate.open(items(5, 6), this::deliver)).isTrue();
        assertThat(offer(gate, 9)).isEqualTo(DELIVERED);

        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    }

    @Test
    void aPageAfterAnOverflowIsDeliveredAndTheLastPageStillAsksForAnotherRead() {
        HoldBack<Item> gate = closed(2);
        offer(gate, 10);
        offer(gate, 11);
        assertThat(offer(gate, 12)).isEqualTo(OVER_BOUND);

        gate.deliver(items(1, 2), this::deliver);
        assertThat(gate.open(items(3), this::deliver)).isFalse();
        assertThat(gate.isClosed()).isTrue();
        offer(gate, 13);
        assertThat(gate.open(items(4, 10, 11, 12), this::deliver)).isTrue();

        assertThat(delivered).containsExactly("m1", "m2", "m3", "m4", "m10", "m11", "m12", "m13");
    }
}
