package dev.roomcast.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads a server's heap: forces a full GC with {@code jcmd <pid> GC.run}, then sums the heap pools in /q/metrics. */
public final class ServerProbe {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServerProbe() {
    }

    /** http://host:port/q/metrics for a ws://host:port/... URL. */
    static URI metricsUri(URI ws) {
        String scheme = "wss".equals(ws.getScheme()) ? "https" : "http";
        int port = ws.getPort() > 0 ? ws.getPort() : ("https".equals(scheme) ? 443 : 80);
        return URI.create(scheme + "://" + ws.getHost() + ":" + port + "/q/metrics");
    }

    static boolean gc(int pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Integer.toString(pid), "GC.run").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Sum of {@code jvm_memory_used_bytes{area="heap",...}}, or -1. */
    static double heapUsed(URI ws) {
        try {
            HttpRequest req = HttpRequest.newBuilder(metricsUri(ws)).timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                return -1;
            }
            return parseHeapUsed(resp.body());
        } catch (Exception e) {
            return -1;
        }
    }

    static double parseHeapUsed(String metrics) {
        double sum = 0;
        boolean found = false;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                String v = line.substring(line.lastIndexOf(' ') + 1).trim();
                sum += Double.parseDouble(v);
                found = true;
            }
        }
        return found ? sum : -1;
    }

    /** Heap after a forced GC, bytes (or -1). */
    static double heapAfterGc(int pid, URI ws) {
        gc(pid);
        return heapUsed(ws);
    }

    /**
     * What each live thread of a JVM has allocated so far, by thread id: the {@code allocated=} figures of
     * {@code jcmd <pid> Thread.print -e} (HotSpot's per-thread allocation counters), or null.
     */
    static Map<String, Long> threadAllocatedBytes(int pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Integer.toString(pid), "Thread.print", "-e").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? parseAllocated(out) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern ALLOCATED =
            java.util.regex.Pattern.compile("allocated=([0-9]+)([BKMG])\\b.*?\\btid=(0x[0-9a-f]+)");

    /** Thread id → bytes from {@code allocated=12909K ... tid=0x7f...} (B, K, M, G as HotSpot prints them); null when none. */
    static Map<String, Long> parseAllocated(String threadDump) {
        java.util.regex.Matcher m = ALLOCATED.matcher(threadDump);
        Map<String, Long> out = new java.util.HashMap<>();
        while (m.find()) {
            long v = Long.parseLong(m.group(1));
            out.put(m.group(3), switch (m.group(2)) {
                case "K" -> v << 10;
                case "M" -> v << 20;
                case "G" -> v << 30;
                default -> v;
            });
        }
        return out.isEmpty() ? null : out;
    }

    /**
     * Bytes allocated between two readings: per thread, what it allocated since the first reading (all of it for a
     * thread started since). Threads that ended in between are not counted: in a steady run the event loops and
     * workers that do the work live through both.
     */
    static long allocatedBetween(Map<String, Long> a, Map<String, Long> b) {
        if (a == null || b == null) {
            return -1;
        }
        long sum = 0;
        for (Map.Entry<String, Long> e : b.entrySet()) {
            sum += Math.max(0, e.getValue() - a.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /** Readings of several JVMs, taken in parallel, with the moment each was taken (nanoTime). */
    static final class Allocation {
        final List<Map<String, Long>> threads = new java.util.ArrayList<>();
        final long nanos;

        Allocation(List<Integer> pids) {
            long t0 = System.nanoTime();
            List<java.util.concurrent.CompletableFuture<Map<String, Long>>> fs = new java.util.ArrayList<>();
            for (int pid : pids) {
                fs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> threadAllocatedBytes(pid)));
            }
            for (var f : fs) {
                threads.add(f.join());
            }
            nanos = (t0 + System.nanoTime()) / 2;
        }
    }
}
