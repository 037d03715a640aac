package dev.roomcast.presence;

import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.StreamOffset;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.broker.PoolBusyRetry;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.broker.RedisKeys;
import dev.roomcast.broker.RoomPositions;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Cluster-wide presence in Redis; see {@link PresenceScripts} for the layout. */
public final class RedisPresence implements Presence, JoinRecorder {

    private final Redis redis;
    private final RedisKeys keys;
    private final String node;
    private final long historyTtlMillis;
    private final RoomPositions positions;

    /** @param positions told the history position each one-round-trip join reads (the broker's cursors) */
    public RedisPresence(RedisBackend backend, RoomPositions positions, String node) {
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.historyTtlMillis = backend.historyTtlMillis();
        this.positions = positions;
        this.node = node;
    }

    @Override
    public CompletionStage<Change> add(String room, String user, String connectionId) {
        return PresenceScripts.ADD.eval(redis, 3, args(room, user))
                .map(r -> new Change(r.get(0).toInteger() == 1, r.get(1).toInteger()))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<Change> remove(String room, String user, String connectionId) {
        return removeAndAnnounce(room, user, connectionId, null, 0);
    }

    /** One round trip instead of three (add, history position, joined event). */
    @Override
    public CompletionStage<RecordedJoin> recordJoin(String room, String user, String connectionId, String joinedEvent,
            int maxUsersForEvents) {
        List<String> args = List.of(keys.presence(room), keys.presenceUsers(room), keys.nodeRooms(node),
                keys.stream(room), keys.epoch(room), keys.roomChannel(room),
                node + "|" + user, user, room, "#" + node, Long.toString(historyTtlMillis),
                RedisBroker.newEpoch(), Integer.toString(maxUsersForEvents), joinedEvent);
        return PresenceScripts.JOIN.eval(redis, 6, args).map(r -> {
            StreamOffset latest = r.get(3) == null ? null : StreamOffset.parse(r.get(3).toString());
            HistoryPage position = positions.positioned(room, r.get(2).toString(), latest);
            return new RecordedJoin(r.get(0).toInteger() == 1, r.get(1).toInteger(), position);
        }).toCompletionStage();
    }

    /** One round trip instead of two (remove, left event). */
    @Override
    public CompletionStage<Change> removeAndAnnounce(String room, String user, String connectionId, String leftEvent,
            int maxUsersForEvents) {
        List<String> args = List.of(keys.presence(room), keys.presenceUsers(room), keys.nodeRooms(node),
                keys.roomChannel(room), node + "|" + user, user, room, "#" + node,
                Integer.toString(maxUsersForEvents), leftEvent == null ? "" : leftEvent);
        return PoolBusyRetry.retry(() -> PresenceScripts.LEAVE.eval(redis, 4, args).toCompletionStage())
                .thenApply(r -> new Change(r.get(0).toInteger() == 0, r.get(1).toInteger(), leftEvent != null));
    }

    private List<String> args(String room, String user) {
        return List.of(keys.presence(room), keys.presenceUsers(room), keys.nodeRooms(node),
                node + "|" + user, user, room, "#" + node);
    }

    @Override
    public CompletionStage<List<Member>> members(String room) {
        // Through Lua, HGETALL is a flat list whatever protocol (RESP2/RESP3) the connection speaks.
        return PresenceScripts.MEMBERS.eval(redis, 1, List.of(keys.presenceUsers(room)))
                .map(RedisPresence::toMembers)
                .toCompletionStage();
    }

    private static List<Member> toMembers(Response flat) {
        List<Member> members = new ArrayList<>(flat == null ? 0 : flat.size() / 2);
        if (flat != null) {
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                members.add(new Member(flat.get(i).toString(), flat.get(i + 1).toInteger()));
            }
        }
        members.sort(Comparator.comparing(Member::user));
        return members;
    }

    /** Entries of {@code deadNode} in every room it had, removed; returns who left where. */
    Future<List<Departure>> reap(String deadNode) {
        return redis.send(Request.cmd(Command.SMEMBERS).arg(keys.nodeRooms(deadNode))).compose(rooms -> {
            List<Future<Departure>> reaped = new ArrayList<>();
            if (rooms != null) {
                for (Response roomName : rooms) {
                    String room = roomName.toString();
                    reaped.add(PresenceScripts.REAP_ROOM.eval(redis, 2,
                                    List.of(keys.presence(room), keys.presenceUsers(room), deadNode + "|", "#" + deadNode))
                            .map(r -> {
                                List<String> left = new ArrayList<>();
                                for (Response u : r.get(0)) {
                                    left.add(u.toString());
                                }
                                return new Departure(room, left, r.get(1).toInteger());
                            }));
                }
            }
            return Future.all(reaped).map(all -> {
                List<Departure> out = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    out.add(all.resultAt(i));
                }
                return out;
            });
        }).compose(departures -> redis.send(Request.cmd(Command.DEL).arg(keys.nodeRooms(deadNode)))
                .compose(x -> redis.send(Request.cmd(Command.ZREM).arg(keys.nodes()).arg(deadNode)))
                .map(x -> departures));
    }

    /** Users who left a room because their node died. */
    record Departure(String room, List<String> users, int remaining) {
    }
}
