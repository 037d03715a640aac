package dev.roomcast.ws;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.MetricsScrape;
import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that stop reading, against a packaged node with a small heap and little direct memory: more
 * is published to each of them than the node could ever hold (heap plus direct memory; the frames'
 * bytes are shared between recipients, so per client), yet each gets at most its outbound bound
 * (plus what the TCP buffers took) before it is closed with 4008, and one that never reads again is
 * dropped after {@code roomcast.limits.close-timeout}. The node stays ready, fast readers get
 * everything, and the heap stays bounded.
 */
class SlowConsumerIT {

    private static final String ROOM = "firehose";
    private static final int MESSAGES = 1200;
    /** The stalled client reads again once the canary has this many messages. */
    private static final int RESUME_AFTER = 300;
    private static final int DATA_CHARS = 60 * 1024;
    private static final int HEAP_MB = 48;
    private static final int DIRECT_MB = 16;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)",
            Pattern.MULTILINE);
    private static final Pattern CONNECTIONS = Pattern.compile("\"connections\"\\s*:\\s*(\\d+)");

    @Test
    void clientsThatStopReadingAreClosedWith4008WhileTheNodeStaysBounded() throws Exception {
        try (AppInstance node = AppInstance.builder().name("slow-consumer")
                .jvmArg("-Xmx" + HEAP_MB + "m").jvmArg("-XX:MaxDirectMemorySize=" + DIRECT_MB + "m")
                .config("roomcast.limits.close-timeout", "8s")
                .config("quarkus.log.category.\"dev.roomcast.ws\".level", "DEBUG") // slow consumer closes in the log
                // The memory broker keeps history on the heap (1000 x 60 KiB = 60 MiB by default): off here, this
                // test is about the outbound queues.
                .config("roomcast.history.size", "0")
                .start()) {
            // Small receive buffers: the kernel takes little, the node's queue fills soon.
            RawWsClient stalled = joined(RawWsClient.open(node.wsUrl("user=stalled"), Map.of(), 16 * 1024));
            RawWsClient dead = joined(RawWsClient.open(node.wsUrl("user=dead"), Map.of(), 16 * 1024));
            RawWsClient canary = joined(RawWsClient.open(node.wsUrl("user=canary")));
            AtomicInteger canaryGot = new AtomicInteger();
            Thread canaryReader = new Thread(() -> {
                while (canaryGot.get() < MESSAGES) {
                    RawWsClient.Frame f = canary.readMessage(Duration.ofSeconds(30));
                    if (f.isClose()) {
                        return;
                    }
                    if (f.text().startsWith("{\"type\":\"message\"")) {
                        canaryGot.incrementAndGet();
                    }
                }
            }, "canary");
            canaryReader.start();

            HeapSampler heap = new HeapSampler(node.httpUrl());
            long baselineHeap = heap.sample();
            long rssBefore = node.stats().rssBytes();
            long started = System.nanoTime();
            ExecutorService publishing = Executors.newSingleThreadExecutor();
            Future<?> published = publishing.submit(() -> {
                publish(node, MESSAGES);
                return null;
            });

            // Long after the stalled client's queue went over its bound (a few MiB in TCP buffers plus 1 MiB
            // queued), it reads again: what was queued for it, then the close.
            await().atMost(Duration.ofSeconds(60)).until(() -> canaryGot.get() >= RESUME_AFTER || published.isDone());
            AtomicInteger stalledGot = new AtomicInteger();
            RawWsClient.Frame close = stalled.readUntilClose(Duration.ofSeconds(30), f -> stalledGot.incrementAndGet());
            assertThat(close.opcode()).as("a close frame, not a dropped connection").isEqualTo(RawWsClient.CLOSE);
            assertThat(close.closeCode()).isEqualTo(4008);
            stalled.sendClose(4008); // completes the close handshake
            assertThat(stalledGot.get()).as("delivered to the stalled client before its close").isLessThan(RESUME_AFTER);

            published.get(120, TimeUnit.SECONDS);
            publishing.shutdown();
            canaryReader.join(60_000);
            long publishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(canaryGot.get()).as("a client that reads gets everything").isEqualTo(MESSAGES);

            // The client that never reads again is dropped: nothing stays queued for it.
            await().atMost(Duration.ofSeconds(20)).until(() -> connections(node) == 1);
            long droppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            heap.close();

            assertThat(MetricsScrape.of(get(node.httpUrl() + "/q/metrics"))
                    .value("roomcast_server_closes_total", Map.of("code", "4008"))).as("counted").isEqualTo(2);
            String ready = get(node.httpUrl() + "/q/health/ready");
            assertThat(ready).contains("\"status\": \"UP\"");
            try (WsClient after = WsClient.connect(node.wsUrl("user=after"))) {
                after.join(ROOM);
                after.request("{\"type\":\"publish\",\"room\":\"" + ROOM + "\",\"data\":\"still fine\"}");
                assertThat(after.awaitType("message").path("data").asText()).isEqualTo("still fine");
            }
            assertThat(node.logTail(100_000)).contains("roomcast.auth.mode=none: ANYONE can connect") // loud when open
                    .doesNotContain("OutOfMemoryError")
                    .doesNotContain("OutOfDirectMemoryError");
            long volume = (long) MESSAGES * DATA_CHARS;
            System.out.printf("slow consumer: %d MiB published to each of 2 stalled clients in %d ms (node: -Xmx%dm, "
                            + "%d MiB direct); the stalled one got %d of %d messages then 4008; the dead one was dropped "
                            + "after %d ms; heap used %d MiB before, max %d MiB while publishing; RSS %d -> %d MiB%n",
                    volume >> 20, publishedMs, HEAP_MB, DIRECT_MB, stalledGot.get(), MESSAGES, droppedMs,
                    baselineHeap >> 20, heap.max() >> 20, rssBefore >> 20, node.stats().rssBytes() >> 20);
            assertThat(volume).as("addressed to each stalled client: more than the node could hold")
                    .isGreaterThan((long) (HEAP_MB + DIRECT_MB) << 20);
            assertThat(heap.max()).as("heap used while publishing").isLessThan((long) HEAP_MB << 20);
            stalled.close();
            dead.close();
            canary.close();
        }
    }

    /** Joins the room (without presence events) and reads the ack. */
    private static RawWsClient joined(RawWsClient c) {
        c.sendText("{\"type\":\"join\",\"room\":\"" + ROOM + "\",\"presence\":false,\"id\":\"j\"}");
        assertThat(c.readMessage(WsClient.TIMEOUT).text()).contains("\"ack\"");
        return c;
    }

    /** POSTs {@code n} messages of {@link #DATA_CHARS} characters through the HTTP API, 4 at a time. */
    private static void publish(AppInstance node, int n) throws Exception {
        String body = "\"" + "x".repeat(DATA_CHARS) + "\"";
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.httpUrl() + "/api/rooms/" + ROOM + "/messages"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            senders.add(pool.submit(() -> {
                while (next.getAndIncrement() < n) {
                    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
                return null;
            }));
        }
        for (Future<?> f : senders) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }

    private static int connections(AppInstance node) throws Exception {
        Matcher m = CONNECTIONS.matcher(get(node.httpUrl() + "/q/health/ready"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Samples the node's used heap from /q/metrics every 100 ms (a probe, not synchronization). */
    private static final class HeapSampler implements AutoCloseable {
        private final String url;
        private final AtomicLong max = new AtomicLong();
        private volatile boolean running = true;
        private final Thread thread;

        HeapSampler(String baseUrl) {
            this.url = baseUrl + "/q/metrics";
            thread = new Thread(() -> {
                while (running) {
                    try {
                        long used = sample();
                        max.accumulateAndGet(used, Math::max);
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // the next sample will do
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long sample() throws Exception {
            Matcher m = HEAP.matcher(get(url));
            long sum = 0;
            int series = 0;
            while (m.find()) {
                sum += (long) Double.parseDouble(m.group(1));
                series++;
            }
            assertThat(series).as("jvm_memory_used_bytes{area=\"heap\"} series at /q/metrics").isPositive();
            return sum;
        }

        long max() {
            return max.get();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}
