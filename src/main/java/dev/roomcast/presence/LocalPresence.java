package dev.roomcast.presence;

import dev.roomcast.protocol.Member;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Presence of this node only, for the memory broker; with webhooks, its changes' events go to the memory outbox. */
public final class LocalPresence implements Presence, ClusterView {

    /** Webhook events of presence changes; null: webhooks off. */
    private final RoomEvents events;

    public LocalPresence() {
        this(null);
    }

    public LocalPresence(RoomEvents events) {
        this.events = events;
    }

    /** room → user → connection count; each room map is guarded by its own monitor. */
    private final ConcurrentHashMap<String, Map<String, Integer>> rooms = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Change> add(String room, String user, String connectionId) {
        boolean[] first = new boolean[1];
        int[] users = new int[1];
        rooms.compute(room, (k, members) -> {
            if (members == null) {
                members = new HashMap<>();
            }
            first[0] = members.merge(user, 1, Integer::sum) == 1;
            users[0] = members.size();
            if (first[0] && events != null) {
                events.joined(room, user, users[0]); // under the room's lock: in the order of the changes
            }
            return members;
        });
        return CompletableFuture.completedFuture(new Change(first[0], users[0]));
    }

    @Override
    public CompletionStage<Change> remove(String room, String user, String connectionId) {
        boolean[] last = new boolean[1];
        int[] users = new int[1];
        rooms.computeIfPresent(room, (k, members) -> {
            Integer n = members.get(user);
            if (n == null) {
                return members;
            }
            if (n == 1) {
                members.remove(user);
                last[0] = true;
            } else {
                members.put(user, n - 1);
            }
            users[0] = members.size();
            if (last[0] && events != null) {
                events.left(room, user, users[0]);
            }
            return members.isEmpty() ? null : members;
        });
        return CompletableFuture.completedFuture(new Change(last[0], users[0]));
    }

    @Override
    public CompletionStage<List<Member>> members(String room) {
        List<Member> list = new ArrayList<>();
        rooms.computeIfPresent(room, (k, members) -> {
            members.forEach((user, n) -> list.add(new Member(user, n)));
            return members;
        });
        list.sort(Comparator.comparing(Member::user));
        return CompletableFuture.completedFuture(list);
    }

    /** One node: the node reports itself (the node facade adds its own counts). */
    @Override
    public CompletionStage<List<NodeStats>> nodes() {
        return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<RoomPage> rooms(String prefix, String after, int limit) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (String room : rooms.keySet()) {
            if (room.startsWith(prefix) && (after == null || room.compareTo(after) > 0)) {
                names.add(room);
                if (names.size() > limit + 1) {
                    names.pollLast();
                }
            }
        }
        List<RoomMembers> page = new ArrayList<>();
        String last = null;
        for (String room : names) {
            if (page.size() == limit) {
                break;
            }
            last = room;
            int[] users = new int[1];
            rooms.computeIfPresent(room, (k, members) -> {
                users[0] = members.size();
                return members;
            });
            if (users[0] > 0) {
                page.add(new RoomMembers(room, users[0]));
            }
        }
        return CompletableFuture.completedFuture(new RoomPage(page, names.size() > limit ? last : null));
    }

    /** Rooms with at least one member; for leak checks. */
    public int roomCount() {
        return rooms.size();
    }
}
