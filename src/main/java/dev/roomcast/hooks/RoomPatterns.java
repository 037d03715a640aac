package dev.roomcast.hooks;

import java.util.List;
import java.util.regex.Pattern;

/** Room globs of a hook's configuration: {@code *} matches any run of characters, the rest literally. */
final class RoomPatterns {

    private final Pattern pattern;
    private final boolean all;

    RoomPatterns(List<String> globs) {
        this.all = globs.contains("*");
        StringBuilder regex = new StringBuilder();
        for (String glob : globs) {
            if (!regex.isEmpty()) {
                regex.append('|');
            }
            for (String literal : glob.split("\\*", -1)) {
                regex.append(Pattern.quote(literal)).append(".*");
            }
            regex.setLength(regex.length() - 2);
        }
        this.pattern = Pattern.compile(regex.toString());
    }

    boolean matches(String room) {
        return all || pattern.matcher(room).matches();
    }
}
