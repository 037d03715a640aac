package dev.roomcast.presence;

import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.PresenceEvent;
import dev.roomcast.protocol.StreamOffset;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.broker.PoolBusyRetry;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.broker.RedisEnvelope;
import dev.roomcast.broker.RedisKeys;
import dev.roomcast.broker.RedisScript;
import dev.roomcast.broker.RoomPositions;
import dev.roomcast.outbox.RedisOutbox;
import dev.roomcast.protocol.RoomPatterns;
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
public final class RedisPresence implements Presence, AnnouncingPresence, ClusterView {

    /** SSCAN's COUNT when the room lists of the nodes are read for the server API. */
    private static final int SCAN_COUNT = 1000;

    private final Redis redis;
    private final RedisKeys keys;
    private final String node;
    private final long historyTtlMillis;
    private final RoomPositions positions;
    private final boolean cluster;
    private final dev.roomcast.broker.PublishCommand publish;
    /** Webhook events of presence changes; null: webhooks off. */
    private final RedisOutbox outbox;
    private final RoomEvents events;

    /** Without webhook events. */
    public RedisPresence(RedisBackend backend, RoomPositions positions, String node) {
        this(backend, positions, node, null, null);
    }

    /**
     * @param positions told the history position each one-round-trip join reads (the broker's cursors)
     * @param outbox    where the webhook events of presence changes go; null when webhooks are off
     * @param rooms     the rooms whose events are recorded
     */
    public RedisPresence(RedisBackend backend, RoomPositions positions, String node, RedisOutbox outbox,
            RoomPatterns rooms) {
        this.outbox = outbox;
        this.events = outbox == null ? null : new RoomEvents(outbox, rooms);
        this.redis = backend.redis();
        this.keys = backend.keys();
        this.historyTtlMillis = backend.historyTtlMillis();
        this.positions = positions;
        this.node = node;
        this.cluster = backend.cluster();
        this.publish = backend.publish();
    }

    /**
     * The script as this deployment runs it. On a Redis Cluster every key of a script must be in one slot: the
     * room's. The node's room list is in another, so the room is added to it by a command of its own before the
     * script runs, and stays listed after the node's last connection left the room (removing it then could race a
     * join on this node and leave entries a reaper never finds); the list goes when the node stops or is reaped.
     */
    private Future<RedisScript> prepared(RedisScript script, String room) {
        if (!cluster) {
            return Future.succeededFuture(eventsInScript(room) ? PresenceScripts.withEvents(script) : script);
        }
        RedisScript variant = publish.script(PresenceScripts.withoutNodeRooms(script));
        if (script == PresenceScripts.LEAVE) {
            return Future.succeededFuture(variant);
        }
        return redis.send(Request.cmd(Command.SADD).arg(keys.nodeRooms(node)).arg(room)).map(x -> variant);
    }

    /**
     * Whether the script records the room's webhook events itself, atomically with the change (standalone, Sentinel).
     * On a Redis Cluster the outbox is in another slot: the events follow the script as a command of their own
     * ({@link #eventsAfterScript}), so a crash right between the two loses them (docs/operations.md).
     */
    private boolean eventsInScript(String room) {
        return events != null && !cluster && events.covers(room);
    }

    private boolean eventsAfterScript(String room) {
        return events != null && cluster && events.covers(room);
    }

    /** Runs the script as this deployment runs it ({@link #prepared}). */
    private Future<Response> eval(RedisScript base, String room, int numKeys, List<String> args) {
        return prepared(base, room).compose(script -> evalWithOutbox(script, room, numKeys, args));
    }

    /** The script's KEYS and ARGV, with the outbox's when the script records events (then KEYS has one more). */
    private Future<Response> evalWithOutbox(RedisScript script, String room, int numKeys, List<String> args) {
        if (!eventsInScript(room)) {
            return script.eval(redis, numKeys, args);
        }
        List<String> all = new ArrayList<>(args.subList(0, numKeys));
        all.addAll(outbox.scriptKeys());
        all.addAll(args.subList(numKeys, args.size()));
        all.addAll(outbox.scriptArgs());
        return script.eval(redis, numKeys + outbox.scriptKeys().size(), all);
    }

    /** The node's room list, or on a cluster the room's presence key again (see {@link #prepared}). */
    private String nodeRoomsKey(String room) {
        return cluster ? keys.presence(room) : keys.nodeRooms(node);
    }

    @Override
    public CompletionStage<Change> add(String room, String user, String connectionId) {
        return eval(PresenceScripts.ADD, room, 3, args(room, user))
                .map(r -> joined(room, user, new Change(r.get(0).toInteger() == 1, r.get(1).toInteger())))
                .toCompletionStage();
    }

    @Override
    public CompletionStage<Change> remove(String room, String user, String connectionId) {
        return recordLeave(room, user, connectionId, false, 0);
    }

    /** One round trip instead of three (add, history position, joined event). */
    @Override
    public CompletionStage<RecordedJoin> recordJoin(String room, String user, String connectionId,
            int maxUsersForEvents) {
        List<String> args = List.of(keys.presence(room), keys.presenceUsers(room), nodeRoomsKey(room),
                keys.stream(room), keys.epoch(room), keys.roomChannel(room),
                node + "|" + user, user, room, "#" + node, Long.toString(historyTtlMillis),
                RedisBroker.newEpoch(), Integer.toString(maxUsersForEvents),
                RedisEnvelope.presencePayload(PresenceEvent.joined(room, user)));
        return eval(PresenceScripts.JOIN, room, 6, args).map(r -> {
            StreamOffset latest = r.get(3) == null ? null : StreamOffset.parse(r.get(3).toString());
            HistoryPage position = positions.positioned(room, r.get(2).toString(), latest);
            joined(room, user, new Change(r.get(0).toInteger() == 1, r.get(1).toInteger()));
            return new RecordedJoin(r.get(0).toInteger() == 1, r.get(1).toInteger(), position);
        }).toCompletionStage();
    }

    /** One round trip instead of two (remove, left event). */
    @Override
    public CompletionStage<Change> recordLeave(String room, String user, String connectionId, boolean announce,
            int maxUsersForEvents) {
        List<String> args = List.of(keys.presence(room), keys.presenceUsers(room), nodeRoomsKey(room),
                keys.roomChannel(room), node + "|" + user, user, room, "#" + node,
                Integer.toString(maxUsersForEvents),
                announce ? RedisEnvelope.presencePayload(PresenceEvent.left(room, user)) : "");
        return PoolBusyRetry.retry(() -> eval(PresenceScripts.LEAVE, room, 4, args).toCompletionStage())
                .thenApply(r -> {
                    Change change = new Change(r.get(0).toInteger() == 0, r.get(1).toInteger());
                    if (change.userChanged() && eventsAfterScript(room)) {
                        events.left(room, user, change.users());
                    }
                    return change;
                });
    }

    /** On a cluster, the webhook events of a join, after the script. */
    private Change joined(String room, String user, Change change) {
        if (change.userChanged() && eventsAfterScript(room)) {
            events.joined(room, user, change.users());
        }
        return change;
    }

    private List<String> args(String room, String user) {
        return List.of(keys.presence(room), keys.presenceUsers(room), nodeRoomsKey(room),
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

    // --- cluster view (server API) ----------------------------------------------------------------

    /** Every node in the lease set whose stats have not expired (a dead node's expire with its lease TTL). */
    @Override
    public CompletionStage<List<NodeStats>> nodes() {
        return leasedNodes().compose(nodes -> {
            List<Future<NodeStats>> stats = new ArrayList<>();
            for (String n : nodes) {
                stats.add(redis.send(Request.cmd(Command.GET).arg(keys.nodeInfo(n))).map(r -> nodeStats(n, r)));
            }
            return Future.all(stats).map(all -> {
                List<NodeStats> out = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    NodeStats s = all.resultAt(i);
                    if (s != null) {
                        out.add(s);
                    }
                }
                out.sort(Comparator.comparing(NodeStats::node));
                return out;
            });
        }).toCompletionStage();
    }

    private Future<List<String>> leasedNodes() {
        return redis.send(Request.cmd(Command.ZRANGE).arg(keys.nodes()).arg(0).arg(-1)).map(r -> {
            List<String> nodes = new ArrayList<>();
            if (r != null) {
                for (Response n : r) {
                    nodes.add(n.toString());
                }
            }
            return nodes;
        });
    }

    private static NodeStats nodeStats(String node, Response info) {
        if (info == null) {
            return null;
        }
        String[] parts = info.toString().split(" ");
        try {
            return new NodeStats(node, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Scans the room list of every node in the lease set ({@code SSCAN MATCH prefix*}) and keeps the first
     * {@code limit + 1} names after {@code after}, then counts the users of the first {@code limit} ({@code HLEN}).
     * The cost grows with the number of rooms that match the prefix (every page scans them all again); the memory
     * used is bounded by {@code limit}. On a Redis Cluster a node's list keeps rooms it has left (see
     * {@link #prepared}): those have no users and are left out of the page.
     */
    @Override
    public CompletionStage<RoomPage> rooms(String prefix, String after, int limit) {
        java.util.TreeSet<String> candidates = new java.util.TreeSet<>();
        return leasedNodes().compose(nodes -> {
            List<Future<Void>> scans = new ArrayList<>();
            for (String n : nodes) {
                scans.add(scanRooms(keys.nodeRooms(n), "0", prefix + "*", after, candidates, limit + 1));
            }
            return Future.all(scans);
        }).compose(x -> {
            List<String> page;
            String next;
            synchronized (candidates) {
                page = new ArrayList<>(candidates).subList(0, Math.min(limit, candidates.size()));
                next = candidates.size() > limit ? page.get(page.size() - 1) : null;
            }
            List<Future<RoomMembers>> counts = new ArrayList<>();
            for (String room : page) {
                counts.add(redis.send(Request.cmd(Command.HLEN).arg(keys.presenceUsers(room)))
                        .map(r -> new RoomMembers(room, r == null ? 0 : r.toInteger())));
            }
            return Future.all(counts).map(all -> {
                List<RoomMembers> rooms = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    RoomMembers m = all.resultAt(i);
                    if (m.members() > 0) {
                        rooms.add(m);
                    }
                }
                return new RoomPage(rooms, next);
            });
        }).toCompletionStage();
    }

    private Future<Void> scanRooms(String key, String cursor, String pattern, String after,
            java.util.TreeSet<String> into, int keep) {
        return redis.send(Request.cmd(Command.SSCAN).arg(key).arg(cursor).arg("MATCH").arg(pattern)
                .arg("COUNT").arg(SCAN_COUNT)).compose(r -> {
            synchronized (into) {
                for (Response room : r.get(1)) {
                    String name = room.toString();
                    if (after == null || name.compareTo(after) > 0) {
                        into.add(name);
                        if (into.size() > keep) {
                            into.pollLast();
                        }
                    }
                }
            }
            String next = r.get(0).toString();
            return "0".equals(next) ? Future.<Void>succeededFuture() : scanRooms(key, next, pattern, after, into, keep);
        });
    }

    /** Entries of {@code deadNode} in every room it had, removed; returns who left where. */
    Future<List<Departure>> reap(String deadNode) {
        return redis.send(Request.cmd(Command.SMEMBERS).arg(keys.nodeRooms(deadNode))).compose(rooms -> {
            List<Future<Departure>> reaped = new ArrayList<>();
            if (rooms != null) {
                for (Response roomName : rooms) {
                    String room = roomName.toString();
                    // Not prepared(): reaping touches only the room's keys, in every mode, and lists nothing.
                    RedisScript reap = eventsInScript(room)
                            ? PresenceScripts.withEvents(PresenceScripts.REAP_ROOM) : PresenceScripts.REAP_ROOM;
                    reaped.add(evalWithOutbox(reap, room, 2,
                                    List.of(keys.presence(room), keys.presenceUsers(room), deadNode + "|", "#" + deadNode, room))
                            .map(r -> {
                                List<String> left = new ArrayList<>();
                                for (Response u : r.get(0)) {
                                    left.add(u.toString());
                                }
                                if (eventsAfterScript(room)) {
                                    events.reaped(room, left, r.get(1).toInteger());
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
