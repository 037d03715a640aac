package dev.roomcast.presence;

import dev.roomcast.broker.HistoryPage;

import java.util.concurrent.CompletionStage;

/**
 * A capability of a presence store that announces presence events itself, in the same round trip as the presence
 * write: a plain join (one without recovery) records the connection, publishes {@code joined} when due and reads
 * the room's history position; a leave removes the connection and publishes {@code left} when due. The Redis
 * backend has it ({@link RedisPresence}, one Lua call each); the hub uses it when the presence it was given
 * implements it, and otherwise writes presence, asks the broker for the position and announces events itself.
 * An event is due when it is the user's first (last) connection in the room and the room has at most
 * {@code maxUsersForEvents} users after the change.
 */
public interface AnnouncingPresence {

    CompletionStage<RecordedJoin> recordJoin(String room, String user, String connectionId, int maxUsersForEvents);

    /** @param announce false to undo a join that never completed: nothing is published */
    CompletionStage<Presence.Change> recordLeave(String room, String user, String connectionId, boolean announce,
            int maxUsersForEvents);

    /**
     * @param firstOfUser the user's first connection in the room (the {@code joined} event was published if due)
     * @param users       distinct users in the room after the join
     * @param position    the room's history position, read in the same step
     */
    record RecordedJoin(boolean firstOfUser, int users, HistoryPage position) {
    }
}
