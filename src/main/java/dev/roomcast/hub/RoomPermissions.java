package dev.roomcast.hub;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which rooms a connection may join and publish to: glob patterns where {@code *} matches any run of
 * characters. {@link #ALL} when authentication carries no restriction.
 */
public final class RoomPermissions {

    public static final RoomPermissions ALL = new RoomPermissions(null, null);

    private final List<Pattern> join;
    private final List<Pattern> publish;

    private RoomPermissions(List<Pattern> join, List<Pattern> publish) {
        this.join = join;
        this.publish = publish;
    }

    /** {@code null} for a list means "no restriction"; an empty list allows nothing. */
    public static RoomPermissions of(List<String> joinGlobs, List<String> publishGlobs) {
        return new RoomPermissions(compile(joinGlobs), compile(publishGlobs));
    }

    public boolean mayJoin(String room) {
        return matches(join, room);
    }

    public boolean mayPublish(String room) {
        return matches(publish, room);
    }

    private static boolean matches(List<Pattern> patterns, String room) {
        if (patterns == null) {
            return true;
        }
        for (Pattern p : patterns) {
            if (p.matcher(room).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> compile(List<String> globs) {
        if (globs == null) {
            return null;
        }
        return globs.stream().map(RoomPermissions::globToRegex).map(Pattern::compile).toList();
    }

    static String globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        String[] parts = glob.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append(".*");
            }
            if (!parts[i].isEmpty()) {
                sb.append(Pattern.quote(parts[i]));
            }
        }
        return sb.toString();
    }
}
