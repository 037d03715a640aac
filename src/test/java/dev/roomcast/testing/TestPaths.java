package dev.roomcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where test artifacts (logs) go: under the module's target/ so CI can archive them after a failure. */
public final class TestPaths {

    private TestPaths() {
    }

    /** The build directory; surefire/failsafe set {@code basedir}, an IDE usually runs from the module root. */
    public static Path target() {
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("target");
    }

    /** {@code target/<name>}, created if missing. */
    public static Path targetSubdir(String name) {
        Path dir = target().resolve(name);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Last {@code maxLines} lines of a log, from byte offset {@code from} (to skip earlier runs in an appended log). */
    public static String tail(Path log, long from, int maxLines) {
        try {
            if (!Files.exists(log)) {
                return "(no log at " + log + ")";
            }
            byte[] bytes = Files.readAllBytes(log);
            int start = (int) Math.min(Math.max(from, 0), bytes.length);
            String text = new String(bytes, start, bytes.length - start, java.nio.charset.StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            int first = Math.max(0, lines.length - maxLines);
            return String.join("\n", java.util.Arrays.copyOfRange(lines, first, lines.length));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }
}
