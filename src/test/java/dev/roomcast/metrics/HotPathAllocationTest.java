package dev.roomcast.metrics;

import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ErrorCode;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Recording a delivery, publish or frame allocates nothing: no per-message maps, no tag lookups. */
class HotPathAllocationTest {

    @Test
    void recordingAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        RoomcastMetrics metrics = new RoomcastMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                config(2));
        metrics.rooms().bind(r -> 1, () -> Set.of("a", "b", "c"));
        long now = System.currentTimeMillis();
        OutboundFrame[] frames = {
                OutboundFrame.message("{\"type\":\"message\",\"room\":\"a\"}", "a", dev.roomcast.protocol.StreamOffset.of(1), now),
                OutboundFrame.message("{\"type\":\"message\",\"room\":\"b\"}", "b", dev.roomcast.protocol.StreamOffset.of(1), now),
                OutboundFrame.message("{\"type\":\"message\",\"room\":\"c\"}", "c", dev.roomcast.protocol.StreamOffset.of(1), now), // under _other
                OutboundFrame.direct("{\"type\":\"direct\"}", now)};
        String[] rooms = {"a", "b", "c", null};
        Runnable burst = () -> {
            for (int i = 0; i < 10_000; i++) {
                int k = i & 3;
                metrics.delivered(rooms[k], frames[k], 3);
                metrics.frameOut(frames[k], 20);
                metrics.frameIn(40);
                if (k < 3) {
                    metrics.published(rooms[k]);
                }
                if (i % 100 == 0) {
                    metrics.error(ErrorCode.rate_limited);
                    metrics.closed(1000);
                    metrics.closing(4008);
                    metrics.refused("origin");
                }
            }
        };
        for (int warm = 0; warm < 30; warm++) {
            burst.run(); // let the JIT compile the path
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 10; round++) {
            burst.run();
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        System.out.printf("hot path: %d bytes allocated by 100,000 iterations (deliver+frameOut+frameIn+publish)%n",
                allocated);
        // 100,000 iterations of ~4 recordings each; a single allocation per call would be megabytes.
        assertThat(allocated).as("bytes allocated by 400,000 recordings").isLessThan(64 * 1024);
    }

    static MetricsConfig config(int max) {
        return () -> new MetricsConfig.Rooms() {
            @Override
            public int max() {
                return max;
            }

            @Override
            public Duration interval() {
                return Duration.ofSeconds(5);
            }

            @Override
            public Duration halfLife() {
                return Duration.ofMinutes(1);
            }
        };
    }
}
