package dev.roomcast.protocol;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/** Tiny helpers for building server frames by concatenation, which is cheaper than a serializer here. */
public final class Json {

    private Json() {
    }

    /** {@code s} as a JSON string literal, quotes included; {@code null} as {@code null}. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        if (isPlain(s)) {
            return '"' + s + '"';
        }
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }

    public static void appendQuoted(StringBuilder sb, String s) {
        if (isPlain(s)) {
            sb.append('"').append(s).append('"');
        } else {
            sb.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
        }
    }

    private static boolean isPlain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
