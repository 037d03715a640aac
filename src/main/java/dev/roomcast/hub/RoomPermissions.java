package dev.roomcast.hub;

import java.util.ArrayList;
import java.util.List;

/**
 * Which rooms a connection may join and publish to: glob patterns where {@code *} matches any run of
 * characters. {@link #ALL} when authentication carries no restriction.
 * <p>
 * Patterns come from tokens and room names from clients, so matching must never backtrack: a pattern is
 * split at its stars once, and a name is matched in one left-to-right pass — the first piece as a prefix,
 * the last as a suffix, each piece between at its leftmost occurrence after the previous one (for
 * {@code *}-only globs the leftmost occurrence is always a right choice). A match costs at most
 * name length × pattern length character comparisons, and both are bounded ({@link #MAX_PATTERN_LENGTH},
 * 128-character room names), as is the number of patterns ({@link #MAX_PATTERNS}).
 */
public final class RoomPermissions {

    /** Patterns per action (join, publish) a token may carry; more refuse the token. */
    public static final int MAX_PATTERNS = 64;
    /** Characters per pattern; longer refuses the token (room names are at most 128). */
    public static final int MAX_PATTERN_LENGTH = 256;

    public static final RoomPermissions ALL = new RoomPermissions(null, null);

    private final List<Glob> join;
    private final List<Glob> publish;

    private RoomPermissions(List<Glob> join, List<Glob> publish) {
        this.join = join;
        this.publish = publish;
    }

    /**
     * {@code null} for a list means "no restriction"; an empty list allows nothing.
     *
     * @throws IllegalArgumentException over {@link #MAX_PATTERNS} patterns or a pattern over
     *                                  {@link #MAX_PATTERN_LENGTH} characters
     */
    public static RoomPermissions of(List<String> joinGlobs, List<String> publishGlobs) {
        return new RoomPermissions(compile(joinGlobs), compile(publishGlobs));
    }

    public boolean mayJoin(String room) {
        return matches(join, room);
    }

    public boolean mayPublish(String room) {
        return matches(publish, room);
    }

    private static boolean matches(List<Glob> globs, String room) {
        if (globs == null) {
            return true;
        }
        for (Glob g : globs) {
            if (g.matches(room)) {
                return true;
            }
        }
        return false;
    }

    private static List<Glob> compile(List<String> globs) {
        if (globs == null) {
            return null;
        }
        if (globs.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException(globs.size() + " patterns, at most " + MAX_PATTERNS + " are allowed");
        }
        List<Glob> compiled = new ArrayList<>(globs.size());
        for (String g : globs) {
            if (g.length() > MAX_PATTERN_LENGTH) {
                throw new IllegalArgumentException("a pattern of " + g.length() + " characters, at most "
                        + MAX_PATTERN_LENGTH + " are allowed");
            }
            compiled.add(Glob.of(g));
        }
        return List.copyOf(compiled);
    }

    /** {@code true} when {@code glob} matches all of {@code name}. */
    static boolean matches(String glob, String name) {
        return Glob.of(glob).matches(name);
    }

    /**
     * A glob split at its stars: {@code pieces[0]} must start the name, the last piece end it (when the
     * glob does not end with a star), and the pieces between follow in order with anything between them.
     */
    private record Glob(String[] pieces, boolean starred) {

        static Glob of(String glob) {
            // split(-1) keeps empty pieces: "a**b" → ["a", "", "b"]; empty pieces match trivially.
            return new Glob(glob.split("\\*", -1), glob.indexOf('*') >= 0);
        }

        boolean matches(String name) {
            if (!starred) {
                return pieces[0].equals(name);
            }
            String first = pieces[0];
            String last = pieces[pieces.length - 1];
            if (name.length() < first.length() + last.length() || !name.startsWith(first)
                    || !name.endsWith(last)) {
                return false;
            }
            int from = first.length();
            int end = name.length() - last.length(); // the middle pieces must fit before the suffix
            for (int i = 1; i < pieces.length - 1; i++) {
                String piece = pieces[i];
                if (piece.isEmpty()) {
                    continue;
                }
                int at = name.indexOf(piece, from);
                if (at < 0 || at + piece.length() > end) {
                    return false;
                }
                from = at + piece.length();
            }
            return true;
        }
    }
}
