package dev.roomcast.broker;

import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.Json;

/**
 * The envelope of room messages. The body ({@code "from":..,"data":..}}) is built once by the publishing
 * node; the envelope with offset and epoch is added where the offset is known (the broker).
 */
public final class MessageFrames {

    private MessageFrames() {
    }

    /** {@code "ts":..,"from":..,"data":..}} — the part every node shares. {@code from} may be null. */
    public static String body(long ts, String from, String rawData) {
        StringBuilder sb = new StringBuilder(rawData.length() + 64);
        sb.append("\"ts\":").append(ts);
        if (from != null) {
            sb.append(",\"from\":");
            Json.appendQuoted(sb, from);
        }
        sb.append(",\"data\":").append(rawData).append('}');
        return sb.toString();
    }

    public static String roomMessage(String room, String offset, String epoch, String body) {
        return "{\"type\":\"message\",\"room\":\"" + room + "\",\"offset\":\"" + offset
                + "\",\"epoch\":\"" + epoch + "\"," + body;
    }

    public static OutboundFrame roomFrame(String room, String offset, String epoch, String body) {
        return OutboundFrame.message(roomMessage(room, offset, epoch, body), room, offset, tsOf(body));
    }

    public static String direct(String body) {
        return "{\"type\":\"direct\"," + body;
    }

    /** Reads {@code "ts":N} at the start of a body without a JSON parse. */
    public static long tsOf(String bodyOrFrame) {
        int i = bodyOrFrame.indexOf("\"ts\":");
        if (i < 0) {
            return 0;
        }
        long v = 0;
        for (int j = i + 5; j < bodyOrFrame.length(); j++) {
            char c = bodyOrFrame.charAt(j);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Builds the frame object for a complete room message frame as received from Redis. */
    public static OutboundFrame parseRoomFrame(String room, String text) {
        // {"type":"message","room":"R","offset":"O","epoch":"E","ts":N,...
        int offsetStart = MESSAGE_PREFIX.length() + room.length() + OFFSET_FIELD.length();
        int offsetEnd = text.indexOf('"', offsetStart);
        if (offsetEnd < 0 || !text.startsWith(MESSAGE_PREFIX)) {
            return null;
        }
        return OutboundFrame.message(text, room, text.substring(offsetStart, offsetEnd), tsOf(text));
    }

    /** The epoch a room message frame carries. */
    public static String epochOf(OutboundFrame frame) {
        String t = frame.text();
        int i = t.indexOf("\"epoch\":\"");
        if (i < 0) {
            return null;
        }
        int start = i + 9;
        return t.substring(start, t.indexOf('"', start));
    }

    public static final String MESSAGE_PREFIX = "{\"type\":\"message\",\"room\":\"";
    private static final String OFFSET_FIELD = "\",\"offset\":\"";
}
