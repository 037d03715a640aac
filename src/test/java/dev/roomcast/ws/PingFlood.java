package dev.roomcast.ws;

import dev.roomcast.testing.RawWsClient;
import dev.roomcast.testing.WsClient;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that sends WebSocket pings as fast as it can and never reads a byte: the flood runs on its
 * own thread (its writes block once the node stops reading) and is bounded in count and time.
 */
final class PingFlood implements AutoCloseable {

    static final byte[] PAYLOAD = new byte[125]; // the largest control frame payload
    private static final int BATCH = 100;
    private final RawWsClient client;
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private volatile String stoppedBy = "still running";

    PingFlood(String url, int maxPings, Duration maxTime) {
        // A tiny receive buffer: the pongs the node writes pile up on its side, not in this socket.
        client = RawWsClient.open(url, java.util.Map.of(), 4096);
        long deadline = System.nanoTime() + maxTime.toNanos();
        thread = new Thread(() -> {
            try {
                while (sent.get() < maxPings && System.nanoTime() < deadline) {
                    client.sendRepeated(RawWsClient.PING, PAYLOAD, BATCH);
                    sent.addAndGet(BATCH);
                }
                stoppedBy = "bound reached";
            } catch (UncheckedIOException e) {
                stoppedBy = "the node dropped the connection";
            }
        }, "ping-flood");
        thread.setDaemon(true);
        thread.start();
    }

    int sent() {
        return sent.get();
    }

    String stoppedBy() {
        return stoppedBy;
    }

    /** Stops flooding (a blocked write fails once the socket is closed). */
    @Override
    public void close() throws InterruptedException {
        client.close();
        thread.join(WsClient.TIMEOUT.toMillis());
        assertThat(thread.isAlive()).as("flood thread stopped").isFalse();
    }

    RawWsClient client() {
        return client;
    }
}
