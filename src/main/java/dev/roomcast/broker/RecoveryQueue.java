package dev.roomcast.broker;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rooms a node refills from their streams after a pub/sub outage, at most {@code maxActive} at a time; the
 * others wait in order of arrival (they stay held meanwhile). A room asked for again while it is being recovered
 * (another outage during its read) is recovered once more, from its first page, when the current run ends; one
 * asked for while it waits keeps its place. {@link #size()} counts both, so readiness waits for all of them.
 * <p>
 * {@code start} is called outside this object's lock; the run it starts ends with {@link #done(String)}.
 */
final class RecoveryQueue {

    /** Told the counts after each change. */
    interface Listener {
        void changed(int active, int waiting);
    }

    private final int maxActive;
    private final Consumer<String> start;
    private final Listener listener;
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    private final Set<String> waitingSet = new HashSet<>();
    private final Set<String> active = new HashSet<>();
    private final Set<String> again = new HashSet<>();

    RecoveryQueue(int maxActive, Consumer<String> start, Listener listener) {
        if (maxActive < 1) {
            throw new IllegalArgumentException("maxActive must be at least 1");
        }
        this.maxActive = maxActive;
        this.start = start;
        this.listener = listener;
    }

    /** Asks for the room to be recovered: now if fewer than the maximum run, else when its turn comes. */
    void add(String room) {
        boolean startNow;
        int a;
        int w;
        synchronized (this) {
            if (active.contains(room)) {
                again.add(room);
                return;
            }
            if (waitingSet.contains(room)) {
                return;
            }
            startNow = active.size() < maxActive;
            if (startNow) {
                active.add(room);
            } else {
                waiting.add(room);
                waitingSet.add(room);
            }
            a = active.size();
            w = waiting.size();
        }
        listener.changed(a, w);
        if (startNow) {
            start.accept(room);
        }
    }

    /**
     * The room's run ended: it starts over if it was asked for again meanwhile, else the next waiting room starts.
     *
     * @return true when nothing is left to recover (active and waiting both empty)
     */
    boolean done(String room) {
        String next;
        int a;
        int w;
        synchronized (this) {
            if (!active.contains(room)) {
                return active.isEmpty() && waiting.isEmpty();
            }
            if (again.remove(room)) {
                next = room;
            } else {
                active.remove(room);
                next = waiting.poll();
                if (next != null) {
                    waitingSet.remove(next);
                    active.add(next);
                }
            }
            a = active.size();
            w = waiting.size();
        }
        listener.changed(a, w);
        if (next != null) {
            start.accept(next);
        }
        return a == 0 && w == 0;
    }

    /** Rooms being recovered or waiting for their turn. */
    synchronized int size() {
        return active.size() + waiting.size();
    }
}
