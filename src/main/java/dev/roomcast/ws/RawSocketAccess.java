package dev.roomcast.ws;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.WebSocketBase;
import org.jboss.logging.Logger;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * Reaches the Vert.x socket under a websockets-next connection, so a frame encoded once can be written
 * as the same bytes to every recipient ({@code sendText(String)} would encode the text again for each).
 * Not public API: if it is not there, {@link ConnectionSink} falls back to {@code sendText}.
 */
@RegisterForReflection(classNames = "io.quarkus.websockets.next.runtime.WebSocketConnectionBase", methods = true)
final class RawSocketAccess {

    private static final Logger LOG = Logger.getLogger(RawSocketAccess.class);
    private static final MethodHandle WEB_SOCKET = find();

    private RawSocketAccess() {
    }

    /** The connection's socket, or null when it cannot be reached. */
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

    private static MethodHandle find() {
        try {
            Class<?> base = Class.forName("io.quarkus.websockets.next.runtime.WebSocketConnectionBase");
            Method m = base.getDeclaredMethod("webSocket");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (Throwable e) {
            LOG.infof("pre-encoded frame writes unavailable (%s); using sendText", e.toString());
            return null;
        }
    }
}
