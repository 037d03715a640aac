package dev.roomcast.broker;

import dev.roomcast.hub.OutboundFrame;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.ProtocolException;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-node broker: delivers straight back to this node's hub and keeps room history in memory, so
 * dev mode and single-instance deployments need nothing installed. Offsets are 1, 2, 3… per room; the
 * epoch changes on every start, since history does not survive a restart.
 */
public final class MemoryBroker implements Broker {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final String epoch = UUID.randomUUID().toString().substring(0, 8);
    private final ConcurrentHashMap<String, RoomLog> logs = new ConcurrentHashMap<>();
    private final int historySize;
    private final long historyTtlMillis;
    private final Clock clock;
    private volatile BrokerListener listener;

    public MemoryBroker(int historySize, Duration historyTtl, Clock clock) {
        this.historySize = historySize;
        this.historyTtlMillis = historyTtl.toMillis();
        this.clock = clock;
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Void> subscribeRoom(String room) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> unsubscribeRoom(String room) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> subscribeUser(String user) {
        return DONE;
    }

    @Override
    public CompletionStage<Void> unsubscribeUser(String user) {
        return DONE;
    }

    @Override
    public CompletionStage<Published> publishRoom(String room, long publishedAtMillis, String body) {
        RoomLog log = logs.computeIfAbsent(room, r -> new RoomLog());
        OutboundFrame frame;
        // Offset assignment and delivery under one lock keep every member's order equal to offset order.
        synchronized (log) {
            long offset = ++log.lastOffset;
            frame = MessageFrames.roomFrame(room, Long.toString(offset), epoch, body);
            log.append(offset, frame, clock.millis(), historySize);
            listener.onRoomFrame(room, frame);
        }
        return CompletableFuture.completedFuture(new Published(frame.offset(), epoch));
    }

    @Override
    public CompletionStage<Void> publishRoomEvent(String room, String frame) {
        listener.onRoomFrame(room, OutboundFrame.presenceEvent(frame, room));
        return DONE;
    }

    @Override
    public CompletionStage<Void> publishUser(String user, long publishedAtMillis, String frame) {
        listener.onUserFrame(user, OutboundFrame.direct(frame, publishedAtMillis));
        return DONE;
    }

    @Override
    public CompletionStage<HistoryPage> history(String room, String since, String clientEpoch, int limit) {
        if (since == null || !epoch.equals(clientEpoch)) {
            RoomLog log = logs.get(room);
            String latest = log == null ? "0" : latestOf(log);
            return CompletableFuture.completedFuture(new HistoryPage(epoch, List.of(), true, latest));
        }
        long from;
        try {
            from = Long.parseLong(since);
        } catch (NumberFormatException e) {
            return CompletableFuture.failedFuture(
                    new ProtocolException(ErrorCode.bad_request, "since is not an offset of this server", null));
        }
        RoomLog log = logs.get(room);
        if (log == null) {
            if (from != 0) {
                return CompletableFuture.failedFuture(
                        new ProtocolException(ErrorCode.bad_request, "since is ahead of the room's history", null));
            }
            return CompletableFuture.completedFuture(new HistoryPage(epoch, List.of(), true, "0"));
        }
        synchronized (log) {
            log.expire(clock.millis() - historyTtlMillis);
            if (from > log.lastOffset || from < 0) {
                return CompletableFuture.failedFuture(
                        new ProtocolException(ErrorCode.bad_request, "since is ahead of the room's history", null));
            }
            List<OutboundFrame> frames = new ArrayList<>();
            long oldest = log.entries.isEmpty() ? log.lastOffset + 1 : log.entries.peekFirst().offset;
            boolean complete = from + 1 >= oldest;
            for (Entry e : log.entries) {
                if (e.offset > from && frames.size() < limit) {
                    frames.add(e.frame);
                }
            }
            if (frames.size() == limit && log.lastOffset > Long.parseLong(frames.get(frames.size() - 1).offset())) {
                complete = false;
            }
            String latest = Long.toString(log.lastOffset);
            return CompletableFuture.completedFuture(new HistoryPage(epoch, frames, complete, latest));
        }
    }

    private static String latestOf(RoomLog log) {
        synchronized (log) {
            return Long.toString(log.lastOffset);
        }
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public String name() {
        return "memory";
    }

    private record Entry(long offset, OutboundFrame frame, long storedAt) {
    }

    private static final class RoomLog {
        long lastOffset;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();

        void append(long offset, OutboundFrame frame, long now, int max) {
            if (max <= 0) {
                return;
            }
            entries.addLast(new Entry(offset, frame, now));
            while (entries.size() > max) {
                entries.removeFirst();
            }
        }

        void expire(long olderThan) {
            while (!entries.isEmpty() && entries.peekFirst().storedAt < olderThan) {
                entries.removeFirst();
            }
        }
    }
}
