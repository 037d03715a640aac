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
}
