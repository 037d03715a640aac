package dev.roomcast.node;

import dev.roomcast.broker.HistoryPage;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The one recovery decision, case by case, from the facts a broker reports. */
class RecoveryTest {

    static final long NOW = 1_700_000_000_000L;
    static final String EPOCH = "e1";

    /**
     * One row: the client's since and epoch, the broker's facts, and what must be decided.
     *
     * @param offsets the publications the broker found after since
     * @param after   where the replay starts ("" for null)
     */
    record Case(String name, String since, String epoch, String latest, List<String> offsets, boolean reachesSince,
            Recovery.Outcome outcome, List<String> replayed, String after) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String past = (NOW - 5_000) + "-0", mid = (NOW - 4_000) + "-0", recent = (NOW - 3_000) + "-0";
        String soon = (NOW + 10_000) + "-0", farAhead = (NOW + 3_600_000) + "-0";
        return Stream.of(
                new Case("same epoch, since = latest", recent, EPOCH, recent, List.of(), true,
                        Recovery.Outcome.RECOVERED, List.of(), recent),
                new Case("same epoch, since = latest of counters", "7", EPOCH, "7", List.of(), true,
                        Recovery.Outcome.RECOVERED, List.of(), "7"),
                new Case("since inside the history", past, EPOCH, recent, List.of(mid, recent), true,
                        Recovery.Outcome.RECOVERED, List.of(mid, recent), past),
                new Case("since older than what is retained: what is left is replayed", "2", EPOCH, "9",
                        List.of("5", "6", "7", "8", "9"), false, Recovery.Outcome.NOT_RECOVERED,
                        List.of("5", "6", "7", "8", "9"), "2"),
                new Case("the limit cut the replay short", "2", EPOCH, "9", List.of("3", "4"), true,
                        Recovery.Outcome.NOT_RECOVERED, List.of("3", "4"), "2"),
                new Case("another epoch: nothing replayed, nothing known", past, "e0", recent, List.of(mid, recent), true,
                        Recovery.Outcome.NOT_RECOVERED, List.of(), ""),
                new Case("another epoch wins over a since that would be refused", "5-0", "e0", "3", List.of(), false,
                        Recovery.Outcome.NOT_RECOVERED, List.of(), ""),
                new Case("stream id ahead of latest (a lost tail?): the client resyncs", soon, EPOCH, recent, List.of(),
                        false, Recovery.Outcome.NOT_RECOVERED, List.of(), ""),
                new Case("stream id far in the future", farAhead, EPOCH, recent, List.of(), false,
                        Recovery.Outcome.REFUSED, List.of(), ""),
                new Case("counter ahead of latest: a counter history never loses its tail", "10", EPOCH, "9", List.of(),
                        true, Recovery.Outcome.REFUSED, List.of(), ""),
                new Case("a stream id given to a counter history", "3-0", EPOCH, "9", List.of(), true,
                        Recovery.Outcome.REFUSED, List.of(), ""),
                new Case("empty counter history, since 0", "0", EPOCH, "0", List.of(), true,
                        Recovery.Outcome.RECOVERED, List.of(), "0"),
                new Case("empty stream, since 0-0", "0-0", EPOCH, "0-0", List.of(), false,
                        Recovery.Outcome.RECOVERED, List.of(), "0-0"),
                new Case("empty stream, since a recent id", recent, EPOCH, "0-0", List.of(), false,
                        Recovery.Outcome.NOT_RECOVERED, List.of(), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        List<Publication> found = new ArrayList<>();
        for (String offset : c.offsets()) {
            found.add(new Publication("r", StreamOffset.parse(offset), EPOCH, NOW, "alice", "1"));
        }
        HistoryPage page = new HistoryPage(EPOCH, StreamOffset.parse(c.latest()), found, c.reachesSince());

        Recovery r = Recovery.decide(StreamOffset.parse(c.since()), c.epoch(), page, NOW);

        assertThat(r.outcome()).isEqualTo(c.outcome());
        assertThat(r.replay()).extracting(p -> p.offset().toString()).containsExactlyElementsOf(c.replayed());
        assertThat(r.replayAfter()).isEqualTo(c.after().isEmpty() ? null : StreamOffset.parse(c.after()));
        assertThat(r.refusal() != null).isEqualTo(c.outcome() == Recovery.Outcome.REFUSED);
        if (c.outcome() == Recovery.Outcome.REFUSED) {
            assertThat(r.refusal()).containsAnyOf("ahead", "not an offset");
        }
    }
}
