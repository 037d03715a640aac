package dev.roomcast.presence;

import dev.roomcast.broker.HistoryPage;

import java.util.concurrent.CompletionStage;

/**
 * A capability of a presence store that can do a plain join (one without recovery) in one round trip: record
 * the connection, publish {@code joined} when due, and read the room's history position. The Redis backend has
 * it ({@link RedisPresence}, one Lua call); the hub uses it when the presence it was given implements it, and
 * otherwise records presence, asks the broker for the position and announces {@code joined} itself.
 */
public interface JoinRecorder {

    /**
     * @param joinedEvent       the {@code joined} frame, published when this is the user's first connection in the
     *                          room and the room has at most {@code maxUsersForEvents} users
     */
    CompletionStage<RecordedJoin> recordJoin(String room, String user, String connectionId, String joinedEvent,
            int maxUsersForEvents);

    /**
     * @param firstOfUser the user's first connection in the room (the {@code joined} event was published if due)
     * @param users       distinct users in the room after the join
     * @param position    the room's history position, read in the same step
     */
    record RecordedJoin(boolean firstOfUser, int users, HistoryPage position) {
    }
}
