package dev.roomcast.ws;

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
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletionStage;

/**
 * The token's {@code exp} on a live connection: one timer per connection ({@link TokenTimers}), first to push
 * {@code refresh} {@code roomcast.auth.refresh-ahead} before the expiry, then to close with
 * {@link CloseCodes#TOKEN_EXPIRED} at {@code exp} + clock skew. A {@code refresh} frame with a verified token of the
 * same user replaces the permissions (leaving rooms no longer allowed, unless a subscription token holds them) and
 * the timer. A {@code refresh} frame with a {@code room} is a subscription token's: {@link RoomTokens}.
 */
@ApplicationScoped
public class ConnectionTokens {

    static final String NO_LONGER_ALLOWED = "the refreshed token no longer allows this room";

    private final TokenTimers timers;
    private final IdentityResolver identities;
    private final Node node;
    private final RoomTokens roomTokens;

    public ConnectionTokens(TokenTimers timers, IdentityResolver identities, Node node, RoomTokens roomTokens) {
        this.timers = timers;
        this.identities = identities;
        this.node = node;
        this.roomTokens = roomTokens;
    }

    /** Arms the expiry of {@code session} at {@code expiresAt} (epoch seconds; 0: never), replacing any earlier one. */
    public void schedule(Session session, long expiresAt) {
        timers.schedule(slot(session), expiresAt,
                () -> session.send(OutboundFrame.reply(ServerFrames.refreshDue(expiresAt))),
                () -> session.close(CloseCodes.TOKEN_EXPIRED, "token expired"));
    }

    /** Stops the expiry of a closed connection (its rooms' subscription tokens end as it leaves them). */
    public void cancel(Session session) {
        timers.cancel(slot(session));
    }

    private static TokenTimers.Slot slot(Session session) {
        return new TokenTimers.Slot(session::expiryTimer, session::expiryTimer, session::isOpen);
    }

    /** {@code {"type":"refresh","token":"…"}}: verify, check the user, apply; completes when the ack is queued. */
    CompletionStage<Void> refresh(Session session, ClientFrame f) {
        if (identities.mode() != RoomcastConfig.AuthMode.jwt) {
            throw new ProtocolException(ErrorCode.bad_request, "refresh needs roomcast.auth.mode=jwt", f.id());
        }
        if (f.token() == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: token", f.id());
        }
        if (f.room() != null) {
            return roomTokens.refresh(session, f);
        }
        return TokenTimers.verified(() -> identities.verify(f.token()), f.id())
                .thenAccept(identity -> apply(session, identity, f.id()));
    }

    private void apply(Session session, Identity identity, String replyId) {
        if (!identity.user().equals(session.user())) {
            throw new ProtocolException(ErrorCode.invalid_token, "the token is for another user", replyId);
        }
        session.permissions(identity.permissions());
        schedule(session, identity.expiresAt());
        for (String room : session.rooms()) {
            // A room held by a subscription token stays: that token, not this one, allows it.
            if (!identity.permissions().mayJoin(room) && session.grant(room) == null && node.leave(session, room)) {
                session.send(OutboundFrame.reply(ServerFrames.removed(room, NO_LONGER_ALLOWED)));
            }
        }
        session.send(OutboundFrame.reply(ServerFrames.refreshAck(replyId, identity.expiresAt())));
    }
}
