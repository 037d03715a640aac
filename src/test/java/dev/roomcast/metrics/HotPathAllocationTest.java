package dev.roomcast.metrics;

import dev.roomcast.hub.FrameSink;
import dev.roomcast.hub.RateLimiter;
import dev.roomcast.hub.RoomPermissions;
import dev.roomcast.hub.Session;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.HoldBack;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.Publication;
import dev.roomcast.protocol.StreamOffset;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recording a delivery, publish or frame allocates nothing: no per-message maps, no tag lookups; nor does delivering
 * to a connection with nothing held back, or through an open hold-back. What runs once per delivery (a frame sent)
 * is recorded into a composite registry holding a Prometheus one, as Quarkus injects it.
 */
class HotPathAllocationTest {

    /** The registry as the application gets it: Quarkus injects the global composite registry. */
    static CompositeMeterRegistry registry(PrometheusMeterRegistry prometheus) {
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(prometheus);
        return composite;
    }

    /**
     * Once per delivery (every recipient of every message): at most a few bytes per million calls, where a counter
     * of the composite registry allocated on each increment (80 bytes per call for the two counters: 8 MB here).
     */
    @Test
    void recordingAFrameSentAllocatesNothing() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RoomcastMetrics metrics = new RoomcastMetrics(registry(prometheus), config(2));
        OutboundFrame frame = OutboundFrame.message("{\"type\":\"message\",\"room\":\"a\"}", "a", StreamOffset.of(1), 0);
        OutboundFrame reply = OutboundFrame.reply("{\"type\":\"joined\"}");
        Runnable burst = () -> {
            for (int i = 0; i < 10_000; i++) {
                metrics.frameOut((i & 7) == 0 ? reply : frame, 20);
            }
        };
        long allocated = allocatedBy(burst);
        System.out.printf("frameOut: %d bytes allocated by 100,000 calls%n", allocated);
        assertThat(allocated).as("bytes allocated by 100,000 frames sent").isLessThan(1024);
        Scrape scrape = Scrape.parse(prometheus.scrape());
        assertThat(scrape.value("roomcast_frames_sent_total", java.util.Map.of("kind", "message")))
                .isEqualTo(40.0 * 10_000 * 7 / 8);
        assertThat(scrape.value("roomcast_sent_bytes_total", java.util.Map.of("kind", "reply")))
                .isEqualTo(40.0 * 10_000 / 8 * 20);
    }

    @Test
    void recordingAllocatesNothing() {
        // A Prometheus registry of its own: the composite's per-increment allocation depends on how the JIT
        // compiled it in this JVM (none alone, ~80 bytes per increment after a Quarkus test ran).
        RoomcastMetrics metrics = new RoomcastMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), config(2));
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
        long allocated = allocatedBy(burst);
        System.out.printf("hot path: %d bytes allocated by 100,000 iterations (deliver+frameOut+frameIn+publish)%n",
                allocated);
        // 100,000 iterations of ~4 recordings each; a single allocation per call would be megabytes.
        assertThat(allocated).as("bytes allocated by 400,000 recordings").isLessThan(8 * 1024);
    }

    /** A delivery to a connection with nothing held back, and a live item through an open hold-back. */
    @Test
    void deliveringWhenNothingIsHeldAllocatesNothing() {
        long[] written = new long[1];
        Session session = new Session("c1", "alice", new FrameSink() {
            @Override
            public boolean write(OutboundFrame frame) {
                written[0]++;
                return true;
            }

            @Override
            public void close(int code, String reason) {
            }

            @Override
            public boolean isOpen() {
                return true;
            }
        }, RoomPermissions.ALL, RateLimiter.unlimited(), 100);
        OutboundFrame frame = OutboundFrame.message("{}", "a", StreamOffset.of(1), 0);
        HoldBack<Publication> cursor = new HoldBack<>(Publication::offset, 100);
        Publication[] live = new Publication[10_000 * 41];
        for (int i = 0; i < live.length; i++) {
            live[i] = new Publication("a", StreamOffset.of(i + 1), "e", 0, null, "1");
        }
        Consumer<Publication> deliver = p -> written[0]++;
        int[] next = {0};
        Runnable burst = () -> {
            for (int i = 0; i < 10_000; i++) {
                session.send(frame);
                cursor.offer(live[next[0]++], deliver);
            }
        };
        long allocated = allocatedBy(burst);
        System.out.printf("delivery: %d bytes allocated by 100,000 sends and hold-back offers%n", allocated);
        assertThat(written[0]).isEqualTo(2L * 10_000 * 40);
        assertThat(allocated).as("bytes allocated by 200,000 deliveries").isLessThan(8 * 1024);
    }

    /** Bytes this thread allocates running {@code burst} 10 times, after 30 runs to let the JIT compile it. */
    private static long allocatedBy(Runnable burst) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        for (int warm = 0; warm < 30; warm++) {
            burst.run(); // let the JIT compile the path
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 10; round++) {
            burst.run();
        }
        return threads.getThreadAllocatedBytes(tid) - before;
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
