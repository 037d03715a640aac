package dev.roomcast.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The server's reply frames, serialized by Jackson from records: they are sent once per request, not per
 * delivered message, so directness wins over the few hundred nanoseconds a hand encoder would save. (Room and
 * direct messages, which run per delivery, are hand-encoded in {@link MessageFrames}.) Members are written in
 * the order of the record components; absent ids are left out, except in the plain {@code ack}, which has
 * always carried {@code "id":null} for a frame without one.
 */
public final class ServerFrames {

    private ServerFrames() {
    }

    @RegisterForReflection
    @JsonPropertyOrder({"type", "user", "connection", "node", "protocol"})
    record Welcome(String type, String user, String connection, String node, int protocol) {
    }

    @RegisterForReflection
    @JsonPropertyOrder({"type", "id"})
    record Ack(String type, String id) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "id", "room", "epoch", "offset", "recovered"})
    record RoomAck(String type, String id, String room, String epoch, String offset, Boolean recovered) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "id", "code", "message"})
    record Error(String type, String id, ErrorCode code, String message) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "id", "room", "count", "members"})
    record PresenceList(String type, String id, String room, int count, List<Member> members) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "id"})
    record Pong(String type, String id) {
    }

    public static String welcome(String user, String connection, String node) {
        return write(new Welcome("welcome", user, connection, node, 1));
    }

    public static String ack(String id) {
        return write(new Ack("ack", id));
    }

    public static String ack(String id, String room) {
        return write(new RoomAck("ack", id, room, null, null, null));
    }

    /** Join ack: where the room's history stands, and whether a requested recovery was complete. */
    public static String joinAck(String id, String room, String epoch, StreamOffset offset, Boolean recovered) {
        return write(new RoomAck("ack", id, room, epoch, offset == null ? null : offset.toString(), recovered));
    }

    public static String error(String id, ErrorCode code, String message) {
        return write(new Error("error", id, code, message));
    }

    public static String presence(String id, String room, List<Member> members) {
        return write(new PresenceList("presence", id, room, members.size(), members));
    }

    public static String pong(String id) {
        return write(new Pong("pong", id));
    }

    private static String write(Object reply) {
        return Json.write(reply);
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "id", "room", "expires"})
    record RefreshAck(String type, String id, String room, long expires) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"type", "room", "expires"})
    record RefreshDue(String type, String room, long expires) {
    }

    @RegisterForReflection
    @JsonPropertyOrder({"type", "room", "reason"})
    record Removed(String type, String room, String reason) {
    }

    /** Ack of a {@code refresh}: the new token's {@code exp} (seconds since the Unix epoch). */
    public static String refreshAck(String id, long expires) {
        return refreshAck(id, null, expires);
    }

    /** Ack of a room's {@code refresh}: the new subscription token's {@code exp}. */
    public static String refreshAck(String id, String room, long expires) {
        return write(new RefreshAck("ack", id, room, expires));
    }

    /** Pushed ahead of the token's expiry: send a {@code refresh} with a new token before {@code expires}. */
    public static String refreshDue(long expires) {
        return refreshDue(null, expires);
    }

    /** Pushed ahead of the expiry of the subscription token {@code room} is held by. */
    public static String refreshDue(String room, long expires) {
        return write(new RefreshDue("refresh", room, expires));
    }

    /** The connection was taken out of {@code room} by the server (not by its own {@code leave}). */
    public static String removed(String room, String reason) {
        return write(new Removed("removed", room, reason));
    }
}
