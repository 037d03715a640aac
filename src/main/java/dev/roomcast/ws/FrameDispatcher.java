package dev.roomcast.ws;

import dev.roomcast.hub.Session;
import dev.roomcast.node.HookReplies;
import dev.roomcast.node.Node;
import dev.roomcast.node.ProtocolObserver;
import dev.roomcast.protocol.ClientFrame;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.FrameParser;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.ServerFrames;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Decodes the client frames of protocol v1 for one session, checks their shape, hands them to the
 * {@link Node} and answers them. Everything a client can get wrong ends in an {@code error} frame, and the
 * connection stays usable; only sustained abuse closes it.
 */
public final class FrameDispatcher {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Node node;
    private final Limits limits;
    private final ProtocolObserver observer;
    private final ConnectionTokens tokens;
    private final RoomTokens roomTokens;

    public FrameDispatcher(Node node, Limits limits, ProtocolObserver observer, ConnectionTokens tokens,
            RoomTokens roomTokens) {
        this.tokens = tokens;
        this.roomTokens = roomTokens;
        this.node = node;
        this.limits = limits;
        this.observer = observer;
    }

    /** Limits that shape what a client may send (what it may do is the node's: {@link Node.Limits}). */
    public record Limits(int maxMessageSize, int closeAfterRefusedFrames) {
    }

    /** Handles one text frame; the returned stage completes when the frame's reply is queued. */
    public CompletionStage<Void> handle(Session session, String text) {
        observer.frameIn(text.length());
        if (!session.isOpen()) {
            return DONE; // being closed (flooding, slow consumer, drain): frames still in flight are ignored
        }
        if (!session.limiter().tryAcquire()) {
            if (session.limiter().strikes() > limits.closeAfterRefusedFrames()) {
                // Still flooding long after being told: abuse, not a burst.
                observer.rateLimited();
                session.close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
                return DONE;
            }
            return refuse(session, null, ErrorCode.rate_limited, "too many frames, slow down");
        }
        if (utf8Length(text) > limits.maxMessageSize()) {
            return refuse(session, null, ErrorCode.too_large,
                    "frame is larger than " + limits.maxMessageSize() + " bytes");
        }
        ClientFrame frame;
        try {
            frame = FrameParser.parse(text);
        } catch (ProtocolException e) {
            return refuse(session, e.frameId(), e.code(), e.getMessage());
        }
        try {
            return dispatch(session, frame).exceptionally(e -> {
                answerFailure(session, frame.id(), e);
                return null;
            });
        } catch (ProtocolException e) {
            return refuse(session, frame.id() != null ? frame.id() : e.frameId(), e.code(), e.getMessage());
        }
    }

    private CompletionStage<Void> dispatch(Session session, ClientFrame f) {
        return switch (f.type()) {
            case "join" -> join(session, f);
            case "leave" -> leave(session, f);
            case "publish" -> publish(session, f);
            case "send" -> send(session, f);
            case "presence" -> presence(session, f);
            case "ping" -> reply(session, ServerFrames.pong(f.id()));
            case "refresh" -> tokens.refresh(session, f);
            default -> refuse(session, f.id(), ErrorCode.unknown_type, "unknown frame type: " + abbreviate(f.type()));
        };
    }

    /**
     * Joins the rooms the connect hook named, as ordinary joins (permissions, limits, the join hook): each
     * answers with an ack (or error) without id.
     */
    public CompletionStage<Void> joinServerSide(Session session, java.util.List<String> rooms) {
        CompletionStage<Void> chain = DONE;
        for (String room : rooms) {
            chain = chain.thenCompose(x -> {
                if (!Names.isValidRoom(room)) {
                    return refuse(session, null, ErrorCode.invalid_room, Names.ROOM_RULE);
                }
                try {
                    return node.join(session, room, null, null, true, null).exceptionally(e -> {
                        answerFailure(session, null, e);
                        return null;
                    });
                } catch (ProtocolException e) {
                    return refuse(session, null, e.code(), e.getMessage());
                }
            });
        }
        return chain;
    }

    // --- join / leave --------------------------------------------------------------------------

    private CompletionStage<Void> join(Session session, ClientFrame f) {
        String room = requireRoom(f);
        boolean presenceEvents = f.presence() == null || f.presence();
        if (f.token() != null) {
            return roomTokens.join(session, room, f, presenceEvents);
        }
        return node.join(session, room, f.since(), f.epoch(), presenceEvents, f.id());
    }

    private CompletionStage<Void> leave(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!node.leave(session, room)) {
            throw new ProtocolException(ErrorCode.not_joined, "not a member of " + room, f.id());
        }
        return reply(session, ServerFrames.ack(f.id(), room));
    }

    // --- publish / send ------------------------------------------------------------------------

    private CompletionStage<Void> publish(Session session, ClientFrame f) {
        String room = requireRoom(f);
        node.checkPublish(session, room, f.id());
        String data = requireData(f);
        if (node.filtersPublish(room)) {
            // The backend's publish hook first; a replacement is what is stored, and the ack tells the publisher.
            return node.filterPublish(session.user(), room, data, f.id()).thenCompose(stored ->
                    node.publish(room, session.user(), stored).thenAccept(p -> {
                        if (f.id() != null) {
                            session.send(OutboundFrame.reply(
                                    HookReplies.withData(ServerFrames.ack(f.id()), stored.equals(data) ? null : stored)));
                        }
                    }));
        }
        return node.publish(room, session.user(), data).thenAccept(p -> {
            if (f.id() != null) {
                session.send(OutboundFrame.reply(ServerFrames.ack(f.id())));
            }
        });
    }

    private CompletionStage<Void> send(Session session, ClientFrame f) {
        if (f.to() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: to", f.id());
        }
        if (!Names.isValidUser(f.to())) {
            throw new ProtocolException(ErrorCode.invalid_user, "invalid user name", f.id());
        }
        return node.send(f.to(), session.user(), requireData(f)).thenAccept(x -> {
            if (f.id() != null) {
                session.send(OutboundFrame.reply(ServerFrames.ack(f.id())));
            }
        });
    }

    // --- presence ------------------------------------------------------------------------------

    private CompletionStage<Void> presence(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!session.maySeePresence(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to see " + room, f.id());
        }
        return node.presence(room).thenAccept(members ->
                session.send(OutboundFrame.reply(ServerFrames.presence(f.id(), room, members))));
    }

    // --- helpers -------------------------------------------------------------------------------

    private static String requireRoom(ClientFrame f) {
        if (f.room() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: room", f.id());
        }
        if (!Names.isValidRoom(f.room())) {
            throw new ProtocolException(ErrorCode.invalid_room, Names.ROOM_RULE, f.id());
        }
        return f.room();
    }

    private static String requireData(ClientFrame f) {
        if (f.data() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: data", f.id());
        }
        return f.data();
    }

    private CompletionStage<Void> reply(Session session, String frame) {
        session.send(OutboundFrame.reply(frame));
        return DONE;
    }

    private CompletionStage<Void> refuse(Session session, String id, ErrorCode code, String message) {
        observer.error(code);
        session.send(OutboundFrame.reply(ServerFrames.error(id, code, message)));
        return DONE;
    }

    private void answerFailure(Session session, String id, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ProtocolException p) {
            refuse(session, id, p.code(), p.getMessage());
        } else {
            // The broker did not accept it: never acknowledge what may not have been stored.
            refuse(session, id, ErrorCode.unavailable, "the message broker is unavailable, retry later");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "…" : s;
    }

    /** Exact UTF-8 size; the common all-ASCII frame is measured without encoding. */
    static int utf8Length(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }
}
