package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.roomcast.node.Node;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Disconnect a user, or take a user out of a room, on every node: the command travels on the user's channel, which
 * every node with a connection of the user subscribes, and each node acts on its own connections.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "moderation", description = "Disconnect users and remove them from rooms, cluster-wide")
@SecurityRequirement(name = MessagesResource.API_KEY)
@APIResponse(responseCode = "400", description = "`invalid_user`, `invalid_room`, or `bad_request` (not the documented object, a code out of 4100-4999, a reason over 123 bytes)",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
@APIResponse(responseCode = "401", description = "no or an invalid API key",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
@APIResponse(responseCode = "503", description = "the message broker (Redis) is unavailable: nothing was done, retry later",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
public class ModerationResource {

    /** The command was sent to every node with a connection of the user. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"user", "room"})
    @Schema(name = "UserCommand")
    public record Sent(String user, String room) {
    }

    @Schema(name = "DisconnectRequest")
    record DisconnectDoc(
            @Schema(required = true, description = "the WebSocket close code, 4100-4999: roomcast-client gives up after "
                    + "4100-4499 and reconnects after 4500-4999") int code,
            @Schema(description = "the close reason, at most 123 bytes of UTF-8") String reason) {
    }

    @Schema(name = "RemoveRequest")
    record RemoveDoc(@Schema(required = true) String room,
            @Schema(description = "sent to the user's connections in `removed`, at most 123 bytes of UTF-8; "
                    + "default `removed by the server`") String reason) {
    }

    private final Node node;

    public ModerationResource(Node node) {
        this.node = node;
    }

    @POST
    @Path("/users/{user}/disconnect")
    @Operation(summary = "Disconnect every connection of a user",
            description = "On every node, each connection of the user is closed with the code and reason, after the "
                    + "frames already queued for it. The user may connect again: revoke its tokens (or refuse it in the "
                    + "connect hook) to keep it out")
    @APIResponse(responseCode = "200", description = "sent to every node the user is connected to (none: nothing happens)")
    public Uni<Sent> disconnect(@Parameter(description = "a valid user name") @PathParam("user") String user,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = DisconnectDoc.class))) String body) {
        ApiRequests.Disconnect d = ApiRequests.disconnect(body);
        return NodeCalls.answer(() -> node.disconnect(user, d.code(), d.reason()),
                x -> new Sent(user, null));
    }

    @POST
    @Path("/users/{user}/remove")
    @Operation(summary = "Remove a user from a room",
            description = "On every node, each connection of the user in the room leaves it and gets "
                    + "`{\"type\":\"removed\",\"room\":…,\"reason\":…}`; the room's other members see `left`. The user "
                    + "may join again where its token or the join hook allows it")
    @APIResponse(responseCode = "200", description = "sent to every node the user is connected to")
    public Uni<Sent> remove(@Parameter(description = "a valid user name") @PathParam("user") String user,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RemoveDoc.class))) String body) {
        ApiRequests.Remove r = ApiRequests.remove(body);
        return NodeCalls.answer(() -> node.remove(user, r.room(), r.reason()),
                x -> new Sent(user, r.room()));
    }
}
