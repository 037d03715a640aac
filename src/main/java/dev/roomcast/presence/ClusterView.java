package dev.roomcast.presence;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** The cluster as the server API shows it: its nodes, and its rooms with their members. */
public interface ClusterView {

    /** The live nodes with what each reported at its last lease renewal, sorted by node id. */
    CompletionStage<List<NodeStats>> nodes();

    /**
     * Rooms with members, cluster-wide, whose names start with {@code prefix}, after {@code after} in name order
     * (null: from the first), at most {@code limit}; {@link RoomPage#next()} is where the next page starts.
     */
    CompletionStage<RoomPage> rooms(String prefix, String after, int limit);

    /** What a node reports about itself with its lease. */
    record NodeStats(String node, int connections, int rooms) {
    }

    /** A room and how many distinct users are in it. */
    record RoomMembers(String room, int members) {
    }

    /**
     * @param next the last room of this page when there may be more (pass it as {@code after}), null at the end; a
     *             page may hold fewer than {@code limit} rooms and still have a next one
     */
    record RoomPage(List<RoomMembers> rooms, String next) {
    }
}
