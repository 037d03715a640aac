package dev.roomcast.presence;

import dev.roomcast.outbox.EventType;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.OutboxEvent;
import dev.roomcast.protocol.RoomPatterns;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The webhook events of a presence change, for the rooms the configuration covers: {@code room.occupied} and
 * {@code member.joined} when a user's first connection makes them a member (occupied when they are the room's first
 * user), {@code member.left} and {@code room.vacated} the other way round. Used where the store cannot write them
 * in the same step as the change itself: the memory backend (under its own lock) and a Redis Cluster (a second
 * command; docs/operations.md, "Webhook outbox").
 */
public final class RoomEvents {

    private static final Logger LOG = Logger.getLogger(RoomEvents.class);

    private final Outbox outbox;
    private final RoomPatterns rooms;

    public RoomEvents(Outbox outbox, RoomPatterns rooms) {
        this.outbox = outbox;
        this.rooms = rooms;
    }

    /** Whether the room's events are recorded. */
    public boolean covers(String room) {
        return rooms.matches(room);
    }

    Outbox outbox() {
        return outbox;
    }

    /** A user became a member; {@code users} is the room's count after it. */
    CompletionStage<Void> joined(String room, String user, int users) {
        if (!covers(room)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Void> occupied = users == 1
                ? outbox.append(OutboxEvent.room(EventType.ROOM_OCCUPIED, room))
                : CompletableFuture.completedFuture(null);
        return logged(occupied.thenCompose(x -> outbox.append(OutboxEvent.member(EventType.MEMBER_JOINED, room, user))));
    }

    /** A user stopped being a member; {@code users} is the room's count after it. */
    CompletionStage<Void> left(String room, String user, int users) {
        if (!covers(room)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<Void> left = outbox.append(OutboxEvent.member(EventType.MEMBER_LEFT, room, user));
        return logged(users == 0 ? left.thenCompose(x -> outbox.append(OutboxEvent.room(EventType.ROOM_VACATED, room))) : left);
    }

    /** Users removed with a dead node, {@code remaining} users after all of them. */
    void reaped(String room, java.util.List<String> users, int remaining) {
        for (int i = 0; i < users.size(); i++) {
            left(room, users.get(i), i == users.size() - 1 ? remaining : remaining + users.size() - 1 - i);
        }
    }

    private static CompletionStage<Void> logged(CompletionStage<Void> appended) {
        return appended.exceptionally(e -> {
            LOG.warnf("webhook event not recorded: %s", e.toString());
            return null;
        });
    }
}
