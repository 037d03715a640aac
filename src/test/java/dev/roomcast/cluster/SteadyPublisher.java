package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.WsClient;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes numbered messages to a room with an id, one at a time, and records which ones were
 * acknowledged (the server promised them) and which were refused (it said so).
 */
final class SteadyPublisher implements AutoCloseable {

    private final WsClient client;
    private final String room;
    private final Duration interval;
    /** When each acknowledgement arrived ({@link System#nanoTime()}). */
    private final Map<Integer, Long> ackedAt = new ConcurrentHashMap<>();
    final Set<Integer> acked = ackedAt.keySet();
    final Set<Integer> refused = ConcurrentHashMap.newKeySet();
    private final AtomicInteger next = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private final Thread thread;

    SteadyPublisher(WsClient client, String room, Duration interval) {
        this.client = client;
        this.room = room;
        this.interval = interval;
        this.thread = new Thread(this::run, "steady-publisher-" + room);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            long nextAt = System.nanoTime();
            while (running) {
                int seq = next.getAndIncrement();
                JsonNode reply = client.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":" + seq + "}}");
                if ("ack".equals(reply.path("type").asText())) {
                    ackedAt.put(seq, System.nanoTime());
                } else {
                    refused.add(seq);
                }
                nextAt += interval.toNanos();
                long wait = nextAt - System.nanoTime();
                if (wait > 0) {
                    // Pacing, not synchronization: the publisher runs at a steady rate.
                    TimeUnit.NANOSECONDS.sleep(wait);
                } else {
                    nextAt = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (running) {
                throw t;
            }
        } finally {
            stopped.countDown();
        }
    }

    int published() {
        return next.get();
    }

    /** The messages whose acknowledgement arrived between {@code fromNanos} and {@code toNanos}. */
    Set<Integer> ackedBetween(long fromNanos, long toNanos) {
        Set<Integer> seqs = new TreeSet<>();
        ackedAt.forEach((seq, at) -> {
            if (at >= fromNanos && at <= toNanos) {
                seqs.add(seq);
            }
        });
        return seqs;
    }

    int ackedCount() {
        return acked.size();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!stopped.await(20, TimeUnit.SECONDS)) {
            thread.interrupt();
        }
    }
}
