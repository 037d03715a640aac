package dev.roomcast.presence;

import dev.roomcast.outbox.EventType;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.OutboxEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/** {@link OnlineUsers} of a single node (memory backend): this node's users are the cluster's. */
public final class LocalOnlineUsers implements OnlineUsers {

    private final Outbox outbox;
    private final long offlineDelayMillis;
    private final LongSupplier clock;
    /** Users gone, by when their user.offline is due; bounded by the users who left within the delay. */
    private final Map<String, Long> leaving = new LinkedHashMap<>();

    public LocalOnlineUsers(Outbox outbox, java.time.Duration offlineDelay, LongSupplier clock) {
        this.outbox = outbox;
        this.offlineDelayMillis = offlineDelay.toMillis();
        this.clock = clock;
    }

    @Override
    public synchronized void arrived(String user) {
        if (leaving.remove(user) == null) {
            outbox.append(OutboxEvent.user(EventType.USER_ONLINE, user));
        }
    }

    @Override
    public synchronized void departed(String user) {
        leaving.remove(user); // re-inserted last: the map stays in due order
        leaving.put(user, clock.getAsLong() + offlineDelayMillis);
    }

    @Override
    public synchronized CompletionStage<Integer> sweep() {
        long now = clock.getAsLong();
        List<String> due = new ArrayList<>();
        for (Map.Entry<String, Long> e : leaving.entrySet()) {
            if (e.getValue() > now) {
                break;
            }
            due.add(e.getKey());
        }
        for (String user : due) {
            leaving.remove(user);
            outbox.append(OutboxEvent.user(EventType.USER_OFFLINE, user));
        }
        return CompletableFuture.completedFuture(due.size());
    }
}
