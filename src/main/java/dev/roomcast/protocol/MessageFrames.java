package dev.roomcast.protocol;

/**
 * The client frames of what the broker delivers: {@code message} (a room's publication), {@code direct} (a user's)
 * and the presence events {@code joined}/{@code left}. Built once per node per publication or event, on the node
 * that delivers it, and shared by every local recipient as one {@link OutboundFrame}.
 * Hand-encoded rather than serialized by Jackson: this runs for every delivered message, and a
 * {@code StringBuilder} sized once with the data appended untouched costs one copy and no reflection or
 * intermediate tree; the fields are fixed and {@code room}/{@code offset}/{@code epoch} need no escaping
 * ({@link Names}, {@link Offsets}, hex epochs).
 */
public final class MessageFrames {

    private MessageFrames() {
    }

    /** {@code {"type":"message","room":..,"offset":..,"epoch":..,"ts":..,"from":..,"data":..}}. */
    public static OutboundFrame message(Publication p) {
        String offset = p.offset().toString();
        StringBuilder sb = new StringBuilder(p.data().length() + p.room().length() + offset.length() + 112);
        sb.append("{\"type\":\"message\",\"room\":\"").append(p.room())
                .append("\",\"offset\":\"").append(offset)
                .append("\",\"epoch\":\"").append(p.epoch()).append("\",");
        appendBody(sb, p);
        return OutboundFrame.message(sb.toString(), p.room(), p.offset(), p.time());
    }

    /** {@code {"type":"direct","ts":..,"from":..,"data":..}}. */
    public static OutboundFrame direct(Publication p) {
        StringBuilder sb = new StringBuilder(p.data().length() + 64);
        sb.append("{\"type\":\"direct\",");
        appendBody(sb, p);
        return OutboundFrame.direct(sb.toString(), p.time());
    }

    /**
     * {@code {"type":"joined"|"left","room":..,"user":..}}; room and user names need no JSON escaping
     * ({@link Names}).
     */
    public static OutboundFrame presence(PresenceEvent e) {
        String text = "{\"type\":\"" + e.type().name() + "\",\"room\":\"" + e.room() + "\",\"user\":\"" + e.user() + "\"}";
        return OutboundFrame.presenceEvent(text, e.room());
    }

    /** {@code "ts":..,"from":..,"data":..}}; {@code from} is left out when null. */
    private static void appendBody(StringBuilder sb, Publication p) {
        sb.append("\"ts\":").append(p.time());
        if (p.from() != null) {
            sb.append(",\"from\":");
            Json.appendQuoted(sb, p.from());
        }
        sb.append(",\"data\":").append(p.data()).append('}');
    }
}
