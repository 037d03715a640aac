package dev.roomcast.ws;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.WebSocketBase;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * Lets the upgrade request of {@code /ws} become garbage once the WebSocket is open.
 * <p>
 * Quarkus' HTTP security puts a deferred security identity into every request. When websockets-next
 * finds one it keeps the request's whole routing context in the connection, for the connection's
 * lifetime, in case the endpoint asks for the identity later: the HTTP request and response, their
 * headers and the identity's memoized {@code Uni} chain — about 3 KiB per idle connection. roomcast
 * authenticates upgrades itself ({@code ws.UpgradeGate}) and never reads the Quarkus identity on
 * {@code /ws}, so the deferred identity is removed once Quarkus' authentication (order -200) and
 * authorization (-100) filters have run, and before the WebSocket route (order 0 and up).
 * <p>
 * Vert.x' socket also keeps the upgrade request's headers (about 1 KiB); websockets-next has its own copy
 * ({@code HandshakeRequest}), so {@link #forgetSocketHeaders} empties Vert.x' once the connection is open.
 */
@ApplicationScoped
@RegisterForReflection(classNames = "io.quarkus.websockets.next.runtime.WebSocketConnectionBase", methods = true)
public class HandshakeRelease {

    /** websockets-next's accessor of the Vert.x socket (not public API; null if it is gone). */
    private static final MethodHandle WEB_SOCKET = findWebSocket();

    /** After Quarkus' security filters (order = -priority), before any route. */
    static final int ORDER = -1;

    void register(@Observes Router router) {
        router.route("/ws").order(ORDER).handler(rc -> {
            rc.remove(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
            rc.next();
        });
    }

    /** Empties the upgrade headers Vert.x keeps in the connection's socket; nothing reads them after the upgrade. */
    static void forgetSocketHeaders(WebSocketConnection connection) {
        WebSocketBase socket = socketOf(connection);
        if (socket == null) {
            return;
        }
        try {
            socket.headers().clear();
        } catch (RuntimeException e) {
            // read-only in some Vert.x version: they stay, nothing else changes
        }
    }

    /** The Vert.x socket under a websockets-next connection, or null when it cannot be reached. */
    static WebSocketBase socketOf(WebSocketConnection connection) {
        if (WEB_SOCKET == null) {
            return null;
        }
        try {
            return (WebSocketBase) WEB_SOCKET.invoke(connection);
        } catch (Throwable e) {
            return null;
        }
    }

    private static MethodHandle findWebSocket() {
        try {
            Method m = Class.forName("io.quarkus.websockets.next.runtime.WebSocketConnectionBase").getDeclaredMethod("webSocket");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (Throwable e) {
            return null;
        }
    }
}
