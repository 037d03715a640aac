package dev.roomcast.metrics;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code promtool check metrics} on a scrape (valid exposition format, lint-clean). promtool comes from the Debian
 * package {@code prometheus}; without it on PATH the check is skipped with a message — unless
 * {@code -Dpromtool.required=true} or the environment has CI=true, where it fails.
 */
final class Promtool {

    static final String REQUIRE_PROMTOOL = "promtool.required";

    private Promtool() {
    }

    /** Fails the test with promtool's output unless the scrape (Prometheus text format) passes. */
    static void checkMetrics(String scrape, String what) throws IOException, InterruptedException {
        File promtool = onPath("promtool");
        if (promtool == null) {
            String message = "promtool is not on PATH: skipping `promtool check metrics` of " + what
                    + " (install the Debian package: apt-get install -y prometheus)";
            // CI (CI=true, where .ci/run installs promtool) must run the check, never skip it.
            if (Boolean.getBoolean(REQUIRE_PROMTOOL) || "true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("promtool is not on PATH, and -D" + REQUIRE_PROMTOOL + "=true requires `promtool check metrics` "
                        + "(install the Debian package: apt-get install -y prometheus)");
            }
            System.out.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        Process p = new ProcessBuilder(promtool.getPath(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8)); // the scrape on stdin
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics exit code for %s; output:\n%s", what, output).isZero();
        System.out.println("promtool check metrics of " + what + ": OK (" + scrape.lines().count() + " lines)"
                + (output.isBlank() ? "" : "\n" + output));
    }

    static File onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, tool);
            if (f.isFile() && f.canExecute()) {
                return f;
            }
        }
        return null;
    }
}
