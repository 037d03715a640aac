package dev.roomcast.config;

import dev.roomcast.testing.ConfigKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code roomcast.*} key of the application's config mappings ({@link ConfigKeys}: found in the compiled code,
 * so a new mapping is checked without being listed here) is in a README table with its default, and every key the
 * README documents exists.
 */
class ConfigurationDocsTest {

    /** A README table row: | `roomcast.key` | default | meaning |. */
    private static final Pattern ROW = Pattern.compile("^\\| `(roomcast\\.[a-z0-9.-]+)` \\| ([^|]*) \\|(.*)\\|\\s*$");

    /** key → default (null: none), from the mappings. */
    static Map<String, String> keys;
    /** key → the README row's default cell and whole row. */
    static Map<String, String[]> documented;

    @BeforeAll
    static void read() throws IOException {
        keys = ConfigKeys.all();
        documented = new TreeMap<>();
        Path readme = Path.of(System.getProperty("basedir", ".")).resolve("README.md");
        for (String line : Files.readAllLines(readme)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                documented.put(m.group(1), new String[] {m.group(2).trim(), line});
            }
        }
    }

    @Test
    void everyKeyIsInTheReadmeWithItsDefault() {
        assertThat(keys).as("keys found in the config mappings").containsKeys("roomcast.auth.mode",
                "roomcast.auth.subscription-token.key", "roomcast.hooks.join.rooms", "roomcast.webhooks.retry.max-backoff",
                "roomcast.api.idempotency-window");
        List<String> problems = new ArrayList<>();
        keys.forEach((key, defaultValue) -> {
            String[] row = documented.get(key);
            if (row == null) {
                problems.add(key + ": not in the README's configuration table");
            } else if (defaultValue == null && !row[0].startsWith("*(")) {
                problems.add(key + ": has no default, the README says " + row[0] + " (expected *(…)*)");
            } else if (defaultValue != null && !documentsDefault(row, defaultValue)) {
                problems.add(key + ": default " + defaultValue + ", the README says " + row[0]);
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void everyDocumentedKeyExists() {
        assertThat(documented.keySet()).as("README keys that no config mapping has").isSubsetOf(keys.keySet());
    }

    /**
     * The default cell shows {@code `value`}; a list default too long for the cell ({@code roomcast.webhooks.events})
     * may instead have each of its elements as {@code `element`} in the row.
     */
    private static boolean documentsDefault(String[] row, String defaultValue) {
        if (row[0].contains("`" + defaultValue + "`")) {
            return true;
        }
        List<String> elements = Arrays.asList(defaultValue.split(","));
        return elements.size() > 1 && elements.stream().allMatch(e -> row[1].contains("`" + e + "`"));
    }
}
