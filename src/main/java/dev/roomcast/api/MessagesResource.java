package dev.roomcast.api;

import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Json;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.ServerFrames;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The HTTP API for backends: push a message into a room or to a user, read a room's presence.
 * Bodies are any JSON value and are delivered as the {@code data} of the frame, untouched.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class MessagesResource {

    private final Node node;
    private final int maxMessageSize;

    public MessagesResource(Node node, RoomcastConfig config) {
        this.node = node;
        this.maxMessageSize = config.limits().maxMessageSize();
    }

    @POST
    @Path("/rooms/{room}/messages")
    public Uni<String> publishToRoom(@PathParam("room") String room, @QueryParam("from") String from, String body) {
        requireRoom(room);
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return Uni.createFrom().completionStage(node.publish(room, from, data))
                .onItem().transform(p -> "{\"room\":\"" + room + "\",\"offset\":" + Json.quote(p.offset().toString())
                        + ",\"epoch\":" + Json.quote(p.epoch()) + "}")
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @POST
    @Path("/users/{user}/messages")
    public Uni<String> sendToUser(@PathParam("user") String user, @QueryParam("from") String from, String body) {
        if (!Names.isValidUser(user)) {
            throw new ApiError(400, ErrorCode.invalid_user, Names.USER_RULE);
        }
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return Uni.createFrom().completionStage(node.send(user, from, data))
                .onItem().transform(x -> "{\"user\":\"" + user + "\"}")
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @GET
    @Path("/rooms/{room}/presence")
    public Uni<String> presence(@PathParam("room") String room) {
        requireRoom(room);
        return Uni.createFrom().completionStage(node.presence(room))
                .onItem().transform(members -> {
                    StringBuilder sb = new StringBuilder("{\"room\":\"").append(room)
                            .append("\",\"count\":").append(members.size()).append(",\"members\":[");
                    ServerFrames.appendMembers(sb, members);
                    return sb.append("]}").toString();
                })
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
