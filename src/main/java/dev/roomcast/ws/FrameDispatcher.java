package dev.roomcast.ws;

import dev.roomcast.node.ProtocolObserver;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.HistoryPage;
import dev.roomcast.broker.MessageFrames;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.hub.Hub;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.hub.Session;
import dev.roomcast.node.Admission;
import dev.roomcast.protocol.ClientFrame;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.FrameParser;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.Offsets;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.ServerFrames;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Executes the client frames of protocol v1 for one session and answers them. Everything a client
 * can get wrong ends in an {@code error} frame, and the connection stays usable; only sustained abuse
 * closes it.
 */
public final class FrameDispatcher {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Hub hub;
    private final Broker broker;
    private final Limits limits;
    private final ProtocolObserver observer;
    private final Admission admission;
    private final Clock clock;

    public FrameDispatcher(Hub hub, Limits limits, ProtocolObserver observer, Admission admission, Clock clock) {
        this.hub = hub;
        this.broker = hub.broker();
        this.limits = limits;
        this.observer = observer;
        this.admission = admission;
        this.clock = clock;
    }

    /** Limits that shape what a client may send. */
    public record Limits(int maxMessageSize, int maxRoomsPerConnection, int historyLimit, int closeAfterRefusedFrames) {
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
            default -> refuse(session, f.id(), ErrorCode.unknown_type, "unknown frame type: " + abbreviate(f.type()));
        };
    }

    // --- join / leave --------------------------------------------------------------------------

    private CompletionStage<Void> join(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!session.permissions().mayJoin(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to join " + room, f.id());
        }
        if (session.isMember(room)) {
            return hub.broker().history(room, null, null, 0).thenAccept(page ->
                    session.send(OutboundFrame.reply(ServerFrames.joinAck(f.id(), room, page.epoch(), page.latest(), null))));
        }
        if (session.roomCount() >= limits.maxRoomsPerConnection()) {
            throw new ProtocolException(ErrorCode.too_many_rooms,
                    "a connection may join at most " + limits.maxRoomsPerConnection() + " rooms", f.id());
        }
        if (f.since() != null && !Offsets.isValid(f.since())) {
            throw new ProtocolException(ErrorCode.bad_request, "since is not a valid offset", f.id());
        }
        if (f.since() != null && f.epoch() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "epoch is required with since", f.id());
        }
        if (!admission.admitJoin()) {
            // Redis is far behind: refuse now, before queueing more commands, and let the client retry.
            observer.joinRefused(Admission.OVERLOADED);
            return refuse(session, f.id(), ErrorCode.unavailable, "the node is overloaded, retry later");
        }
        boolean presenceEvents = f.presence() == null || f.presence();
        // Subscribe first and hold live frames, then read history, then merge: no gap, no duplicate.
        session.hold(room);
        boolean[] joined = new boolean[1];
        return hub.join(session, room, presenceEvents, f.since() == null)
                .thenCompose(outcome -> {
                    joined[0] = true;
                    CompletionStage<HistoryPage> position = outcome.position() != null
                            ? CompletableFuture.completedFuture(outcome.position())
                            : broker.history(room, f.since(), f.epoch(), limits.historyLimit());
                    return position.thenApply(page -> {
                        finishJoin(session, f, room, page);
                        if (outcome.firstOfUser() && !outcome.announced()) {
                            hub.announce(room, "joined", session.user(), outcome.users());
                        }
                        return (Void) null;
                    });
                })
                .whenComplete((x, e) -> {
                    if (e != null) {
                        // Nothing stays joined when any step failed (a refused since, a broker error).
                        session.discard(room);
                        if (joined[0]) {
                            hub.leave(session, room, false);
                        }
                    }
                });
    }

    private void finishJoin(Session session, ClientFrame f, String room, HistoryPage page) {
        if (f.since() == null) {
            session.send(OutboundFrame.reply(ServerFrames.joinAck(f.id(), room, page.epoch(), page.latest(), null)));
            session.release(room, null);
            observer.joined();
            return;
        }
        if (!page.epoch().equals(f.epoch())) {
            // The history the client knows is gone (another epoch): nothing to replay, the client resyncs.
            session.send(OutboundFrame.reply(ServerFrames.joinAck(f.id(), room, page.epoch(), page.latest(), false)));
            session.release(room, null);
            observer.recovered(false);
            return;
        }
        session.send(OutboundFrame.reply(ServerFrames.joinAck(f.id(), room, page.epoch(), page.latest(), page.complete())));
        String last = f.since();
        for (OutboundFrame m : page.frames()) {
            session.replay(m);
            last = m.offset();
        }
        session.release(room, last);
        observer.recovered(page.complete());
    }

    private CompletionStage<Void> leave(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!hub.leave(session, room, true)) {
            throw new ProtocolException(ErrorCode.not_joined, "not a member of " + room, f.id());
        }
        return reply(session, ServerFrames.ack(f.id(), room));
    }

    // --- publish / send ------------------------------------------------------------------------

    private CompletionStage<Void> publish(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!session.permissions().mayPublish(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to publish to " + room, f.id());
        }
        if (!session.isMember(room)) {
            throw new ProtocolException(ErrorCode.not_joined, "join " + room + " before publishing to it", f.id());
        }
        String data = requireData(f);
        long now = clock.millis();
        return broker.publishRoom(room, now, MessageFrames.body(now, session.user(), data))
                .thenAccept(published -> {
                    observer.published(room);
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
        String data = requireData(f);
        long now = clock.millis();
        return broker.publishUser(f.to(), now, MessageFrames.direct(MessageFrames.body(now, session.user(), data)))
                .thenAccept(x -> {
                    if (f.id() != null) {
                        session.send(OutboundFrame.reply(ServerFrames.ack(f.id())));
                    }
                });
    }

    // --- presence ------------------------------------------------------------------------------

    private CompletionStage<Void> presence(Session session, ClientFrame f) {
        String room = requireRoom(f);
        if (!session.permissions().mayJoin(room)) {
            throw new ProtocolException(ErrorCode.forbidden, "not allowed to see " + room, f.id());
        }
        return hub.presence().members(room).thenAccept(members ->
                session.send(OutboundFrame.reply(ServerFrames.presence(f.id(), room, members))));
    }

    // --- helpers -------------------------------------------------------------------------------

    private static String requireRoom(ClientFrame f) {
        if (f.room() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: room", f.id());
        }
        if (!Names.isValidRoom(f.room())) {
            throw new ProtocolException(ErrorCode.invalid_room,
                    "room names are 1-128 characters of A-Z a-z 0-9 _ . : @ / -", f.id());
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
