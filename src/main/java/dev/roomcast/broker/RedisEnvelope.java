package dev.roomcast.broker;

import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import io.vertx.redis.client.Response;

/**
 * What the Redis broker writes to pub/sub channels and streams: its own compact format, not client JSON.
 * <ul>
 * <li>room channel: {@code p1 <offset> <epoch> <ts> <from> <data>} (written by {@link RedisScripts#PUBLISH});
 * presence events {@code j1 <user>} ({@code joined}) and {@code l1 <user>} ({@code left}), the room being the
 * channel's (published by the broker, or by the presence scripts with {@link #presencePayload})</li>
 * <li>user channel: {@code d1 <ts> <from> <data>}; control commands {@code c1 d <code> <reason>} (disconnect)
 * and {@code c1 r <room> <reason>} (remove from a room), which nodes of earlier versions ignore</li>
 * <li>stream entry: fields {@code t} (ts), {@code f} (from), {@code d} (data)</li>
 * </ul>
 * {@code from} is empty when there is none (user names are never empty and have no spaces); {@code data} is
 * the rest of the payload, raw JSON. Versions before this format stored a stream entry as one field {@code b}
 * holding the client frame's tail ({@code "ts":..,"from":..,"data":..}}) and published complete client frames;
 * both are still read, so history written before an upgrade is recovered after it (see docs/operations.md), and so
 * are the client frames they published as presence events.
 */
public final class RedisEnvelope {

    static final String ROOM_TAG = "p1 ";
    static final String DIRECT_TAG = "d1 ";
    static final String CONTROL_TAG = "c1 ";
    static final String JOINED_TAG = "j1 ";
    static final String LEFT_TAG = "l1 ";
    private static final String LEGACY_MESSAGE_PREFIX = "{\"type\":\"message\",\"room\":\"";
    private static final String LEGACY_USER = ",\"user\":\"";

    private RedisEnvelope() {
    }

    /** Whether a room channel's payload is a publication (and not a presence event). */
    static boolean isPublication(String payload) {
        return payload.startsWith(ROOM_TAG) || payload.startsWith(LEGACY_MESSAGE_PREFIX);
    }

    /** The publication a room channel carried, or null when the payload is malformed. */
    static Publication roomPublication(String room, String payload) {
        if (!payload.startsWith(ROOM_TAG)) {
            return legacyFrame(room, payload);
        }
        int a = ROOM_TAG.length();
        int b = payload.indexOf(' ', a);
        int c = b < 0 ? -1 : payload.indexOf(' ', b + 1);
        if (c < 0) {
            return null;
        }
        StreamOffset offset = StreamOffset.parse(payload.substring(a, b));
        String epoch = payload.substring(b + 1, c);
        return offset == null ? null : body(payload, c + 1, room, offset, epoch);
    }

    /** A presence event as it goes on its room's channel. */
    public static String presencePayload(PresenceEvent event) {
        return (event.type() == PresenceEvent.Type.joined ? JOINED_TAG : LEFT_TAG) + event.user();
    }

    /** The presence event a room channel carried (a payload that is not a publication), or null when malformed. */
    static PresenceEvent presenceEvent(String room, String payload) {
        PresenceEvent.Type type = payload.startsWith(JOINED_TAG) ? PresenceEvent.Type.joined
                : payload.startsWith(LEFT_TAG) ? PresenceEvent.Type.left : null;
        if (type == null) {
            return legacyPresenceFrame(room, payload);
        }
        // both tags are three characters; user names are never empty
        return payload.length() > 3 ? new PresenceEvent(type, room, payload.substring(3)) : null;
    }

    /** {@code {"type":"joined"|"left","room":..,"user":..}}, as nodes of an earlier version published it. */
    private static PresenceEvent legacyPresenceFrame(String room, String frame) {
        int user = frame.indexOf(LEGACY_USER);
        int end = user < 0 ? -1 : frame.indexOf('"', user + LEGACY_USER.length());
        if (end < 0) {
            return null;
        }
        String who = frame.substring(user + LEGACY_USER.length(), end);
        for (PresenceEvent.Type type : PresenceEvent.Type.values()) {
            if (frame.startsWith("{\"type\":\"" + type.name() + "\",")) {
                return new PresenceEvent(type, room, who);
            }
        }
        return null;
    }

    static String directPayload(long ts, String from, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 32);
        sb.append(DIRECT_TAG).append(ts).append(' ');
        if (from != null) {
            sb.append(from);
        }
        return sb.append(' ').append(data).toString();
    }

    /** The direct message a user channel carried, or null when the payload is malformed. */
    static Publication directPublication(String payload) {
        if (!payload.startsWith(DIRECT_TAG)) {
            // {"type":"direct","ts":..: a node of an earlier version
            int ts = payload.indexOf("\"ts\":");
            return ts < 0 ? null : legacyBody(payload, ts, null, null, null);
        }
        return body(payload, DIRECT_TAG.length(), null, null, null);
    }

    /** Whether a user channel's payload is a control command (and not a direct message). */
    static boolean isControl(String payload) {
        return payload.startsWith(CONTROL_TAG);
    }

    static String controlPayload(UserControl control) {
        if (control instanceof UserControl.Disconnect d) {
            return CONTROL_TAG + "d " + d.code() + " " + d.reason();
        }
        UserControl.Remove r = (UserControl.Remove) control;
        return CONTROL_TAG + "r " + r.room() + " " + r.reason();
    }

    /** The control command a user channel carried, or null when the payload is malformed or of a later version. */
    static UserControl control(String payload) {
        int a = CONTROL_TAG.length();
        if (payload.length() < a + 2 || payload.charAt(a + 1) != ' ') {
            return null;
        }
        int b = payload.indexOf(' ', a + 2);
        if (b < 0) {
            return null;
        }
        String argument = payload.substring(a + 2, b);
        String reason = payload.substring(b + 1);
        return switch (payload.charAt(a)) {
            case 'd' -> {
                try {
                    yield new UserControl.Disconnect(Integer.parseInt(argument), reason);
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            case 'r' -> new UserControl.Remove(argument, reason);
            default -> null;
        };
    }

    /** {@code <ts> <from> <data>} from {@code start}. */
    private static Publication body(String payload, int start, String room, StreamOffset offset, String epoch) {
        int d = payload.indexOf(' ', start);
        int e = d < 0 ? -1 : payload.indexOf(' ', d + 1);
        if (e < 0) {
            return null;
        }
        long ts;
        try {
            ts = Long.parseLong(payload, start, d, 10);
        } catch (NumberFormatException x) {
            return null;
        }
        String from = e == d + 1 ? null : payload.substring(d + 1, e);
        return new Publication(room, offset, epoch, ts, from, payload.substring(e + 1));
    }

    /** A stream entry's fields (either format) as the publication at {@code id}. */
    static Publication streamEntry(String room, String id, String epoch, Response fields) {
        StreamOffset offset = StreamOffset.parse(id);
        if (offset == null || fields == null || fields.size() < 2) {
            return null;
        }
        long ts = 0;
        String from = null;
        String data = null;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            String field = fields.get(i).toString();
            String value = fields.get(i + 1).toString();
            switch (field) {
                case "t" -> ts = Long.parseLong(value);
                case "f" -> from = value.isEmpty() ? null : value;
                case "d" -> data = value;
                case "b" -> {
                    return legacyBody(value, 0, room, offset, epoch);
                }
                default -> {
                }
            }
        }
        return data == null ? null : new Publication(room, offset, epoch, ts, from, data);
    }

    /** A complete client message frame as nodes of an earlier version published it. */
    private static Publication legacyFrame(String room, String text) {
        if (!text.startsWith(LEGACY_MESSAGE_PREFIX)) {
            return null;
        }
        int offsetStart = text.indexOf("\"offset\":\"");
        int epochStart = text.indexOf("\"epoch\":\"");
        int ts = text.indexOf("\"ts\":");
        if (offsetStart < 0 || epochStart < 0 || ts < 0) {
            return null;
        }
        offsetStart += 10;
        epochStart += 9;
        StreamOffset offset = StreamOffset.parse(text.substring(offsetStart, text.indexOf('"', offsetStart)));
        String epoch = text.substring(epochStart, text.indexOf('"', epochStart));
        return offset == null ? null : legacyBody(text, ts, room, offset, epoch);
    }

    /** {@code "ts":N[,"from":"F"],"data":D}} from {@code ts}. */
    private static Publication legacyBody(String s, int ts, String room, StreamOffset offset, String epoch) {
        if (!s.startsWith("\"ts\":", ts) || !s.endsWith("}")) {
            return null;
        }
        int j = ts + 5;
        long time = 0;
        while (j < s.length() && Character.isDigit(s.charAt(j))) {
            time = time * 10 + (s.charAt(j++) - '0');
        }
        String from = null;
        if (s.startsWith(",\"from\":\"", j)) {
            int end = s.indexOf('"', j + 9);
            if (end < 0) {
                return null;
            }
            from = s.substring(j + 9, end);
            j = end + 1;
        }
        if (!s.startsWith(",\"data\":", j)) {
            return null;
        }
        return new Publication(room, offset, epoch, time, from, s.substring(j + 8, s.length() - 1));
    }
}
