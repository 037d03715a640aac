package dev.roomcast.config;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
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
 * Every {@code roomcast.*} key of the application's config mappings ({@code @ConfigMapping} classes, found in the
 * compiled code, so a new mapping is checked without being listed here) is in a README table with its default, and
 * every key the README documents exists.
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
        keys = new TreeMap<>();
        for (JavaClass c : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.roomcast")) {
            if (c.isAnnotatedWith(ConfigMapping.class)) {
                Class<?> mapping = c.reflect();
                collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, keys);
            }
        }
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
                "roomcast.auth.subscription-token.key", "roomcast.hooks.join.rooms", "roomcast.webhooks.retry.max-backoff");
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

    /** The keys of one mapping interface: a method returning a nested mapping interface is a group. */
    private static void collect(String prefix, Class<?> mapping, Map<String, String> out) {
        for (Method m : mapping.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.isDefault() || m.getParameterCount() > 0) {
                continue;
            }
            WithName name = m.getAnnotation(WithName.class);
            String key = prefix + "." + (name != null ? name.value() : kebab(m.getName()));
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getDeclaringClass() != null && !type.getName().startsWith("java.")) {
                collect(key, type, out);
            } else {
                WithDefault d = m.getAnnotation(WithDefault.class);
                out.put(key, d == null ? null : d.value());
            }
        }
    }

    /** SmallRye's default naming: {@code maxConcurrency} → {@code max-concurrency}. */
    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
