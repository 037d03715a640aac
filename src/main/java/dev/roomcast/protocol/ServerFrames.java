package dev.roomcast.protocol;

import java.util.List;

/** Encoders of the server's reply frames (messages are built in {@link MessageFrames}). */
public final class ServerFrames {

    private ServerFrames() {
    }

    public static String welcome(String user, String connection, String node) {
        return "{\"type\":\"welcome\",\"user\":" + Json.quote(user) + ",\"connection\":" + Json.quote(connection)
                + ",\"node\":" + Json.quote(node) + ",\"protocol\":1}";
    }

    public static String ack(String id) {
        return "{\"type\":\"ack\",\"id\":" + Json.quote(id) + "}";
    }

    public static String ack(String id, String room) {
        StringBuilder sb = new StringBuilder("{\"type\":\"ack\"");
        if (id != null) {
            sb.append(",\"id\":");
            Json.appendQuoted(sb, id);
        }
        sb.append(",\"room\":\"").append(room).append("\"}");
        return sb.toString();
    }

    /** Join ack: where the room's history stands, and whether a requested recovery was complete. */
    public static String joinAck(String id, String room, String epoch, StreamOffset offset, Boolean recovered) {
        StringBuilder sb = new StringBuilder("{\"type\":\"ack\"");
        if (id != null) {
            sb.append(",\"id\":");
            Json.appendQuoted(sb, id);
        }
        sb.append(",\"room\":\"").append(room).append('"');
        sb.append(",\"epoch\":").append(Json.quote(epoch));
        sb.append(",\"offset\":").append(Json.quote(offset == null ? null : offset.toString()));
        if (recovered != null) {
            sb.append(",\"recovered\":").append(recovered);
        }
        return sb.append('}').toString();
    }

    public static String error(String id, ErrorCode code, String message) {
        StringBuilder sb = new StringBuilder("{\"type\":\"error\"");
        if (id != null) {
            sb.append(",\"id\":");
            Json.appendQuoted(sb, id);
        }
        sb.append(",\"code\":\"").append(code.name()).append("\",\"message\":");
        Json.appendQuoted(sb, message);
        return sb.append('}').toString();
    }

    public static String presence(String id, String room, List<Member> members) {
        StringBuilder sb = new StringBuilder(64 + members.size() * 40);
        sb.append("{\"type\":\"presence\"");
        if (id != null) {
            sb.append(",\"id\":");
            Json.appendQuoted(sb, id);
        }
        sb.append(",\"room\":\"").append(room).append("\",\"count\":").append(members.size()).append(",\"members\":[");
        appendMembers(sb, members);
        return sb.append("]}").toString();
    }

    /** {@code {"user":"alice","connections":2},...} — also used by the HTTP API. */
    public static void appendMembers(StringBuilder sb, List<Member> members) {
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"user\":\"").append(m.user()).append("\",\"connections\":").append(m.connections()).append('}');
        }
    }

    public static String pong(String id) {
        return id == null ? "{\"type\":\"pong\"}" : "{\"type\":\"pong\",\"id\":" + Json.quote(id) + "}";
    }

    /** Ack of a {@code refresh}: the new token's {@code exp} (seconds since the Unix epoch). */
    public static String refreshAck(String id, long expires) {
        StringBuilder sb = new StringBuilder("{\"type\":\"ack\"");
        if (id != null) {
            sb.append(",\"id\":");
            Json.appendQuoted(sb, id);
        }
        return sb.append(",\"expires\":").append(expires).append('}').toString();
    }

    /** Pushed ahead of the token's expiry: send a {@code refresh} with a new token before {@code expires}. */
    public static String refreshDue(long expires) {
        return "{\"type\":\"refresh\",\"expires\":" + expires + "}";
    }

    /** The connection was taken out of {@code room} by the server (not by its own {@code leave}). */
    public static String removed(String room, String reason) {
        return "{\"type\":\"removed\",\"room\":" + Json.quote(room) + ",\"reason\":" + Json.quote(reason) + "}";
    }
}
