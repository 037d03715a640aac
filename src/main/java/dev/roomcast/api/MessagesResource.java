package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Member;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.ProtocolException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
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
@Tag(name = "messages", description = "Push messages into rooms and to users, publish to many rooms at once, read history and presence")
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
            @Parameter(description = IDEMPOTENCY_KEY_DOC) @QueryParam("idempotency_key") String idempotencyKey,
            @RequestBody(required = true, description = "any JSON value",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(description = "any JSON value")))
            String body) {
        requireRoom(room);
        requireFrom(from);
        String data = JsonBody.require(body, maxMessageSize);
        return NodeCalls.answer(() -> node.publish(room, from, data, idempotencyKey),
                p -> new Published(room, p.offset().toString(), p.epoch()));
    }

    static final String IDEMPOTENCY_KEY_DOC = "1-128 characters of A-Z a-z 0-9 _ . : @ / -: a publish to the same room "
            + "with a key seen within roomcast.api.idempotency-window (default 5 min), on any instance, publishes "
            + "nothing and answers the first publish's result";

    /** One room's result in a broadcast or batch: where its message was published, or why it was not. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"room", "offset", "epoch", "error", "message"})
    @RegisterForReflection // a list element of a response: native builds need it registered
    @Schema(name = "PublishResult", description = "`offset` and `epoch` when published, `error` and `message` when not")
    public record Result(String room, String offset, String epoch,
            @Schema(description = "an error code, as in the error body") String error, String message) {

        static Result of(Node.Outcome o) {
            return o.error() == null
                    ? new Result(o.room(), o.published().offset().toString(), o.published().epoch(), null, null)
                    : new Result(o.room(), null, null, o.error().code().name(), o.error().getMessage());
        }
    }

    /** The results of a broadcast or batch, in the order of the request. */
    @JsonPropertyOrder({"published", "failed", "results"})
    @Schema(name = "PublishResults")
    public record Results(int published, int failed, List<Result> results) {

        static Results of(List<Result> results) {
            int failed = (int) results.stream().filter(r -> r.error() != null).count();
            return new Results(results.size() - failed, failed, results);
        }
    }

    @Schema(name = "BroadcastRequest")
    record BroadcastDoc(@Schema(required = true, description = "1 to 100 distinct room names") List<String> rooms,
            @Schema(required = true, description = "any JSON value, delivered byte for byte") Object data,
            @Schema(description = "the publishing user") String from,
            @Schema(description = IDEMPOTENCY_KEY_DOC + "; kept per room") String idempotency_key) {
    }

    @Schema(name = "BatchMessage")
    record BatchMessageDoc(@Schema(required = true) String room,
            @Schema(required = true, description = "any JSON value, delivered byte for byte") Object data,
            @Schema(description = "the publishing user") String from,
            @Schema(description = IDEMPOTENCY_KEY_DOC) String idempotency_key) {
    }

    @Schema(name = "BatchRequest")
    record BatchDoc(@Schema(required = true, description = "1 to 100 messages") List<BatchMessageDoc> messages) {
    }

    @POST
    @Path("/broadcast")
    @Operation(summary = "Publish one message to many rooms",
            description = "Each room gets the message in its history and its members get it, as with a single publish. "
                    + "Every room has its own result: a room that fails (an invalid name, the broker) does not stop the "
                    + "others, and the answer is 200 with `failed` > 0. With `idempotency_key`, a retry publishes again "
                    + "only to the rooms that did not get the message")
    @APIResponse(responseCode = "200", description = "one result per room, in the order given")
    @APIResponse(responseCode = "400", description = "`bad_request`: not the documented object, no rooms, more than 100, "
            + "a room twice, or `from`/`idempotency_key` invalid; nothing was published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    @APIResponse(responseCode = "413", description = "`too_large`: data exceeds roomcast.limits.max-message-size; nothing was published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<Results> broadcast(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BroadcastDoc.class))) String body) {
        ApiRequests.Broadcast b = ApiRequests.broadcast(body, maxMessageSize);
        if (b.rooms().isEmpty() || b.rooms().size() != new java.util.HashSet<>(b.rooms()).size()) {
            throw new ApiError(400, ErrorCode.bad_request, "rooms must hold 1 to " + Node.MAX_PUBLISH_BATCH + " distinct rooms");
        }
        requireFrom(b.from());
        try {
            Node.requireIdempotencyKey(b.idempotencyKey());
        } catch (ProtocolException e) {
            throw ApiError.from(e);
        }
        List<Node.Message> messages = b.rooms().stream()
                .map(room -> new Node.Message(room, b.from(), b.data(), b.idempotencyKey())).toList();
        return NodeCalls.answer(() -> node.publishAll(messages),
                outcomes -> Results.of(outcomes.stream().map(Result::of).toList()));
    }

    @POST
    @Path("/batch")
    @Operation(summary = "Publish many messages in one call",
            description = "Messages to one room are published in the order given; every message has its own result "
                    + "(200 with `failed` > 0 when some were not published: an invalid room or from, data over the size "
                    + "limit (`too_large`), the broker), and one failure does not stop the others")
    @APIResponse(responseCode = "200", description = "one result per message, in the order given")
    @APIResponse(responseCode = "400", description = "`bad_request`: not the documented object, no messages or more than "
            + "100, a message without room or data; nothing was published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<Results> batch(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BatchDoc.class))) String body) {
        List<ApiRequests.BatchItem> items = ApiRequests.batch(body, maxMessageSize);
        List<Node.Message> publishable = items.stream().filter(i -> !i.tooLarge()).map(ApiRequests.BatchItem::message).toList();
        return NodeCalls.answer(() -> publishable.isEmpty()
                        ? java.util.concurrent.CompletableFuture.completedFuture(List.<Node.Outcome>of())
                        : node.publishAll(publishable),
                outcomes -> {
                    java.util.Iterator<Node.Outcome> published = outcomes.iterator();
                    List<Result> results = new java.util.ArrayList<>(items.size());
                    for (ApiRequests.BatchItem item : items) {
                        results.add(item.tooLarge()
                                ? new Result(item.message().room(), null, null, ErrorCode.too_large.name(),
                                        "data is larger than " + maxMessageSize + " bytes")
                                : Result.of(published.next()));
                    }
                    return Results.of(results);
                });
    }

    /** A message of a room's history, as members received it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"offset", "ts", "from", "data"})
    @RegisterForReflection // a list element of a response: native builds need it registered
    @Schema(name = "HistoryMessage")
    public record HistoryMessage(String offset, long ts, String from,
            @JsonRawValue @Schema(implementation = Object.class, description = "the published value, byte for byte") String data) {
    }

    @JsonPropertyOrder({"room", "epoch", "offset", "publications"})
    @Schema(name = "History")
    public record History(String room, String epoch,
            @Schema(description = "the newest offset in the room's history (what a join ack calls `offset`)") String offset,
            List<HistoryMessage> publications) {
    }

    @GET
    @Path("/rooms/{room}/history")
    @Operation(summary = "Read a room's history",
            description = "Oldest first: the messages after `since` (or from the oldest kept). Newest first: the messages "
                    + "before `since` (or from the newest). Page on with the last offset of a page as `since`, with "
                    + "the same `epoch`; a page shorter than `limit` is the last")
    @APIResponse(responseCode = "200", description = "the page, with the room's epoch and newest offset")
    @APIResponse(responseCode = "400", description = "`invalid_room`, or `bad_request` (limit out of 1-1000, since malformed or without epoch, order unknown)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    @APIResponse(responseCode = "409", description = "`epoch_changed`: `epoch` is not the room's epoch any more: read again without since",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<History> history(
            @Parameter(description = "a valid room name, URL-encoded") @PathParam("room") String room,
            @Parameter(description = "an offset of this room: the page starts after it (oldest first) or before it (newest first)") @QueryParam("since") String since,
            @Parameter(description = "the epoch `since` belongs to; required with since") @QueryParam("epoch") String epoch,
            @Parameter(description = "at most this many messages, 1-1000", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "100")) @QueryParam("limit") @DefaultValue("100") String limit,
            @Parameter(description = "`oldest` (oldest first, the default) or `newest` (newest first)") @QueryParam("order") @DefaultValue("oldest") String order) {
        if (!order.equals("oldest") && !order.equals("newest")) {
            throw new ApiError(400, ErrorCode.bad_request, "order is oldest or newest");
        }
        int max = ApiParams.integer("limit", limit);
        return NodeCalls.answer(() -> node.history(room, since, epoch, max, order.equals("newest")),
                page -> new History(room, page.epoch(), page.latest().toString(),
                        page.publications().stream().map(p -> new HistoryMessage(p.offset().toString(), p.time(), p.from(),
                                p.data())).toList()));
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
        return NodeCalls.answer(() -> node.send(user, from, data),
                x -> new Sent(user));
    }

    @GET
    @Path("/rooms/{room}/presence")
    @Operation(summary = "List who is in a room", description = "Cluster-wide, sorted by user")
    @APIResponse(responseCode = "200", description = "the room's members with their connection counts")
    @APIResponse(responseCode = "400", description = "`invalid_room`", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.Body.class)))
    public Uni<RoomPresence> presence(
            @Parameter(description = "a valid room name, URL-encoded") @PathParam("room") String room) {
        requireRoom(room);
        return NodeCalls.answer(() -> node.presence(room),
                members -> new RoomPresence(room, members.size(), members));
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

}
