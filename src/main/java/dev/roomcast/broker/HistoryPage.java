package dev.roomcast.broker;

import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;

import java.util.List;

/**
 * Result of a history read.
 *
 * @param epoch        the room's current epoch
 * @param publications messages after {@code since}, oldest first
 * @param complete     false when the history no longer reaches back to {@code since} (trimmed or lost)
 * @param latest       offset of the newest message in the history; the empty history's offset when there is none
 */
public record HistoryPage(String epoch, List<Publication> publications, boolean complete, StreamOffset latest) {
}
