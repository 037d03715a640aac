package dev.roomcast.broker;

import dev.roomcast.protocol.OutboundFrame;

import java.util.List;

/**
 * Result of a history read.
 *
 * @param epoch    the room's current epoch
 * @param frames   message frames after {@code since}, oldest first
 * @param complete false when the history no longer reaches back to {@code since} (trimmed or lost)
 * @param latest   offset of the newest message in the history, or {@code null} if it is empty
 */
public record HistoryPage(String epoch, List<OutboundFrame> frames, boolean complete, String latest) {
}
