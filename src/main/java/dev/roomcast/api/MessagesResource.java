package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.Names;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * The HTTP API for backends: push a message into a room or to a user, read a room's presence.
 * Bodies are any JSON value and are delivered as the {@code data} of the frame, untouched.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class MessagesResource {

    /** The answer to a room publish: where the message is in the room's history. */
    @JsonPropertyOrder({"room", "offset", "epoch"})
    public record Published(String room, String offset, String epoch) {
    }

    /** The answer to a direct message. */
    public record Sent(String user) {
    }

    /** Who is in a room, cluster-wide, sorted by user. */
    @JsonPropertyOrder({"room", "count", "members"})
    public record RoomPresence(String room, int count, List<Member> members) {
    }

    private final Node node;
    private final int maxMessageSize;

    public MessagesResource(Node node, RoomcastConfig config) {
        this.node = node;
        this.maxMessageSize = config.limits().maxMessageSize();
    }

    @POST
    @Path("/rooms/{room}/messages")
    public Uni<Published> publishToRoom(@PathParam("room") String room, @QueryParam("from") String from, String body) {
        requireRoom(room);
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return Uni.createFrom().completionStage(node.publish(room, from, data))
                .onItem().transform(p -> new Published(room, p.offset().toString(), p.epoch()))
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @POST
    @Path("/users/{user}/messages")
    public Uni<Sent> sendToUser(@PathParam("user") String user, @QueryParam("from") String from, String body) {
        if (!Names.isValidUser(user)) {
            throw new ApiError(400, ErrorCode.invalid_user, Names.USER_RULE);
        }
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return Uni.createFrom().completionStage(node.send(user, from, data))
                .onItem().transform(x -> new Sent(user))
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @GET
    @Path("/rooms/{room}/presence")
    public Uni<RoomPresence> presence(@PathParam("room") String room) {
        requireRoom(room);
        return Uni.createFrom().completionStage(node.presence(room))
                .onItem().transform(members -> new RoomPresence(room, members.size(), members))
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    private static void requireRoom(String room) {
        if (!Names.isValidRoom(room)) {
            throw new ApiError(400, ErrorCode.invalid_room, Names.ROOM_RULE);
        }
    }

    private static void requireFrom(String from) {
        if (from != null && !Names.isValidUser(from)) {
            throw new ApiError(400, ErrorCode.invalid_user, "from must be a valid user name");
        }
    }

    private static Throwable unavailable(Throwable e) {
        return new ApiError(503, ErrorCode.unavailable, "the message broker is unavailable, retry later");
    }
}
