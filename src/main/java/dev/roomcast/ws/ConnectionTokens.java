package dev.roomcast.ws;

import dev.roomcast.auth.AuthenticationException;
import dev.roomcast.auth.Identity;
import dev.roomcast.auth.IdentityResolver;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.Session;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ClientFrame;
import dev.roomcast.protocol.CloseCodes;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.ServerFrames;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The token's {@code exp} on a live connection: one Vert.x timer per connection (cheap — a scheduled task on an
 * event loop, nothing per tick), first to push {@code refresh} {@code roomcast.auth.refresh-ahead} before the expiry,
 * then to close with {@link CloseCodes#TOKEN_EXPIRED} at {@code exp} + clock skew. A {@code refresh} frame with a
 * verified token of the same user replaces the permissions (leaving rooms no longer allowed) and the timer.
 */
@ApplicationScoped
public class ConnectionTokens {

    static final String NO_LONGER_ALLOWED = "the refreshed token no longer allows this room";

    private final Vertx vertx;
    private final IdentityResolver identities;
    private final Node node;
    private final long refreshAheadMillis;

    public ConnectionTokens(Vertx vertx, IdentityResolver identities, Node node, RoomcastConfig config) {
        this.vertx = vertx;
        this.identities = identities;
        this.node = node;
        this.refreshAheadMillis = config.auth().refreshAhead().toMillis();
    }

    /** Arms the expiry of {@code session} at {@code expiresAt} (epoch seconds; 0: never), replacing any earlier one. */
    public void schedule(Session session, long expiresAt) {
        cancel(session);
        if (expiresAt <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        long pushAt = expiresAt * 1000 - refreshAheadMillis;
        if (pushAt > now) {
            arm(session, pushAt - now, timer -> {
                session.send(OutboundFrame.reply(ServerFrames.refreshDue(expiresAt)));
                armClose(session, expiresAt);
            });
        } else {
            armClose(session, expiresAt);
        }
    }

    private void armClose(Session session, long expiresAt) {
        long closeAt = (expiresAt + identities.clockSkewSeconds()) * 1000;
        arm(session, closeAt - System.currentTimeMillis(),
                timer -> session.close(CloseCodes.TOKEN_EXPIRED, "token expired"));
    }

    private void arm(Session session, long delayMillis, java.util.function.LongConsumer fire) {
        long[] id = new long[1];
        id[0] = vertx.setTimer(Math.max(1, delayMillis), timer -> {
            // A refresh may have replaced this timer while it was firing: only the current one acts.
            if (session.expiryTimer() == timer && session.isOpen()) {
                session.expiryTimer(-1);
                fire.accept(timer);
            }
        });
        session.expiryTimer(id[0]);
    }

    /** Stops the expiry of a closed connection. */
    public void cancel(Session session) {
        long timer = session.expiryTimer();
        if (timer >= 0) {
            session.expiryTimer(-1);
            vertx.cancelTimer(timer);
        }
    }

    /** {@code {"type":"refresh","token":"…"}}: verify, check the user, apply; completes when the ack is queued. */
    CompletionStage<Void> refresh(Session session, ClientFrame f) {
        if (identities.mode() != RoomcastConfig.AuthMode.jwt) {
            throw new ProtocolException(ErrorCode.bad_request, "refresh needs roomcast.auth.mode=jwt", f.id());
        }
        if (f.token() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: token", f.id());
        }
        // Verification may fetch keys (JWKS): off the event loop, as at the upgrade.
        return CompletableFuture.supplyAsync(() -> identities.verify(f.token()), Infrastructure.getDefaultWorkerPool())
                .handle((identity, e) -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof AuthenticationException refused) {
                        throw new ProtocolException(ErrorCode.invalid_token, refused.getMessage(), f.id());
                    }
                    if (cause != null) {
                        throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
                    }
                    apply(session, identity, f.id());
                    return null;
                });
    }

    private void apply(Session session, Identity identity, String replyId) {
        if (!identity.user().equals(session.user())) {
            throw new ProtocolException(ErrorCode.invalid_token, "the token is for another user", replyId);
        }
        session.permissions(identity.permissions());
        schedule(session, identity.expiresAt());
        for (String room : session.rooms()) {
            if (!identity.permissions().mayJoin(room) && node.leave(session, room)) {
                session.send(OutboundFrame.reply(ServerFrames.removed(room, NO_LONGER_ALLOWED)));
            }
        }
        session.send(OutboundFrame.reply(ServerFrames.refreshAck(replyId, identity.expiresAt())));
    }
}
