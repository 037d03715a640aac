package dev.roomcast.hub;

import java.nio.charset.StandardCharsets;

/**
 * A server frame, serialized once and written as the same text to every local recipient.
 * The UTF-8 bytes are encoded lazily, once, for writers that take bytes.
 */
public final class OutboundFrame {

    public enum Kind { REPLY, MESSAGE, DIRECT, PRESENCE_EVENT }

    private final String text;
    private final Kind kind;
    private final String room;
    private final String offset;
    private final long publishedAtMillis;
    private volatile byte[] utf8;

    private OutboundFrame(String text, Kind kind, String room, String offset, long publishedAtMillis) {
        this.text = text;
        this.kind = kind;
        this.room = room;
        this.offset = offset;
        this.publishedAtMillis = publishedAtMillis;
    }

    public static OutboundFrame reply(String text) {
        return new OutboundFrame(text, Kind.REPLY, null, null, 0);
    }

    public static OutboundFrame message(String text, String room, String offset, long publishedAtMillis) {
        return new OutboundFrame(text, Kind.MESSAGE, room, offset, publishedAtMillis);
    }

    public static OutboundFrame direct(String text, long publishedAtMillis) {
        return new OutboundFrame(text, Kind.DIRECT, null, null, publishedAtMillis);
    }

    public static OutboundFrame presenceEvent(String text, String room) {
        return new OutboundFrame(text, Kind.PRESENCE_EVENT, room, null, 0);
    }

    public String text() {
        return text;
    }

    public Kind kind() {
        return kind;
    }

    public String room() {
        return room;
    }

    /** Stream offset of a room message, {@code null} for everything else. */
    public String offset() {
        return offset;
    }

    /** Wall-clock time the publishing node stamped, for publish→deliver latency; 0 when unknown. */
    public long publishedAtMillis() {
        return publishedAtMillis;
    }

    /** The frame's UTF-8 bytes, encoded on first use and shared by every recipient: never modify. */
    public byte[] utf8Bytes() {
        byte[] b = utf8;
        if (b == null) {
            b = text.getBytes(StandardCharsets.UTF_8);
            utf8 = b;
        }
        return b;
    }

    /** Size used for outbound queue accounting; chars are close enough to bytes for a bound. */
    public int weight() {
        return text.length();
    }
}
