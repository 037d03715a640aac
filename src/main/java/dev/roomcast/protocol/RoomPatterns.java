package dev.roomcast.protocol;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Room globs of the configuration (hooks, webhooks): {@code *} matches any run of characters, the rest literally.
 * No glob matches no room.
 */
public final class RoomPatterns {

    private final Pattern pattern;
    private final boolean all;

    public RoomPatterns(List<String> globs) {
        this.all = globs.contains("*");
        StringBuilder regex = new StringBuilder();
        for (String glob : globs) {
            if (glob.isBlank()) {
                continue;
            }
            if (!regex.isEmpty()) {
                regex.append('|');
            }
            for (String literal : glob.split("\\*", -1)) {
                regex.append(Pattern.quote(literal)).append(".*");
            }
            regex.setLength(regex.length() - 2);
        }
        this.pattern = regex.isEmpty() ? null : Pattern.compile(regex.toString());
    }

    public boolean matches(String room) {
        return all || (pattern != null && pattern.matcher(room).matches());
    }

    /** Whether no room can match. */
    public boolean isEmpty() {
        return !all && pattern == null;
    }
}
