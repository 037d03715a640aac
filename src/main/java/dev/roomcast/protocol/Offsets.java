package dev.roomcast.protocol;

/**
 * Offsets are opaque to clients but ordered: {@code N} (memory broker) or {@code MS-SEQ} (Redis stream
 * ids). Both compare as a pair of non-negative longs.
 */
public final class Offsets {

    private Offsets() {
    }

    /** True when {@code s} is a syntactically valid offset. */
    public static boolean isValid(String s) {
        if (s == null || s.isEmpty() || s.length() > 41) {
            return false;
        }
        int dash = s.indexOf('-');
        return dash < 0 ? isDigits(s, 0, s.length()) : isDigits(s, 0, dash) && isDigits(s, dash + 1, s.length());
    }

    public static int compare(String a, String b) {
        long[] x = parse(a), y = parse(b);
        int c = Long.compare(x[0], y[0]);
        return c != 0 ? c : Long.compare(x[1], y[1]);
    }

    public static long[] parse(String s) {
        int dash = s.indexOf('-');
        if (dash < 0) {
            return new long[] {Long.parseLong(s), 0};
        }
        return new long[] {Long.parseLong(s, 0, dash, 10), Long.parseLong(s, dash + 1, s.length(), 10)};
    }

    private static boolean isDigits(String s, int from, int to) {
        if (to <= from || to - from > 19) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
