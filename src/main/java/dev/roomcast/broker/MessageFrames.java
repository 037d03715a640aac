package dev.roomcast.broker;

import dev.roomcast.hub.OutboundFrame;
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
}
