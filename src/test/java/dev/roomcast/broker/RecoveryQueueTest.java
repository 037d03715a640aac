package dev.roomcast.broker;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The rooms a node refills after a pub/sub outage: a few at a time, the others in turn, each run asked for once. */
class RecoveryQueueTest {

    private final List<String> started = new ArrayList<>();
    private final List<String> counts = new ArrayList<>();
    private final RecoveryQueue queue = new RecoveryQueue(2, started::add, (a, w) -> counts.add(a + "/" + w));

    @Test
    void atMostTheMaximumRunAndTheOthersStartInTurnAsRunsEnd() {
        for (String room : List.of("a", "b", "c", "d")) {
            queue.add(room);
        }
        assertThat(started).containsExactly("a", "b");
        assertThat(queue.size()).isEqualTo(4);

        assertThat(queue.done("b")).isFalse();
        assertThat(started).containsExactly("a", "b", "c");
        assertThat(queue.done("a")).isFalse();
        assertThat(queue.done("c")).isFalse();
        assertThat(started).containsExactly("a", "b", "c", "d");
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.done("d")).as("nothing left").isTrue();
        assertThat(queue.size()).isZero();
        assertThat(counts).containsExactly("1/0", "2/0", "2/1", "2/2", "2/1", "2/0", "1/0", "0/0");
    }

    @Test
    void aRoomAskedForAgainWhileRunningRunsOnceMoreAndOneWaitingKeepsItsPlace() {
        queue.add("a");
        queue.add("b");
        queue.add("c");
        queue.add("a"); // another outage while a is read
        queue.add("c"); // c waits already
        assertThat(queue.size()).isEqualTo(3);

        assertThat(queue.done("a")).isFalse();
        assertThat(started).as("a starts over, c still waits").containsExactly("a", "b", "a");
        assertThat(queue.done("a")).isFalse();
        assertThat(started).containsExactly("a", "b", "a", "c");
        assertThat(queue.done("b")).isFalse();
        assertThat(queue.done("c")).isTrue();
        assertThat(queue.done("c")).as("a second end of the same run changes nothing").isTrue();
        assertThat(started).containsExactly("a", "b", "a", "c");
    }
}
