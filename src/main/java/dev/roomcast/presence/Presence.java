package dev.roomcast.presence;

import dev.roomcast.protocol.Member;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Who is in a room. One user counts once however many connections they have. */
public interface Presence {

    /** Records a connection of {@code user} in {@code room}. */
    CompletionStage<Change> add(String room, String user, String connectionId);

    /** Removes a connection of {@code user} from {@code room}. */
    CompletionStage<Change> remove(String room, String user, String connectionId);

    /**
     * {@link #remove}, and where the store can do it in the same round trip, publishes {@code leftEvent}
     * (null: never) when this was the user's last connection and at most {@code maxUsersForEvents} remain.
     */
    default CompletionStage<Change> removeAndAnnounce(String room, String user, String connectionId, String leftEvent,
            int maxUsersForEvents) {
        return remove(room, user, connectionId);
    }

    CompletionStage<List<Member>> members(String room);

    /**
     * @param userChanged true when the user's first connection arrived or last connection left
     * @param users       distinct users in the room after the change
     * @param announced   the store already published the {@code left} event if one was due
     */
    record Change(boolean userChanged, int users, boolean announced) {
        public Change(boolean userChanged, int users) {
            this(userChanged, users, false);
        }
    }
}
