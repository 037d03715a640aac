package dev.roomcast.ws;

import dev.roomcast.auth.AuthenticationException;
import dev.roomcast.auth.IdentityResolver;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.ProtocolException;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What connection tokens and subscription tokens share on a live connection: verifying a token sent in a frame
 * off the event loop, and the one Vert.x timer per token (cheap — a scheduled task on an event loop, nothing per
 * tick) that first pushes {@code refresh} {@code roomcast.auth.refresh-ahead} before {@code exp}, then expires the
 * token at {@code exp} + clock skew.
 */
@ApplicationScoped
public class TokenTimers {

    /**
     * Where a token keeps its pending timer (-1: none); a timer acts only while it is the current one and
     * {@code live} (the token still guards something: an open connection, a room still held by it).
     */
    record Slot(LongSupplier timer, LongConsumer setTimer, BooleanSupplier live) {
    }

    private final Vertx vertx;
    private final IdentityResolver identities;
    private final long refreshAheadMillis;

    public TokenTimers(Vertx vertx, IdentityResolver identities, RoomcastConfig config) {
        this.vertx = vertx;
        this.identities = identities;
        this.refreshAheadMillis = config.auth().refreshAhead().toMillis();
    }

    /**
     * Arms the timer of a token expiring at {@code expiresAt} (epoch seconds; 0: never), replacing the slot's earlier
     * one: {@code due} runs refresh-ahead before it (not at all for a token that lives shorter), {@code expired} at
     * {@code expiresAt} + clock skew.
     */
    void schedule(Slot slot, long expiresAt, Runnable due, Runnable expired) {
        cancel(slot);
        if (expiresAt <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        long pushAt = expiresAt * 1000 - refreshAheadMillis;
        if (pushAt > now) {
            arm(slot, pushAt - now, () -> {
                due.run();
                armExpiry(slot, expiresAt, expired);
            });
        } else {
            armExpiry(slot, expiresAt, expired);
        }
    }

    private void armExpiry(Slot slot, long expiresAt, Runnable expired) {
        long expireAt = (expiresAt + identities.clockSkewSeconds()) * 1000;
        arm(slot, expireAt - System.currentTimeMillis(), expired);
    }

    private void arm(Slot slot, long delayMillis, Runnable fire) {
        long id = vertx.setTimer(Math.max(1, delayMillis), timer -> {
            // A refresh may have replaced this timer while it was firing: only the current one acts.
            if (slot.timer().getAsLong() == timer && slot.live().getAsBoolean()) {
                slot.setTimer().accept(-1);
                fire.run();
            }
        });
        slot.setTimer().accept(id);
    }

    /** Stops the slot's timer, if any. */
    void cancel(Slot slot) {
        long timer = slot.timer().getAsLong();
        if (timer >= 0) {
            slot.setTimer().accept(-1);
            vertx.cancelTimer(timer);
        }
    }

    /** Cancels a timer by its id (for timers owned by something that ends on its own, see {@code RoomGrant}). */
    void cancel(long timer) {
        vertx.cancelTimer(timer);
    }

    /**
     * Runs {@code verification} on a worker (it may fetch keys, JWKS) and completes on the caller's Vert.x context (the
     * connection's event loop) when there is one; a refused token fails the stage with {@code invalid_token},
     * answering frame {@code replyId}.
     */
    static <T> CompletionStage<T> verified(Supplier<T> verification, String replyId) {
        Context context = Vertx.currentContext();
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture.supplyAsync(verification, Infrastructure.getDefaultWorkerPool()).whenComplete((verified, e) -> {
            Runnable complete = () -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause == null) {
                    result.complete(verified);
                } else if (cause instanceof AuthenticationException refused) {
                    result.completeExceptionally(new ProtocolException(ErrorCode.invalid_token, refused.getMessage(), replyId));
                } else {
                    result.completeExceptionally(cause);
                }
            };
            if (context != null) {
                context.runOnContext(x -> complete.run());
            } else {
                complete.run();
            }
        });
        return result;
    }
}
