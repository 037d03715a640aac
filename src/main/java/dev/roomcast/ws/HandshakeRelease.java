package dev.roomcast.ws;

import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Lets the upgrade request of {@code /ws} become garbage once the WebSocket is open.
 * <p>
 * Quarkus' HTTP security puts a deferred security identity into every request. When websockets-next
 * finds one it keeps the request's whole routing context in the connection, for the connection's
 * lifetime, in case the endpoint asks for the identity later: the HTTP request and response, their
 * headers and the identity's memoized {@code Uni} chain — about 3 KiB per idle connection. roomcast
 * authenticates upgrades itself ({@code auth.UpgradeGate}) and never reads the Quarkus identity on
 * {@code /ws}, so the deferred identity is removed once Quarkus' authentication (order -200) and
 * authorization (-100) filters have run, and before the WebSocket route (order 0 and up).
 */
@ApplicationScoped
public class HandshakeRelease {

    /** After Quarkus' security filters (order = -priority), before any route. */
    static final int ORDER = -1;

    void register(@Observes Router router) {
        router.route("/ws").order(ORDER).handler(rc -> {
            rc.remove(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
            rc.next();
        });
    }
}
