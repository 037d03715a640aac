package dev.roomcast.ws;

import dev.roomcast.auth.IdentityResolver;
import dev.roomcast.auth.SubscriptionTokens;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.RoomGrant;
import dev.roomcast.hub.Session;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ClientFrame;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.Names;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ProtocolException;
import dev.roomcast.protocol.ServerFrames;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Subscription tokens on a live connection: a {@code join} with a {@code token} joins by it (the room is then held
 * by the token, whatever the connection token's {@code rooms}), and, like the connection token, it expires — one
 * timer per room held by a token ({@link TokenTimers}): {@code {"type":"refresh","room":…}} pushed
 * {@code roomcast.auth.refresh-ahead} before its {@code exp}, and at {@code exp} + clock skew without a
 * {@code refresh} with the room the connection leaves that room (a {@code removed} push) and stays open.
 */
@ApplicationScoped
public class RoomTokens {

    static final String EXPIRED = "the subscription token expired";

    private final TokenTimers timers;
    private final IdentityResolver identities;
    private final SubscriptionTokens tokens;
    private final Node node;

    public RoomTokens(TokenTimers timers, IdentityResolver identities, SubscriptionTokens tokens, Node node) {
        this.timers = timers;
        this.identities = identities;
        this.tokens = tokens;
        this.node = node;
    }

    /**
     * {@code {"type":"join","room":…,"token":"…"}}: verify (off the event loop), check the user and the room, join by
     * the token and arm its expiry. In {@code roomcast.auth.mode=none} every room is allowed anyway: the token is ignored.
     */
    CompletionStage<Void> join(Session session, String room, ClientFrame f, boolean presenceEvents) {
        if (identities.mode() != RoomcastConfig.AuthMode.jwt) {
            return node.join(session, room, f.since(), f.epoch(), presenceEvents, f.id());
        }
        return TokenTimers.verified(() -> tokens.verify(f.token()), f.id()).thenCompose(grant -> {
            if (!session.isOpen()) {
                return CompletableFuture.<Void>completedFuture(null); // closed while the token was verified: join nothing
            }
            check(session, room, grant, f.id());
            return node.join(session, room, grant, f.since(), f.epoch(), presenceEvents, f.id())
                    .thenRun(() -> watch(session, grant));
        });
    }

    /** {@code {"type":"refresh","room":…,"token":"…"}} of a joined room: replaces the token that holds it. */
    CompletionStage<Void> refresh(Session session, ClientFrame f) {
        String room = f.room();
        if (!Names.isValidRoom(room)) {
            throw new ProtocolException(ErrorCode.invalid_room, Names.ROOM_RULE, f.id());
        }
        if (!session.isMember(room)) {
            throw new ProtocolException(ErrorCode.not_joined, "not a member of " + room, f.id());
        }
        return TokenTimers.verified(() -> tokens.verify(f.token()), f.id()).thenAccept(grant -> {
            check(session, room, grant, f.id());
            if (!session.grant(grant)) {
                throw new ProtocolException(ErrorCode.not_joined, "not a member of " + room, f.id());
            }
            watch(session, grant);
            session.send(OutboundFrame.reply(ServerFrames.refreshAck(f.id(), room, grant.expiresAt())));
        });
    }

    private static void check(Session session, String room, RoomGrant grant, String replyId) {
        if (!grant.user().equals(session.user())) {
            throw new ProtocolException(ErrorCode.invalid_token, "the token is for another user", replyId);
        }
        if (!grant.room().equals(room)) {
            throw new ProtocolException(ErrorCode.invalid_token, "the token is for another room", replyId);
        }
    }

    /** Arms the expiry of the grant the connection now holds its room by (nothing if the join did not happen). */
    private void watch(Session session, RoomGrant grant) {
        if (session.grant(grant.room()) != grant) {
            return;
        }
        String room = grant.room();
        timers.schedule(slot(session, grant), grant.expiresAt(),
                () -> session.send(OutboundFrame.reply(ServerFrames.refreshDue(room, grant.expiresAt()))),
                () -> expire(session, grant));
    }

    /** No refresh in time: the room is left, unless the connection token allows it by itself. */
    private void expire(Session session, RoomGrant grant) {
        if (!session.dropGrant(grant)) {
            return;
        }
        String room = grant.room();
        if (!session.permissions().mayJoin(room) && node.leave(session, room)) {
            session.send(OutboundFrame.reply(ServerFrames.removed(room, EXPIRED)));
        }
    }

    private TokenTimers.Slot slot(Session session, RoomGrant grant) {
        return new TokenTimers.Slot(grant::timer, id -> grant.timer(id, timers::cancel),
                () -> session.isOpen() && session.grant(grant.room()) == grant);
    }
}
