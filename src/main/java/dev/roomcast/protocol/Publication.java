package dev.roomcast.protocol;

/**
 * One published message as it moves through the broker: a domain value, not a client frame. The client's
 * {@code message}/{@code direct} frame is built from it once per node, by {@link MessageFrames}.
 *
 * @param room   the room, null for a direct message
 * @param offset its place in the room's history, null for a direct message
 * @param epoch  the history's epoch the offset belongs to, null for a direct message
 * @param time   wall-clock milliseconds the publishing node stamped
 * @param from   the publishing user, null when a backend published without a name
 * @param data   the payload, raw JSON text as the publisher gave it
 */
public record Publication(String room, StreamOffset offset, String epoch, long time, String from, String data) {

    /** A direct message to a user: no room, no history. */
    public static Publication direct(long time, String from, String data) {
        return new Publication(null, null, null, time, from, data);
    }

    /** This publication placed in a room's history. */
    public Publication at(String room, StreamOffset offset, String epoch) {
        return new Publication(room, offset, epoch, time, from, data);
    }
}
