package dev.roomcast.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
     * Bytes the live threads of a JVM have allocated so far: the sum of the {@code allocated=} figures of
     * {@code jcmd <pid> Thread.print -e} (HotSpot's per-thread allocation counters), or -1. Threads that ended are
     * not in it, so a difference of two readings is the allocation of the threads that lived through both — in a
     * steady run the event loops and workers that do the work.
     */
    static long threadAllocatedBytes(int pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Integer.toString(pid), "Thread.print", "-e").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue() == 0 ? parseAllocated(out) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Sums {@code allocated=12909K}-style fields (B, K, M, G suffixes as HotSpot prints them); -1 when there is none. */
    static long parseAllocated(String threadDump) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("allocated=([0-9]+)([BKMG])").matcher(threadDump);
        long sum = 0;
        boolean found = false;
        while (m.find()) {
            long v = Long.parseLong(m.group(1));
            sum += switch (m.group(2)) {
                case "K" -> v << 10;
                case "M" -> v << 20;
                case "G" -> v << 30;
                default -> v;
            };
            found = true;
        }
        return found ? sum : -1;
    }

    /** Readings of several JVMs, taken in parallel, with the moment each was taken (nanoTime). */
    static final class Allocation {
        final long[] bytes;
        final long nanos;

        Allocation(java.util.List<Integer> pids) {
            bytes = new long[pids.size()];
            long t0 = System.nanoTime();
            java.util.List<java.util.concurrent.CompletableFuture<Long>> fs = new java.util.ArrayList<>();
            for (int pid : pids) {
                fs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> threadAllocatedBytes(pid)));
            }
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = fs.get(i).join();
            }
            nanos = (t0 + System.nanoTime()) / 2;
        }
    }
}
