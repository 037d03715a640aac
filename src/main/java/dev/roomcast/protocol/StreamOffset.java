package dev.roomcast.protocol;

/**
 * A position in a room's history, parsed once where it enters the node (a client's {@code since}, a Redis stream
 * id, the memory broker's counter) and compared as numbers from then on. Two shapes, as {@link Offsets} accepts
 * them: {@code N} (memory broker) and {@code MS-SEQ} (Redis stream ids); {@code N} orders as {@code N-0}. The text
 * is kept as it was given, so it goes back on the wire unchanged and without formatting.
 */
public final class StreamOffset implements Comparable<StreamOffset> {

    private final long major;
    private final long minor;
    private final String text;

    private StreamOffset(long major, long minor, String text) {
        this.major = major;
        this.minor = minor;
        this.text = text;
    }

    /** The offset {@code s} names, or null when it is not a valid offset. */
    public static StreamOffset parse(String s) {
        if (!Offsets.isValid(s)) {
            return null;
        }
        int dash = s.indexOf('-');
        try {
            return dash < 0
                    ? new StreamOffset(Long.parseLong(s), 0, s)
                    : new StreamOffset(Long.parseLong(s, 0, dash, 10), Long.parseLong(s, dash + 1, s.length(), 10), s);
        } catch (NumberFormatException e) {
            return null; // 19 digits beyond Long.MAX_VALUE
        }
    }

    /** A counter offset ({@code N}), as the memory broker gives them. */
    public static StreamOffset of(long n) {
        return new StreamOffset(n, 0, Long.toString(n));
    }

    /** The first number: the counter, or a stream id's milliseconds. */
    public long major() {
        return major;
    }

    /** The second number of a stream id; 0 for a counter. */
    public long minor() {
        return minor;
    }

    /** Whether it was written {@code MS-SEQ}. */
    public boolean isPair() {
        return text.indexOf('-') >= 0;
    }

    @Override
    public int compareTo(StreamOffset o) {
        int c = Long.compare(major, o.major);
        return c != 0 ? c : Long.compare(minor, o.minor);
    }

    public boolean isAfter(StreamOffset o) {
        return compareTo(o) > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamOffset s && s.major == major && s.minor == minor;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(major) * 31 + Long.hashCode(minor);
    }

    /** The offset as clients see it. */
    @Override
    public String toString() {
        return text;
    }
}
