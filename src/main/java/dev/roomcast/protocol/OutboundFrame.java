package dev.roomcast.protocol;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * A server frame, serialized once and written as the same bytes to every local recipient.
 * The transport's encoding of it (for WebSockets: a complete frame, header included) is built on
 * first use and cached here, so a fan-out to N connections encodes once, not N times.
 */
public final class OutboundFrame {

    public enum Kind { REPLY, MESSAGE, DIRECT, PRESENCE_EVENT }

    private final String text;
    private final Kind kind;
    private final String room;
    private final StreamOffset offset;
    private final long publishedAtMillis;
    private volatile Object encoded;

    private OutboundFrame(String text, Kind kind, String room, StreamOffset offset, long publishedAtMillis) {
        this.text = text;
        this.kind = kind;
        this.room = room;
        this.offset = offset;
        this.publishedAtMillis = publishedAtMillis;
    }

    public static OutboundFrame reply(String text) {
        return new OutboundFrame(text, Kind.REPLY, null, null, 0);
    }

    public static OutboundFrame message(String text, String room, StreamOffset offset, long publishedAtMillis) {
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
    public StreamOffset offset() {
        return offset;
    }

    /** Wall-clock time the publishing node stamped, for publish→deliver latency; 0 when unknown. */
    public long publishedAtMillis() {
        return publishedAtMillis;
    }

    /** The frame's UTF-8 bytes; a new array on each call. */
    public byte[] utf8Bytes() {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The frame as the transport writes it, built by {@code encoder} on first use and shared by every
     * recipient afterwards: the result must be immutable (or only ever used through read-only views).
     * There is one transport per node, so one cached encoding is enough; two threads racing on the first
     * use may both encode, which is harmless.
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Function<OutboundFrame, T> encoder) {
        Object e = encoded;
        if (e == null) {
            e = encoder.apply(this);
            encoded = e;
        }
        return (T) e;
    }

    /** Size used for outbound queue accounting; chars are close enough to bytes for a bound. */
    public int weight() {
        return text.length();
    }
}
