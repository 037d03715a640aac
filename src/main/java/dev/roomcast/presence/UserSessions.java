package dev.roomcast.presence;

import java.util.concurrent.CompletionStage;

/**
 * {@code roomcast.users.single-session}: at most one connection per user in the whole cluster.
 * The default implementation allows every connection.
 */
public interface UserSessions {

    UserSessions UNLIMITED = new UserSessions() {
        @Override
        public CompletionStage<Boolean> claim(String user, String connectionId) {
            return java.util.concurrent.CompletableFuture.completedFuture(true);
        }

        @Override
        public void release(String user, String connectionId) {
        }
    };

    /** True when the connection may go on; false when the user is already connected elsewhere. */
    CompletionStage<Boolean> claim(String user, String connectionId);

    void release(String user, String connectionId);
}
