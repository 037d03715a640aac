package dev.roomcast.bench;

import java.nio.charset.StandardCharsets;

/**
 * Cheap, allocation-free field extraction from the server's JSON text frames: no JSON parse on the hot path.
 * Only what the bench needs: the frame {@code type}, numbers {@code t}/{@code s}/{@code r} inside {@code data},
 * the {@code id} of an ack and a comparison of the {@code room} string. Whitespace around ':' is tolerated;
 * field order is not assumed.
 */
public final class FrameScanner {

    public static final int OTHER = 0;
    public static final int MESSAGE = 1;
    public static final int ACK = 2;
    public static final int WELCOME = 3;
    public static final int ERROR = 4;
    public static final int DIRECT = 5;

    public static final long MISSING = Long.MIN_VALUE;

    static final byte[] TYPE = key("type");
    static final byte[] DATA = key("data");
    static final byte[] ROOM = key("room");
    static final byte[] ID = key("id");
    static final byte[] CODE = key("code");
    static final byte[] NODE = key("node");
    static final byte[] ERROR_KEY = key("error");
    static final byte[] T = key("t");
    static final byte[] S = key("s");
    static final byte[] R = key("r");

    private FrameScanner() {
    }

    static byte[] key(String k) {
        return ("\"" + k + "\"").getBytes(StandardCharsets.US_ASCII);
    }

    /** The frame type, one of the constants above. */
    public static int type(Frame b) {
        int v = valueStart(b, 0, TYPE);
        if (v < 0 || b.bytes[v] != '"') {
            return OTHER;
        }
        v++;
        int len = b.length;
        if (v >= len) {
            return OTHER;
        }
        switch (b.bytes[v]) {
            case 'm':
                return matches(b, v, "message\"") ? MESSAGE : OTHER;
            case 'a':
                return matches(b, v, "ack\"") ? ACK : OTHER;
            case 'w':
                return matches(b, v, "welcome\"") ? WELCOME : OTHER;
            case 'e':
                return matches(b, v, "error\"") ? ERROR : OTHER;
            case 'd':
                return matches(b, v, "direct\"") ? DIRECT : OTHER;
            default:
                return OTHER;
        }
    }

    /** Position just after the first {@code "data"} key's colon, or -1. */
    public static int dataStart(Frame b) {
        return valueStart(b, 0, DATA);
    }

    /** Reads the integer value of {@code key} (a {@link #key} byte array) found at or after {@code from}. */
    public static long longField(Frame b, int from, byte[] key) {
        int v = valueStart(b, from, key);
        if (v < 0) {
            return MISSING;
        }
        return parseLong(b, v);
    }

    /** Reads a string value that holds a decimal integer (e.g. our join ids), or MISSING. */
    public static long stringIntField(Frame b, int from, byte[] key) {
        int v = valueStart(b, from, key);
        if (v < 0 || b.bytes[v] != '"') {
            return MISSING;
        }
        return parseLong(b, v + 1);
    }

    /** A string value (allocates: for rare frames such as errors), or null. */
    public static String stringField(Frame b, byte[] key) {
        int v = valueStart(b, 0, key);
        if (v < 0 || b.bytes[v] != '"') {
            return null;
        }
        int end = v + 1;
        int len = b.length;
        while (end < len && b.bytes[end] != '"') {
            if (b.bytes[end] == '\\') {
                end++;
            }
            end++;
        }
        return b.string(v + 1, Math.min(end, len));
    }

    /** Whether the string value of the first {@code "room"} key equals {@code expected} (quotes excluded). */
    public static boolean roomEquals(Frame b, byte[] expected) {
        int v = valueStart(b, 0, ROOM);
        if (v < 0 || b.bytes[v] != '"') {
            return false;
        }
        v++;
        int len = b.length;
        if (v + expected.length >= len) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (b.bytes[v + i] != expected[i]) {
                return false;
            }
        }
        return b.bytes[v + expected.length] == '"';
    }

    /** Index of the first byte of the value of {@code key} at or after {@code from}, or -1. */
    static int valueStart(Frame b, int from, byte[] key) {
        int len = b.length;
        int at = from;
        while (true) {
            int k = indexOf(b, at, key);
            if (k < 0) {
                return -1;
            }
            int i = k + key.length;
            while (i < len && isWs(b.bytes[i])) {
                i++;
            }
            if (i < len && b.bytes[i] == ':') {
                i++;
                while (i < len && isWs(b.bytes[i])) {
                    i++;
                }
                return i < len ? i : -1;
            }
            at = k + 1; // the key text appeared as a value, keep looking
        }
    }

    static int indexOf(Frame b, int from, byte[] needle) {
        int last = b.length - needle.length;
        byte first = needle[0];
        outer:
        for (int i = Math.max(0, from); i <= last; i++) {
            if (b.bytes[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (b.bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static long parseLong(Frame b, int i) {
        int len = b.length;
        boolean neg = false;
        if (i < len && b.bytes[i] == '-') {
            neg = true;
            i++;
        }
        long n = 0;
        int digits = 0;
        while (i < len) {
            byte c = b.bytes[i];
            if (c < '0' || c > '9') {
                break;
            }
            n = n * 10 + (c - '0');
            digits++;
            i++;
        }
        if (digits == 0 || digits > 18) {
            return MISSING;
        }
        return neg ? -n : n;
    }

    static boolean matches(Frame b, int at, String s) {
        if (at + s.length() > b.length) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b.bytes[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWs(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
}
