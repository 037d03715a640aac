package dev.roomcast.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Polls a node's readiness every 50 ms and records each change, so a test can assert DOWN then UP. */
final class ReadinessRecorder implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final List<Integer> transitions = new ArrayList<>();
    private volatile boolean running = true;
    private final Thread thread;

    ReadinessRecorder(String baseUrl) {
        thread = new Thread(() -> {
            HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
            while (running) {
                int status;
                try {
                    status = HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (Exception e) {
                    status = -1;
                }
                record(status);
                try {
                    Thread.sleep(50); // sampling period of a probe, not synchronization
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "readiness-" + baseUrl);
        thread.setDaemon(true);
        thread.start();
    }

    private synchronized void record(int status) {
        if (transitions.isEmpty() || transitions.get(transitions.size() - 1) != status) {
            transitions.add(status);
        }
    }

    synchronized List<Integer> transitions() {
        return List.copyOf(transitions);
    }

    synchronized boolean isUp() {
        return !transitions.isEmpty() && transitions.get(transitions.size() - 1) == 200;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
