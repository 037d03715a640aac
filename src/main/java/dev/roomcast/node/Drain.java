package dev.roomcast.node;

import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.Session;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Graceful drain on shutdown (SIGTERM): readiness goes DOWN and new upgrades are refused with 503 at
 * once, then the open connections are closed with 1012 (service restart) one after the other, spread
 * evenly over {@code roomcast.drain.window}, so their clients reconnect to other instances gradually
 * instead of all at once. Until its turn a connection works normally (it still receives and publishes),
 * and a close frame is written after everything already queued for the connection, so nothing in
 * flight is cut off; clients recover what they miss between close and reconnect with {@code since}.
 * <p>
 * It runs in Quarkus' pre-shutdown phase ({@code quarkus.shutdown.delay-enabled=true}), before the HTTP
 * server stops and the broker disconnects, and blocks the shutdown until every connection is closed
 * (at most the window plus {@code roomcast.limits.close-timeout}).
 */
@ApplicationScoped
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Hub hub;
    private final NodeState state;
    private final Duration window;
    private final Duration closeTimeout;
    private final AtomicBoolean started = new AtomicBoolean();

    public Drain(Hub hub, NodeState state, RoomcastConfig config) {
        this.hub = hub;
        this.state = state;
        this.window = config.drain().window();
        this.closeTimeout = config.limits().closeTimeout();
    }

    void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    /** In case the pre-shutdown phase did not run: drain before anything else shuts down. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        drain();
    }

    /** Drains this node; returns when every connection is closed. Idempotent. */
    public void drain() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        state.startDraining();
        List<Session> sessions = new ArrayList<>(hub.sessions());
        Collections.shuffle(sessions); // no client is always the first or the last to go
        int n = sessions.size();
        LOG.infof("draining: readiness DOWN, new connections refused; closing %d connections with 1012 over %s",
                n, window);
        long start = System.nanoTime();
        long windowNanos = window.toNanos();
        // Connection i is closed at window * i / n: the first at once, the last one slot before the end.
        for (int i = 0; i < n; i++) {
            long due = start + (long) ((double) windowNanos * i / n);
            waitUntil(due);
            Session s = sessions.get(i);
            if (s.isOpen()) {
                s.close(CloseCodes.SERVICE_RESTART, "service restart");
            }
        }
        // Connections that slipped in between the snapshot and the refusal of upgrades.
        for (Session s : List.copyOf(hub.sessions())) {
            if (s.isOpen()) {
                s.close(CloseCodes.SERVICE_RESTART, "service restart");
            }
        }
        long deadline = System.nanoTime() + closeTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        while (hub.connectionCount() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TICK_NANOS);
        }
        LOG.infof("drained in %d ms; %d connections still open", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                hub.connectionCount());
    }

    private static void waitUntil(long due) {
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, TICK_NANOS * 20));
        }
    }
}
