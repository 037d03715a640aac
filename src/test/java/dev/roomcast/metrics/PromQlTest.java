package dev.roomcast.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTest {

    @Test
    void findsMetricNamesButNotFunctionsLabelsOrVariables() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (room, le) (rate(roomcast_room_delivery_latency_seconds_bucket{instance=~\"$instance\", room=~\"$room\"}[$__rate_interval])))"))
                .containsExactly("roomcast_room_delivery_latency_seconds_bucket");
        assertThat(PromQl.metricNames("topk(10, sum by (room) (rate(a_total{x=\"y\"}[5m]))) / on (room) group_left b_total + 2 * ${v}"))
                .containsExactly("a_total", "b_total");
        assertThat(PromQl.metricNames("process_cpu_usage{instance=~\"$instance\"} and system_cpu_usage offset 5m"))
                .containsExactly("process_cpu_usage", "system_cpu_usage");
        assertThat(PromQl.labelValuesMetric("label_values(roomcast_room_members{instance=~\"$instance\"}, room)"))
                .isEqualTo("roomcast_room_members");
    }
}
