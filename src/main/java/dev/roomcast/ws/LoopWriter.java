package dev.roomcast.ws;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;

import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the pending writes of many connections that share an event loop in one task. A fan-out from another
 * thread then costs one task (and at most one wake-up) per event loop, not one per recipient, and every
 * connection is flushed once per batch however many frames it got in it.
 */
final class LoopWriter implements Runnable {

    /** One per event loop; event loops live as long as the process, so entries are never removed. */
    private static final ConcurrentHashMap<EventExecutor, LoopWriter> WRITERS = new ConcurrentHashMap<>();

    private final EventExecutor loop;
    private final Queue<ConnectionSink> ready = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    private LoopWriter(EventExecutor loop) {
        this.loop = loop;
    }

    static LoopWriter of(EventExecutor loop) {
        return WRITERS.computeIfAbsent(loop, LoopWriter::new);
    }

    /** Has {@code sink} drained on its event loop soon; call once per batch of frames (the sink tracks that). */
    void schedule(ConnectionSink sink) {
        ready.offer(sink);
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        // Cleared before polling: a sink offered after the last poll schedules a new run.
        scheduled.set(false);
        long now = System.nanoTime(); // one clock read per batch: the idle timers need no finer time
        ConnectionSink sink;
        while ((sink = ready.poll()) != null) {
            sink.drain(now);
        }
    }
}
