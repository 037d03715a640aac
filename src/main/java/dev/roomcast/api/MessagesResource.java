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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * The HTTP API for backends: push a message into a room or to a user, read a room's presence.
 * Bodies are any JSON value and are delivered as the {@code data} of the frame, untouched.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "messages", description = "Push messages into rooms and to users, read presence")
@SecurityScheme(securitySchemeName = MessagesResource.API_KEY, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "`Authorization: Bearer <key>` with one of roomcast.api.keys; with none configured the API is "
                + "open when roomcast.auth.mode=none and closed (401) otherwise")
@SecurityRequirement(name = MessagesResource.API_KEY)
@APIResponse(responseCode = "401", description = "no or an invalid API key",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
@APIResponse(responseCode = "503", description = "the message broker (Redis) is unavailable: nothing was done, retry later",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
public class MessagesResource {

    static final String API_KEY = "apiKey";

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
    @Operation(summary = "Publish a message to a room",
            description = "Stored in the room's history and delivered to every member on every node as a `message` "
                    + "frame whose `data` is the body, byte for byte")
    @APIResponse(responseCode = "200", description = "published: where the message is in the room's history")
    @APIResponse(responseCode = "400", description = "`invalid_room`, `invalid_user` (from) or `bad_request` (not one JSON value)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    @APIResponse(responseCode = "413", description = "`too_large`: the body exceeds roomcast.limits.max-message-size", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<Published> publishToRoom(
            @Parameter(description = "a valid room name, URL-encoded") @PathParam("room") String room,
            @Parameter(description = "the publishing user; without it the frames carry no `from`") @QueryParam("from") String from,
            @RequestBody(required = true, description = "any JSON value",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(description = "any JSON value")))
            String body) {
        requireRoom(room);
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return Uni.createFrom().completionStage(node.publish(room, from, data))
                .onItem().transform(p -> new Published(room, p.offset().toString(), p.epoch()))
                .onFailure(e -> !(e instanceof ApiError)).transform(MessagesResource::unavailable);
    }

    @POST
    @Path("/users/{user}/messages")
    @Operation(summary = "Send a direct message to a user",
            description = "Delivered as a `direct` frame to every connection of the user on every node; not stored")
    @APIResponse(responseCode = "200", description = "published (an offline user never gets it)")
    @APIResponse(responseCode = "400", description = "`invalid_user` (user or from) or `bad_request` (not one JSON value)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    @APIResponse(responseCode = "413", description = "`too_large`: the body exceeds roomcast.limits.max-message-size", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<Sent> sendToUser(
            @Parameter(description = "a valid user name") @PathParam("user") String user,
            @Parameter(description = "the sending user; without it the frame carries no `from`") @QueryParam("from") String from,
            @RequestBody(required = true, description = "any JSON value",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(description = "any JSON value")))
            String body) {
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
    @Operation(summary = "List who is in a room", description = "Cluster-wide, sorted by user")
    @APIResponse(responseCode = "200", description = "the room's members with their connection counts")
    @APIResponse(responseCode = "400", description = "`invalid_room`", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<RoomPresence> presence(
            @Parameter(description = "a valid room name, URL-encoded") @PathParam("room") String room) {
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
