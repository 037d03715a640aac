package dev.roomcast.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The result of a run: a two-level map printed as a table and as one JSON line. */
public final class Report {
    final Map<String, Object> root = new LinkedHashMap<>();

    Map<String, Object> section(String name) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) root.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
        return m;
    }

    /** Percentiles of a histogram of microseconds, in milliseconds. */
    static Map<String, Object> millis(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return m;
        }
        m.put("p50", ms(h.getValueAtPercentile(50)));
        m.put("p90", ms(h.getValueAtPercentile(90)));
        m.put("p99", ms(h.getValueAtPercentile(99)));
        m.put("p99.9", ms(h.getValueAtPercentile(99.9)));
        m.put("max", ms(h.getMaxValue()));
        m.put("mean", ms(h.getMean()));
        return m;
    }

    static double ms(double micros) {
        return Math.round(micros) / 1000.0;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    String json() {
        return Json.write(root);
    }

    void print(PrintStream out) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : root.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m) {
                sb.append(e.getKey()).append('\n');
                for (Map.Entry<?, ?> f : m.entrySet()) {
                    line(sb, "  ", String.valueOf(f.getKey()), f.getValue());
                }
            } else {
                line(sb, "", e.getKey(), e.getValue());
            }
        }
        out.print(sb);
        out.flush();
    }

    private static void line(StringBuilder sb, String indent, String key, Object v) {
        sb.append(indent).append(key);
        int pad = 34 - indent.length() - key.length();
        sb.append(" ".repeat(Math.max(1, pad)));
        if (v instanceof Map<?, ?> m && isLatency(m)) {
            sb.append(String.format(Locale.ROOT, "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  (n=%s)",
                    m.get("p50"), m.get("p90"), m.get("p99"), m.get("p99.9"), m.get("max"), m.get("count")));
        } else if (v instanceof Map<?, ?> || v instanceof List<?>) {
            sb.append(Json.write(v));
        } else if (v instanceof Double d) {
            sb.append(Json.write(d));
        } else {
            sb.append(v);
        }
        sb.append('\n');
    }

    private static boolean isLatency(Map<?, ?> m) {
        return m.containsKey("p50") && m.containsKey("p99.9");
    }

    void writeTo(String file) throws IOException {
        if (file != null && !file.isEmpty()) {
            Path p = Path.of(file);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, json() + "\n");
        }
    }
}
