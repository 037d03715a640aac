package dev.roomcast.broker;

import dev.roomcast.protocol.StreamOffset;

/**
 * A capability of the Redis backend: the one-round-trip join. The presence script of a plain join also
 * reads the room's history position; the broker is told it here, so that its cursor for the room starts
 * there exactly as after {@link Broker#history} without {@code since}.
 */
public interface RoomPositions {

    /**
     * @param latest the newest offset in the room's stream, null when it is empty
     * @return the position as a history page without messages
     */
    HistoryPage positioned(String room, String epoch, StreamOffset latest);
}
