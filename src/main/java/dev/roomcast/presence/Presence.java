package dev.roomcast.presence;

import dev.roomcast.protocol.Member;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Who is in a room. One user counts once however many connections they have. A store that can also announce
 * {@code joined}/{@code left} in the same round trip as the write says so by being an {@link AnnouncingPresence}.
 */
public interface Presence {

    /** Records a connection of {@code user} in {@code room}. */
    CompletionStage<Change> add(String room, String user, String connectionId);

    /** Removes a connection of {@code user} from {@code room}. */
    CompletionStage<Change> remove(String room, String user, String connectionId);

    CompletionStage<List<Member>> members(String room);

    /**
     * @param userChanged true when the user's first connection arrived or last connection left
     * @param users       distinct users in the room after the change
     */
    record Change(boolean userChanged, int users) {
    }
}
