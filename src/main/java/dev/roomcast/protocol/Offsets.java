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

    /** Compares two valid offsets without allocating: it runs once per delivered message per node. */
    public static int compare(String a, String b) {
        int da = a.indexOf('-'), db = b.indexOf('-');
        int c = Long.compare(Long.parseLong(a, 0, da < 0 ? a.length() : da, 10),
                Long.parseLong(b, 0, db < 0 ? b.length() : db, 10));
        if (c != 0) {
            return c;
        }
        long sa = da < 0 ? 0 : Long.parseLong(a, da + 1, a.length(), 10);
        long sb = db < 0 ? 0 : Long.parseLong(b, db + 1, b.length(), 10);
        return Long.compare(sa, sb);
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
