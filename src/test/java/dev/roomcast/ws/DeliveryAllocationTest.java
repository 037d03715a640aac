package dev.roomcast.ws;

import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bytes the node allocates per delivery in a fan-out, end to end with real WebSocket clients: one publisher,
 * {@value #MEMBERS} members in a room, everything the node's threads allocate (reading the publish, the broker,
 * building the frame once, then per member: the sink's queue, the pooled copy of the encoded frame, the pipeline
 * write, the flush, the metrics) divided by the deliveries. The per-publish share is spread over the members, as in
 * the benchmark's fan-out. Before the delivery path was trimmed (issue 16) this was 355 bytes here; 245 with a
 * duplicate of one shared pooled frame per member (the duplicate and the two {@code java.nio} views Netty's NIO
 * transport makes to write a derived buffer, ~110 bytes); 123 with a pooled copy per member. The bound lies between
 * the last two. What is left per recipient is the sink's queue node (24 bytes); the rest is the publish's share.
 */
@QuarkusTest
@TestProfile(DeliveryAllocationTest.NoRateLimit.class)
class DeliveryAllocationTest {

    public static class NoRateLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("roomcast.limits.rate", "1000000", "roomcast.limits.burst", "1000000");
        }
    }

    static final int MEMBERS = 50;
    static final int WARMUP = 4000;
    static final int MEASURED = 2000;
    /** Bytes per delivery (see the class comment). */
    static final long BOUND = 180;

    @TestHTTPResource("/ws")
    URI ws;

    @Test
    void aDeliveryAllocatesLittle() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        String base = ws.toString().replaceFirst("^http", "ws");
        List<WsClient> members = new ArrayList<>();
        try (WsClient publisher = WsClient.connect(base + "?user=alloc-publisher")) {
            publisher.join("alloc");
            for (int i = 0; i < MEMBERS; i++) {
                WsClient c = WsClient.connect(base + "?user=alloc-" + i);
                c.join("alloc");
                members.add(c);
            }
            members.add(publisher);
            publishAndAwait(publisher, members, 0, WARMUP); // the JIT compiles the path
            long before = serverAllocated(threads);
            publishAndAwait(publisher, members, WARMUP, MEASURED);
            long allocated = serverAllocated(threads) - before;
            double perDelivery = (double) allocated / ((long) MEASURED * members.size());
            System.out.printf("delivery: %,d bytes allocated by the node's threads for %,d deliveries: %.0f bytes each%n",
                    allocated, (long) MEASURED * members.size(), perDelivery);
            assertThat(perDelivery).as("bytes allocated per delivery").isLessThan(BOUND);
        } finally {
            members.forEach(WsClient::close);
        }
    }

    private static void publishAndAwait(WsClient publisher, List<WsClient> members, int from, int count) {
        for (int k = from; k < from + count; k++) {
            publisher.send("{\"type\":\"publish\",\"room\":\"alloc\",\"data\":{\"k\":" + k + ",\"pad\":\""
                    + "x".repeat(64) + "\"}}");
            if (k % 200 == 199) { // at most ~200 publishes in flight: no rate limit, no slow consumer
                int sent = k + 1;
                await().atMost(Duration.ofSeconds(60)).until(() -> members.stream()
                        .allMatch(m -> m.pending("message").size() >= sent - 200));
            }
        }
        int total = from + count;
        await().atMost(Duration.ofSeconds(60)).until(() -> members.stream()
                .allMatch(m -> m.pending("message").size() >= total));
    }

    /** What the node's threads (event loops, workers) allocated so far; not the test's clients. */
    private static long serverAllocated(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("vert.x-") || name.startsWith("executor-thread") || name.startsWith("roomcast-")) {
                long bytes = threads.getThreadAllocatedBytes(t.getId());
                if (bytes > 0) {
                    sum += bytes;
                }
            }
        }
        return sum;
    }
}
