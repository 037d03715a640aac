package dev.roomcast.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** A parsed Prometheus text-format scrape (0.0.4), enough for assertions on names, labels and values. */
record Scrape(String text, List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            if (brace >= 0 && (space < 0 || brace < space)) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq).trim();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // skip ="
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            value.append(n == 'n' ? '\n' : n);
                        } else {
                            value.append(c);
                        }
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                rest = line.substring(i + 1).trim();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).trim();
            }
            String v = rest.split("\\s+")[0];
            samples.add(new Sample(name, labels, parseValue(v)));
        }
        return new Scrape(text, samples);
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    Set<String> names() {
        return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
    }

    List<Sample> of(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** Distinct values of {@code label} among the samples of {@code name}. */
    Set<String> labelValues(String name, String label) {
        return of(name).stream().map(s -> s.labels().get(label)).filter(v -> v != null)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Value of the one sample of {@code name} whose labels include {@code match}; NaN if none. */
    double value(String name, Map<String, String> match) {
        return of(name).stream().filter(s -> s.labels().entrySet().containsAll(match.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    double value(String name) {
        return value(name, Map.of());
    }

    /** Every metric name carrying a {@code room} label with value {@code room}. */
    Set<String> namesWithRoom(String room) {
        return samples.stream().filter(s -> room.equals(s.labels().get("room"))).map(Sample::name)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
