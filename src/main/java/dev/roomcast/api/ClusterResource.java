package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.roomcast.node.Node;
import dev.roomcast.presence.ClusterView;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** The cluster as a backend sees it: the nodes with their counts, the rooms with their members. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "cluster", description = "Nodes and rooms of the whole cluster")
@SecurityRequirement(name = MessagesResource.API_KEY)
@APIResponse(responseCode = "401", description = "no or an invalid API key",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
@APIResponse(responseCode = "503", description = "the message broker (Redis) is unavailable, retry later",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
public class ClusterResource {

    @JsonPropertyOrder({"node", "connections", "rooms"})
    @RegisterForReflection // a list element of a response: native builds need it registered
    @Schema(name = "NodeInfo")
    public record NodeInfo(String node, int connections, @Schema(description = "rooms with a member on this node") int rooms) {
    }

    @Schema(name = "ClusterInfo")
    public record Info(List<NodeInfo> nodes) {
    }

    @JsonPropertyOrder({"room", "members"})
    @RegisterForReflection // a list element of a response: native builds need it registered
    @Schema(name = "RoomMembers")
    public record Room(String room, @Schema(description = "distinct users in the room, cluster-wide") int members) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"rooms", "next"})
    @Schema(name = "RoomPage")
    public record Rooms(List<Room> rooms,
            @Schema(description = "pass as `cursor` for the next page; absent on the last page") String next) {
    }

    private final Node node;

    public ClusterResource(Node node) {
        this.node = node;
    }

    @GET
    @Path("/info")
    @Operation(summary = "List the nodes of the cluster",
            description = "Every live node with its connection and room counts: the answering node's as they are, the "
                    + "others' as of their last lease renewal (at most roomcast.presence.lease-refresh old)")
    @APIResponse(responseCode = "200", description = "the nodes, sorted by id")
    public Uni<Info> info() {
        return NodeCalls.answer(node::nodes,
                nodes -> new Info(nodes.stream()
                        .map(n -> new NodeInfo(n.node(), n.connections(), n.rooms())).toList()));
    }

    @GET
    @Path("/rooms")
    @Operation(summary = "List rooms with members",
            description = "Rooms with at least one member, cluster-wide, whose names start with `prefix`, sorted by name, "
                    + "a page at a time. A page may hold fewer than `limit` rooms and still have a `next`. Every page "
                    + "scans the room lists of all nodes for the prefix: use a selective prefix on large clusters")
    @APIResponse(responseCode = "200", description = "a page of rooms with their member counts")
    @APIResponse(responseCode = "400", description = "`invalid_room` (prefix or cursor), `bad_request` (limit out of 1-1000)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<Rooms> rooms(
            @Parameter(description = "only rooms whose names start with it") @QueryParam("prefix") String prefix,
            @Parameter(description = "the `next` of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "at most this many rooms, 1-1000", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "100")) @QueryParam("limit") @DefaultValue("100") String limit) {
        int max = ApiParams.integer("limit", limit);
        return NodeCalls.answer(() -> node.rooms(prefix, cursor, max),
                ClusterResource::page);
    }

    private static Rooms page(ClusterView.RoomPage page) {
        return new Rooms(page.rooms().stream().map(r -> new Room(r.room(), r.members())).toList(), page.next());
    }
}
