package dev.roomcast.metrics;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds the metric names a PromQL expression (as written in a Grafana dashboard) selects: identifiers that
 * are not functions, keywords, label names (inside {@code {...}} or a {@code by/without/on/ignoring (...)}
 * list), durations, numbers, strings or Grafana variables ({@code $x}, {@code ${x}}).
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan",
            // aggregation operators may be followed by "by (...)" before their parenthesis
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    private PromQl() {
    }

    static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        String previousWord = null;
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
                previousWord = null;
            } else if (c == '{') {
                i = skipTo(expr, i, '}');
                previousWord = null;
            } else if (c == '[') {
                i = skipTo(expr, i, ']');
                previousWord = null;
            } else if (c == '$') {
                i++;
                if (i < n && expr.charAt(i) == '{') {
                    i = skipTo(expr, i, '}');
                } else {
                    while (i < n && isWordChar(expr.charAt(i))) {
                        i++;
                    }
                }
                previousWord = null;
            } else if (c == '(' && previousWord != null && LABEL_LISTS.contains(previousWord)) {
                i = skipTo(expr, i, ')');
                previousWord = null;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                while (i < n && (isWordChar(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
                previousWord = null;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (isWordChar(expr.charAt(i)) || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int j = i;
                while (j < n && Character.isWhitespace(expr.charAt(j))) {
                    j++;
                }
                boolean call = j < n && expr.charAt(j) == '(';
                String lower = word.toLowerCase();
                if (!call && !KEYWORDS.contains(lower)) {
                    names.add(word);
                }
                previousWord = lower;
            } else {
                if (!Character.isWhitespace(c)) {
                    previousWord = null;
                }
                i++;
            }
        }
        return names;
    }

    /** The metric of a Grafana {@code label_values(metric{...}, label)} variable query, or null. */
    static String labelValuesMetric(String query) {
        String q = query.trim();
        if (!q.startsWith("label_values(")) {
            return null;
        }
        String inner = q.substring("label_values(".length());
        int end = 0;
        while (end < inner.length() && (isWordChar(inner.charAt(end)) || inner.charAt(end) == ':')) {
            end++;
        }
        return end == 0 ? null : inner.substring(0, end);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static int skipString(String s, int i) {
        char quote = s.charAt(i);
        i++;
        while (i < s.length() && s.charAt(i) != quote) {
            if (s.charAt(i) == '\\') {
                i++;
            }
            i++;
        }
        return i + 1;
    }

    private static int skipTo(String s, int i, char close) {
        while (i < s.length() && s.charAt(i) != close) {
            if (s.charAt(i) == '"') {
                i = skipString(s, i);
                continue;
            }
            i++;
        }
        return i + 1;
    }
}
