package dev.roomcast.node;

/** What the backend's hooks add to a reply frame: a {@code data} member, only when a hook returned some. */
public final class HookReplies {

    private HookReplies() {
    }

    /** {@code frame} (a JSON object) with {@code "data":<data>} appended; {@code frame} itself when data is null. */
    public static String withData(String frame, String data) {
        if (data == null) {
            return frame;
        }
        return frame.substring(0, frame.length() - 1) + ",\"data\":" + data + "}";
    }
}
