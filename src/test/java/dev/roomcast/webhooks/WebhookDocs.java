package dev.roomcast.webhooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What docs/integration.md ("Webhooks") says, read by the tests that hold the code to it. */
final class WebhookDocs {

    static final Path PAGE = Path.of("docs", "integration.md");
    private static final Pattern FENCE = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern EVENT_ROW = Pattern.compile("^\\| `([a-z]+\\.[a-z]+)` \\|[^|]*\\| (.*) \\|$", Pattern.MULTILINE);
    private static final Pattern FIELD = Pattern.compile("`([a-z]+)`");

    private WebhookDocs() {
    }

    static String page() {
        try {
            return Files.readString(PAGE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page's code block of {@code language} that contains {@code marker}. */
    static String codeBlock(String language, String marker) {
        List<String> found = new ArrayList<>();
        Matcher m = FENCE.matcher(page());
        while (m.find()) {
            if (m.group(1).equals(language) && m.group(2).contains(marker)) {
                found.add(m.group(2));
            }
        }
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " " + language + " blocks with \"" + marker + "\" in " + PAGE);
        }
        return found.get(0);
    }

    /** The "Events" table: each type's own fields (besides id, type and time). */
    static Map<String, Set<String>> fieldsByType() {
        String page = page();
        String events = page.substring(page.indexOf("### Events"), page.indexOf("### Request", page.indexOf("### Events")));
        Map<String, Set<String>> fields = new LinkedHashMap<>();
        Matcher row = EVENT_ROW.matcher(events);
        while (row.find()) {
            Set<String> names = new TreeSet<>();
            Matcher f = FIELD.matcher(row.group(2));
            while (f.find()) {
                names.add(f.group(1));
            }
            fields.put(row.group(1), names);
        }
        return fields;
    }
}
