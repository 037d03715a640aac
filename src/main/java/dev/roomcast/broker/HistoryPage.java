package dev.roomcast.broker;

import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.List;

/**
 * What a broker knows of a room's history at one moment: facts, not a verdict. Whether a client's recovery
 * succeeded is decided from them in one place ({@code node.Recovery}).
 *
 * @param epoch        the room's current epoch
 * @param latest       offset of the newest message in the history; the empty history's offset when there is none
 * @param publications messages after {@code since}, oldest first, at most the limit asked for; empty without since
 * @param reachesSince whether the retained history still holds everything after {@code since} (nothing after it
 *                     was trimmed or expired); false without since. Meaningful for a since up to {@code latest}.
 */
public record HistoryPage(String epoch, StreamOffset latest, List<Publication> publications, boolean reachesSince) {

    /** The position alone: epoch and latest offset, no messages. */
    public static HistoryPage position(String epoch, StreamOffset latest) {
        return new HistoryPage(epoch, latest, List.of(), false);
    }
}
