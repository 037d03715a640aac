package dev.roomcast.broker;

/**
 * Key and channel names. Every key of a room carries the hash tag {@code {room}}, so a room's keys
 * share one slot if Redis Cluster is used later.
 */
public final class RedisKeys {

    private final String prefix;
    private final String roomChannelStart;
    private final String userChannelStart;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
        this.roomChannelStart = prefix + ":{";
        this.userChannelStart = prefix + ":user:{";
    }

    /** Live room messages and presence events: {@code rc:{room}}. */
    public String roomChannel(String room) {
        return roomChannelStart + room + "}";
    }

    /** Direct messages to a user: {@code rc:user:{user}}. */
    public String userChannel(String user) {
        return userChannelStart + user + "}";
    }

    /** Room history: {@code rc:{room}:stream}. */
    public String stream(String room) {
        return roomChannelStart + room + "}:stream";
    }

    /** The epoch of the room's history: {@code rc:{room}:epoch}. */
    public String epoch(String room) {
        return roomChannelStart + room + "}:epoch";
    }

    /** Presence members of a room: {@code rc:{room}:presence}. */
    public String presence(String room) {
        return roomChannelStart + room + "}:presence";
    }

    /** Users of a room with their connection counts across the cluster: {@code rc:{room}:users}. */
    public String presenceUsers(String room) {
        return roomChannelStart + room + "}:users";
    }

    /** The connection holding a user's single session: {@code rc:user:{user}:session}. */
    public String userSession(String user) {
        return userChannelStart + user + "}:session";
    }

    /** A node's lease: {@code rc:node:<id>}. */
    public String nodeLease(String nodeId) {
        return prefix + ":node:" + nodeId;
    }

    /** What a node reported at its last lease renewal (connections, rooms): {@code rc:node:<id>:info}. */
    public String nodeInfo(String nodeId) {
        return prefix + ":node:" + nodeId + ":info";
    }

    /** An idempotent publish's result in a room, for the idempotency window: {@code rc:{room}:idem:<key>}. */
    public String idempotency(String room, String key) {
        return roomChannelStart + room + "}:idem:" + key;
    }

    /** Rooms in which a node has presence entries: {@code rc:node:<id>:rooms}. */
    public String nodeRooms(String nodeId) {
        return prefix + ":node:" + nodeId + ":rooms";
    }

    /** Every node that may hold presence entries: {@code rc:nodes}. */
    public String nodes() {
        return prefix + ":nodes";
    }

    /**
     * The webhook outbox stream: {@code rc:{webhooks}:outbox}. Every webhook key carries the tag {@code {webhooks}},
     * so on a Redis Cluster they share one slot and the online-user scripts stay atomic.
     */
    public String webhookOutbox() {
        return prefix + ":{webhooks}:outbox";
    }

    /** Users with a connection anywhere in the cluster, with how many nodes they are on: {@code rc:{webhooks}:online}. */
    public String onlineUsers() {
        return prefix + ":{webhooks}:online";
    }

    /** Users who went offline, scored by when their {@code user.offline} is due: {@code rc:{webhooks}:offline}. */
    public String offlineUsers() {
        return prefix + ":{webhooks}:offline";
    }

    /** Users with a connection on one node: {@code rc:{webhooks}:node:<id>}. */
    public String nodeUsers(String nodeId) {
        return prefix + ":{webhooks}:node:" + nodeId;
    }

    /** The room of a room channel, or null if {@code channel} is not one. */
    public String roomOf(String channel) {
        if (channel.startsWith(roomChannelStart) && channel.endsWith("}")) {
            return channel.substring(roomChannelStart.length(), channel.length() - 1);
        }
        return null;
    }

    /** The user of a user channel, or null if {@code channel} is not one. */
    public String userOf(String channel) {
        if (channel.startsWith(userChannelStart) && channel.endsWith("}")) {
            return channel.substring(userChannelStart.length(), channel.length() - 1);
        }
        return null;
    }

    public String prefix() {
        return prefix;
    }
}
