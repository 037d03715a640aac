package dev.roomcast.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.List;

/**
 * Keeps the whole {@code /q/metrics} scrape lint-clean for {@code promtool check metrics}, including the
 * meters libraries register (JVM, Vert.x, Netty):
 * <ul>
 * <li>meters without a description get their name as help text ({@code # HELP} without text fails lint);</li>
 * <li>camelCase tag keys become snake_case label names: the Redis client's meters are tagged {@code clientName}
 *     and {@code clientType} ({@code redis_active_connections{clientName="<default>"}}), which promtool
 *     refuses;</li>
 * <li>{@code process_cpu_time_ns_total} (abbreviated unit, nanoseconds) is replaced by the conventional
 *     {@code process_cpu_seconds_total};</li>
 * <li>the gauge {@code system_cpu_count} is exported as {@code system_cpus} (a {@code _count} suffix is
 *     reserved for histograms and summaries);</li>
 * <li>long task timers (Vert.x registers {@code http.server.connections} and
 *     {@code http.server.websocket.connections}) are not exported: this registry writes them as a
 *     {@code summary} whose samples are {@code _active_count} and {@code _duration_sum}, which is not a
 *     summary. {@code http_server_active_connections} and {@code roomcast_connections} count the same.</li>
 * </ul>
 */
@ApplicationScoped
public class PrometheusHygiene {

    @Produces
    @Singleton
    MeterFilter prometheusHygiene() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String name = id.getName().equals("system.cpu.count") ? "system.cpus" : id.getName();
                String description = id.getDescription();
                boolean noHelp = description == null || description.isBlank();
                List<Tag> tags = id.getTags();
                boolean camelTags = tags.stream().anyMatch(t -> !snakeCase(t.getKey()).equals(t.getKey()));
                if (name.equals(id.getName()) && !noHelp && !camelTags) {
                    return id;
                }
                Tags snakeTags = camelTags
                        ? Tags.of(tags.stream().map(t -> Tag.of(snakeCase(t.getKey()), t.getValue())).toList())
                        : Tags.of(tags);
                return new Meter.Id(name, snakeTags, id.getBaseUnit(),
                        noHelp ? name.replace('.', ' ') : description, id.getType());
            }

            @Override
            public MeterFilterReply accept(Meter.Id id) {
                boolean nanoCpu = id.getName().equals("process.cpu.time") && "ns".equals(id.getBaseUnit());
                return nanoCpu || id.getType() == Meter.Type.LONG_TASK_TIMER
                        ? MeterFilterReply.DENY
                        : MeterFilterReply.NEUTRAL;
            }
        };
    }

    /** {@code clientName} → {@code client_name}: Prometheus label names are snake_case. */
    static String snakeCase(String key) {
        StringBuilder sb = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isUpperCase(c)) {
                if (sb == null) {
                    sb = new StringBuilder(key.length() + 4).append(key, 0, i);
                }
                if (i > 0 && key.charAt(i - 1) != '_') {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? key : sb.toString();
    }

    /** {@code process_cpu_seconds_total}: CPU time of this process, in place of the nanosecond counter. */
    @Produces
    @Singleton
    MeterBinder processCpuSeconds() {
        return (MeterRegistry registry) -> {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuTime() >= 0) {
                FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9)
                        .baseUnit("seconds")
                        .description("Total CPU time used by the process")
                        .register(registry);
            }
        };
    }
}
