package dev.roomcast.node;

import dev.roomcast.broker.HistoryPage;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.List;

/**
 * The one recovery decision (after centrifuge's {@code isStreamRecovered}): whether a client that last saw
 * {@code since} in {@code epoch} gets everything it missed, judged from the facts the broker read
 * ({@link HistoryPage}). Offsets of the memory broker are consecutive counters ({@code N}), Redis stream ids
 * ({@code MS-SEQ}) are not, so "nothing missing" is the broker's fact {@link HistoryPage#reachesSince()}, not
 * arithmetic on offsets.
 *
 * @param outcome     recovered, not recovered (the client resyncs), or refused ({@code bad_request})
 * @param replay      what to send before the live messages, oldest first (also when not recovered: all that is left)
 * @param replayAfter the position the replay follows: live frames up to it, and up to the replay, are duplicates;
 *                    null when nothing is known to have been seen (another epoch, a since the history cannot confirm)
 * @param refusal     why a refused since cannot be one of this history's offsets; null otherwise
 */
public record Recovery(Outcome outcome, List<Publication> replay, StreamOffset replayAfter, String refusal) {

    public enum Outcome { RECOVERED, NOT_RECOVERED, REFUSED }

    /** A stream id this far ahead of the clock was never an offset of this history. */
    static final long FUTURE_TOLERANCE_MS = 60_000;

    public static Recovery decide(StreamOffset since, String epoch, HistoryPage page, long nowMillis) {
        if (!page.epoch().equals(epoch)) {
            // The history the client knows is gone: nothing to replay, the client resyncs.
            return new Recovery(Outcome.NOT_RECOVERED, List.of(), null, null);
        }
        StreamOffset latest = page.latest();
        boolean counters = !latest.isPair();
        if (counters && since.isPair()) {
            return refused("since is not an offset of this server");
        }
        if (since.isAfter(latest)) {
            // A counter history never loses its tail, so a since ahead of it was made up; a stream id may be the
            // tail a failover lost (the client resyncs, nothing shared changes on its word) unless it is from the
            // future.
            if (counters || since.major() > nowMillis + FUTURE_TOLERANCE_MS) {
                return refused("since is ahead of the room's history");
            }
            return new Recovery(Outcome.NOT_RECOVERED, List.of(), null, null);
        }
        List<Publication> replay = page.publications();
        boolean recovered = since.equals(latest) || (page.reachesSince() && !replay.isEmpty()
                && replay.get(replay.size() - 1).offset().equals(latest)); // else the limit cut the replay short
        return new Recovery(recovered ? Outcome.RECOVERED : Outcome.NOT_RECOVERED, replay, since, null);
    }

    private static Recovery refused(String why) {
        return new Recovery(Outcome.REFUSED, List.of(), null, why);
    }

    public boolean recovered() {
        return outcome == Outcome.RECOVERED;
    }
}
