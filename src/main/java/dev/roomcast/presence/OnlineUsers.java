package dev.roomcast.presence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who is online anywhere in the cluster, for the {@code user.online} and {@code user.offline} webhook events: the
 * hub reports each user's first and last connection on this node; a user is online while some node has one. The
 * {@code user.offline} event waits for the offline delay and is not recorded at all when the user comes back within
 * it — nor is a second {@code user.online}.
 */
public interface OnlineUsers {

    /** Users one {@link #sweep} looks at, at most. */
    int SWEEP_LIMIT = 1000;

    /** No tracking (webhooks off): nothing is recorded. */
    OnlineUsers NONE = new OnlineUsers() {
        @Override
        public void arrived(String user) {
        }

        @Override
        public void departed(String user) {
        }
    };

    /** The user's first connection on this node opened. */
    void arrived(String user);

    /** The user's last connection on this node closed. */
    void departed(String user);

    /** Records the {@code user.offline} events that are due; completes with how many users it looked at
     * (at most {@link #SWEEP_LIMIT}: sweep again when it reached it). */
    default CompletionStage<Integer> sweep() {
        return CompletableFuture.completedFuture(0);
    }
}
