package dev.roomcast.api;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.MessageFrames;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Json;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.ServerFrames;
import dev.roomcast.node.ProtocolObserver;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;

/**
 * The HTTP API for backends: push a message into a room or to a user, read a room's presence.
 * Bodies are any JSON value and are delivered as the {@code data} of the frame, untouched.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class MessagesResource {

    private final Hub hub;
    private final Broker broker;
    private final int maxMessageSize;
    private final ProtocolObserver observer;
    private final Clock clock = Clock.systemUTC();

    public MessagesResource(Hub hub, RoomcastConfig config, ProtocolObserver observer) {
        this.hub = hub;
        this.broker = hub.broker();
        this.maxMessageSize = config.limits().maxMessageSize();
        this.observer = observer;
    }

    @POST
    @Path("/rooms/{room}/messages")
    public Uni<String> publishToRoom(@PathParam("room") String room, @QueryParam("from") String from, String body) {
        requireRoom(room);
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        long now = clock.millis();
        return Uni.createFrom().completionStage(broker.publishRoom(room, now, MessageFrames.body(now, from, data)))
                .onItem().transform(p -> {
                    observer.published(room);
                    return "{\"room\":\"" + room + "\",\"offset\":" + Json.quote(p.offset())
                            + ",\"epoch\":" + Json.quote(p.epoch()) + "}";
                })
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @POST
    @Path("/users/{user}/messages")
    public Uni<String> sendToUser(@PathParam("user") String user, @QueryParam("from") String from, String body) {
        if (!Names.isValidUser(user)) {
            throw new ApiError(400, ErrorCode.invalid_user, "user names are 1-64 characters of A-Z a-z 0-9 _ . @ -");
        }
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        long now = clock.millis();
        String frame = MessageFrames.direct(MessageFrames.body(now, from, data));
        return Uni.createFrom().completionStage(broker.publishUser(user, now, frame))
                .onItem().transform(x -> "{\"user\":\"" + user + "\"}")
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @GET
    @Path("/rooms/{room}/presence")
    public Uni<String> presence(@PathParam("room") String room) {
        requireRoom(room);
        return Uni.createFrom().completionStage(hub.presence().members(room))
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
            throw new ApiError(400, ErrorCode.invalid_room, "room names are 1-128 characters of A-Z a-z 0-9 _ . : @ / -");
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
