package dev.roomcast.node;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The backend's say on a new connection, asked at the WebSocket upgrade after the identity is known. The
 * stage fails when the backend could not decide (slow, down, garbage): the upgrade is then refused as
 * unavailable, never left waiting.
 */
public interface ConnectGuard {

    /** No connect hook configured: the gate does not call it at all. */
    ConnectGuard NONE = (user, claims, headers) -> {
        throw new UnsupportedOperationException("no connect hook");
    };

    /** The request headers the backend wants to see (lower-case names). */
    default List<String> headers() {
        return List.of();
    }

    /**
     * @param claims  the verified token's claims as raw JSON, null without a token
     * @param headers the configured request headers the client sent (lower-case names)
     */
    CompletionStage<ConnectVerdict> check(String user, String claims, Map<String, String> headers);
}
