package dev.roomcast.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON for what the server writes: {@link #write} (Jackson, for replies and responses built from records) and
 * quoting helpers for the frames built by concatenation on the hot path ({@link MessageFrames}).
 */
public final class Json {

    private static final ObjectWriter WRITER = JsonMapper.builder().build().writer();

    private Json() {
    }

    /** {@code value} (a record, usually) as compact JSON. */
    public static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serializable: " + value, e);
        }
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
