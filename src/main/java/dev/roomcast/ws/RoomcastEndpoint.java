package dev.roomcast.ws;

import dev.roomcast.auth.Identity;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.hub.Hub;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.hub.RateLimiter;
import dev.roomcast.hub.Session;
import dev.roomcast.node.ConnectVerdict;
import dev.roomcast.node.HookReplies;
import dev.roomcast.node.NodeId;
import dev.roomcast.node.ProtocolObserver;
import dev.roomcast.presence.UserSessions;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.ServerFrames;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import org.jboss.logging.Logger;

/**
 * {@code /ws}: decodes frames and hands them to the dispatcher. Holds no state of its own — the
 * {@link Session} lives in the connection's user data. Frames of one connection are processed one at
 * a time (the default serial mode), which keeps each publisher's messages in order.
 */
@WebSocket(path = "/ws")
public class RoomcastEndpoint {

    private static final Logger LOG = Logger.getLogger(RoomcastEndpoint.class);
    private static final UserData.TypedKey<Session> SESSION = new UserData.TypedKey<>("roomcast.session");
    private static final UserData.TypedKey<Boolean> CLAIMED = new UserData.TypedKey<>("roomcast.claimed");

    private final Hub hub;
    private final FrameDispatcher dispatcher;
    private final RoomcastConfig config;
    private final NodeId nodeId;
    private final SinkObserver sinkObserver;
    private final ConnectionObserver connectionObserver;
    private final UserSessions userSessions;
    private final ProtocolObserver protocolObserver;
    private final ConnectionTokens tokens;

    public RoomcastEndpoint(Hub hub, FrameDispatcher dispatcher, RoomcastConfig config, NodeId nodeId,
            SinkObserver sinkObserver, ConnectionObserver connectionObserver, UserSessions userSessions,
            ProtocolObserver protocolObserver, ConnectionTokens tokens) {
        this.tokens = tokens;
        this.userSessions = userSessions;
        this.protocolObserver = protocolObserver;
        this.hub = hub;
        this.dispatcher = dispatcher;
        this.config = config;
        this.nodeId = nodeId;
        this.sinkObserver = sinkObserver;
        this.connectionObserver = connectionObserver;
    }

    @OnOpen
    public Uni<Void> onOpen(WebSocketConnection connection) {
        Identity identity = connection.userData().get(UpgradeGate.IDENTITY);
        var limits = config.limits();
        Transport transport = connection.userData().get(Transport.KEY);
        if (transport == null) {
            transport = Transport.NONE;
            connection.userData().put(Transport.KEY, transport);
        }
        var sink = new ConnectionSink(connection, limits.outboundMaxBytes(), limits.outboundMaxFrames(), sinkObserver,
                transport, limits.closeTimeout());
        transport.guard(sink::closedByTransport);
        HandshakeRelease.forgetSocketHeaders(connection);
        Session session = new Session(connection.id(), identity.user(), sink, identity.permissions(),
                new RateLimiter(limits.rate(), limits.burst()), limits.outboundMaxFrames());
        connection.userData().put(SESSION, session);
        tokens.schedule(session, identity.expiresAt());
        transport.limitControlFrames(new ControlFrames(session, sink, limits.burst(), protocolObserver::rateLimited));
        transport.resumeReads(); // paused at the upgrade (UpgradeGate): the session and its handlers exist now
        connectionObserver.opened();
        return Uni.createFrom().completionStage(userSessions.claim(session.user(), session.id()))
                .onItem().transformToUni(claimed -> {
                    if (!claimed) {
                        // roomcast.users.single-session: the user is connected elsewhere in the cluster.
                        session.close(CloseCodes.USER_EXISTS, "user already exists");
                        return Uni.createFrom().voidItem();
                    }
                    connection.userData().put(CLAIMED, Boolean.TRUE);
                    ConnectVerdict hook = connection.userData().get(UpgradeGate.CONNECT);
                    if (hook == null) {
                        return Uni.createFrom().completionStage(hub.register(session))
                                .onItem().invoke(() -> session.send(OutboundFrame.reply(
                                        ServerFrames.welcome(session.user(), session.id(), nodeId.value()))));
                    }
                    // The connect hook's data in the welcome, then its rooms, before any frame of the client.
                    return Uni.createFrom().completionStage(hub.register(session))
                            .onItem().invoke(() -> session.send(OutboundFrame.reply(HookReplies.withData(
                                    ServerFrames.welcome(session.user(), session.id(), nodeId.value()), hook.data()))))
                            .onItem().transformToUni(x -> Uni.createFrom().completionStage(
                                    dispatcher.joinServerSide(session, hook.rooms())));
                })
                .onFailure().invoke(e -> session.close(CloseCodes.TRY_AGAIN_LATER, "broker unavailable, try again later"))
                .onFailure().recoverWithNull();
    }

    @OnTextMessage
    public Uni<Void> onText(String text, WebSocketConnection connection) {
        Session session = connection.userData().get(SESSION);
        Transport transport = connection.userData().get(Transport.KEY);
        return Uni.createFrom().completionStage(dispatcher.handle(session, text)
                .whenComplete((x, e) -> transport.messageHandled()));
    }

    @OnBinaryMessage
    public void onBinary(Buffer data, WebSocketConnection connection) {
        Session session = connection.userData().get(SESSION);
        session.send(OutboundFrame.reply(ServerFrames.error(null, ErrorCode.bad_request,
                "binary frames are not supported; send JSON text frames")));
        connection.userData().get(Transport.KEY).messageHandled();
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        Session session = connection.userData().get(SESSION);
        if (session != null) {
            tokens.cancel(session);
            hub.unregister(session);
            if (Boolean.TRUE.equals(connection.userData().get(CLAIMED))) {
                userSessions.release(session.user(), session.id());
            }
            CloseReason reason = connection.closeReason();
            connectionObserver.closed(reason == null ? CloseReason.ABNORMAL.getCode() : reason.getCode());
        }
    }

    @OnError
    public void onError(Throwable failure, WebSocketConnection connection) {
        if (connection.isClosed()) {
            LOG.debugf("connection %s: %s after close", connection.id(), failure.toString());
            return; // a write racing the client's close: nothing to tell anyone
        }
        Session session = connection.userData().get(SESSION);
        if (failure instanceof HttpClosedException) {
            LOG.debugf("connection %s closed underneath", connection.id());
            return;
        }
        int transportClose = transportCloseCode(failure);
        if (transportClose != 0) {
            // The client broke the WebSocket rules (a fragmented message over the transport limit; framing
            // violations are answered by Transport before they get here): documented close codes, not bugs.
            LOG.debugf("closing connection %s with %d: %s", connection.id(), transportClose, failure.getMessage());
            if (session != null) {
                session.close(transportClose, Transport.reason(transportClose));
            }
            return;
        }
        // Any other failure in our own code is a bug; the node stays up and the client is told.
        LOG.errorf(failure, "error on connection %s", connection.id());
        if (session != null) {
            session.send(OutboundFrame.reply(ServerFrames.error(null, ErrorCode.internal, "internal error")));
        }
    }

    /** The close code for a failure of the WebSocket layer caused by the client, or 0 for anything else. */
    static int transportCloseCode(Throwable failure) {
        if (failure instanceof CorruptedWebSocketFrameException c) {
            return c.closeStatus() == null ? CloseCodes.INVALID_PAYLOAD : c.closeStatus().code();
        }
        // Vert.x' message aggregator refuses a fragmented message over max-message-size this way.
        if (failure instanceof IllegalStateException && failure.getMessage() != null
                && failure.getMessage().contains("max message size")) {
            return CloseCodes.TOO_BIG;
        }
        return 0;
    }
}
