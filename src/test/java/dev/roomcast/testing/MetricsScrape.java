package dev.roomcast.testing;

import java.util.Map;

/** Reads counter values from a Prometheus text exposition ({@code /q/metrics}). */
public final class MetricsScrape {

    private final String text;

    private MetricsScrape(String text) {
        this.text = text;
    }

    public static MetricsScrape of(String prometheusText) {
        return new MetricsScrape(prometheusText);
    }

    /** The sum of every series of {@code name} whose labels include all of {@code labels}; 0 when there is none. */
    public double value(String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int end = line.lastIndexOf(' ');
            String series = line.substring(0, end);
            boolean all = labels.entrySet().stream()
                    .allMatch(e -> series.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) {
                sum += Double.parseDouble(line.substring(end + 1));
            }
        }
        return sum;
    }

    public double value(String name) {
        return value(name, Map.of());
    }
}
