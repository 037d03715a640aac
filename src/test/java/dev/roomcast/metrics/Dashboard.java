package dev.roomcast.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** grafana/dashboards/roomcast.json: its panels' PromQL and its variables' queries. */
record Dashboard(JsonNode json) {

    static Path path() {
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath()
                .resolve("grafana/dashboards/roomcast.json");
    }

    static Dashboard load() {
        try {
            return new Dashboard(new ObjectMapper().readTree(Files.readString(path())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every panel, rows' nested panels included. */
    List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : json.path("panels")) {
            out.add(p);
            for (JsonNode nested : p.path("panels")) {
                out.add(nested);
            }
        }
        return out;
    }

    List<JsonNode> targets() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : panels()) {
            p.path("targets").forEach(out::add);
        }
        return out;
    }

    List<String> exprs() {
        return targets().stream().map(t -> t.path("expr").asText()).toList();
    }

    List<JsonNode> variables() {
        List<JsonNode> out = new ArrayList<>();
        json.path("templating").path("list").forEach(out::add);
        return out;
    }

    JsonNode variable(String name) {
        return variables().stream().filter(v -> name.equals(v.path("name").asText())).findFirst().orElse(null);
    }

    /** A query variable's query: a string in older dashboards, {"query": ...} in newer ones. */
    static String variableQuery(JsonNode variable) {
        JsonNode q = variable.path("query");
        return q.isObject() ? q.path("query").asText() : q.asText();
    }

    /** Every metric name the dashboard selects, in panels and in variable queries. */
    Set<String> metricNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String expr : exprs()) {
            names.addAll(PromQl.metricNames(expr));
        }
        for (JsonNode v : variables()) {
            if ("query".equals(v.path("type").asText())) {
                String metric = PromQl.labelValuesMetric(variableQuery(v));
                if (metric != null) {
                    names.add(metric);
                }
            }
        }
        return names;
    }
}
