package dev.roomcast.ws;

import dev.roomcast.auth.AuthenticationException;
import dev.roomcast.auth.Identity;
import dev.roomcast.auth.IdentityResolver;

import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.node.Admission;
import dev.roomcast.node.ConnectGuard;
import dev.roomcast.node.ConnectVerdict;
import dev.roomcast.node.NodeState;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides every WebSocket upgrade before a connection exists: draining or full node → 503, broker not
 * ready or too far behind ({@link Admission}) → 503 with Retry-After,
 * foreign Origin → 403, bad identity → 401/400. The identity is handed to the endpoint in user data.
 */
@ApplicationScoped
public class UpgradeGate implements HttpUpgradeCheck {

    public static final UserData.TypedKey<Identity> IDENTITY = new UserData.TypedKey<>("roomcast.identity");
    /** The connect hook's verdict (rooms to join, data for the welcome); absent without a connect hook. */
    public static final UserData.TypedKey<ConnectVerdict> CONNECT = new UserData.TypedKey<>("roomcast.connect");
    private static final Logger LOG = Logger.getLogger(UpgradeGate.class);

    private final IdentityResolver identities;
    private final Hub hub;
    private final NodeState state;
    private final int maxConnections;
    private final List<String> allowedOrigins;
    private final UpgradeObserver observer;
    private final Admission admission;
    private final ConnectGuard connectGuard;

    public UpgradeGate(IdentityResolver identities, Hub hub, NodeState state, RoomcastConfig config,
            UpgradeObserver observer, Admission admission, ConnectGuard connectGuard) {
        this.admission = admission;
        this.connectGuard = connectGuard;
        this.identities = identities;
        this.hub = hub;
        this.state = state;
        this.maxConnections = config.limits().maxConnections();
        this.allowedOrigins = config.limits().allowedOrigins();
        this.observer = observer;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (state.isDraining()) {
            return reject(503, "draining");
        }
        if (hub.connectionCount() >= maxConnections) {
            return reject(503, "max_connections");
        }
        String shed = admission.refuseUpgrade();
        if (shed != null) {
            observer.refused(shed);
            // Spread the retries of a storm over a few seconds instead of bringing it back all at once.
            String retryAfter = Integer.toString(ThreadLocalRandom.current().nextInt(1, 4));
            return CheckResult.rejectUpgrade(503, Map.of("Retry-After", List.of(retryAfter)));
        }
        String origin = context.httpRequest().getHeader("Origin");
        if (origin != null && !originAllowed(origin)) {
            return reject(403, "origin");
        }
        Uni<Identity> resolved = Uni.createFrom().item(() -> identities.resolve(context.httpRequest()));
        if (identities.mode() == RoomcastConfig.AuthMode.jwt) {
            // Verification may fetch keys (JWKS): off the event loop. ?user= needs no such hop.
            resolved = resolved.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        Uni<CheckResult> decided = connectGuard == ConnectGuard.NONE
                ? resolved.onItem().transform(identity -> permit(context, identity))
                : resolved.onItem().transformToUni(identity -> askBackend(context, identity));
        return decided
                .onFailure(AuthenticationException.class).recoverWithItem(e -> {
                    observer.refused("unauthorized");
                    LOG.debugf("upgrade refused: %s", e.getMessage());
                    return CheckResult.rejectUpgradeSync(401,
                            Map.of("WWW-Authenticate", List.of("Bearer error=\"invalid_token\"")));
                })
                .onFailure(IllegalArgumentException.class).recoverWithItem(e -> {
                    observer.refused("bad_user");
                    return CheckResult.rejectUpgradeSync(400);
                });
    }

    private static CheckResult permit(HttpUpgradeContext context, Identity identity) {
        context.userData().put(IDENTITY, identity);
        var request = context.httpRequest();
        Transport transport = Transport.of(request);
        if (request.getHeader("Transfer-Encoding") == null && request.getHeader("Content-Length") == null) {
            // Until @OnOpen: nothing the client sends may arrive before the WebSocket's handlers. Not for an upgrade
            // that declares a body (RFC 9112: only then has it one): the upgrade waits for the body's end.
            transport.pauseReads();
        }
        context.userData().put(Transport.KEY, transport);
        return CheckResult.permitUpgradeSync();
    }

    /** The connect hook: refused → 403, no answer (slow, down, garbage) → 503; the reason in a header. */
    private Uni<CheckResult> askBackend(HttpUpgradeContext context, Identity identity) {
        var request = context.httpRequest();
        return Uni.createFrom().completionStage(() -> connectGuard.check(identity.user(),
                        identities.mode() == RoomcastConfig.AuthMode.jwt ? ConnectClaims.of(request) : null,
                        ConnectClaims.headers(request, connectGuard.headers())))
                .onItemOrFailure().transform((verdict, failure) -> {
                    if (failure != null) {
                        observer.refused("connect_hook_unavailable");
                        return CheckResult.rejectUpgradeSync(503, Map.of("Retry-After", List.of("1"),
                                REASON_HEADER, List.of("the backend could not decide, retry later")));
                    }
                    if (!verdict.allowed()) {
                        observer.refused("connect_hook_refused");
                        return CheckResult.rejectUpgradeSync(403, Map.of(REASON_HEADER,
                                List.of(verdict.reason() != null ? verdict.reason() : "refused by the backend")));
                    }
                    context.userData().put(CONNECT, verdict);
                    return permit(context, identity);
                });
    }

    /** Header of an upgrade refused by the connect hook, with the reason (docs/integration.md). */
    public static final String REASON_HEADER = "X-Roomcast-Reason";

    boolean originAllowed(String origin) {
        for (String allowed : allowedOrigins) {
            if (allowed.equals("*") || allowed.equalsIgnoreCase(origin)) {
                return true;
            }
        }
        return false;
    }

    private Uni<CheckResult> reject(int status, String reason) {
        observer.refused(reason);
        return CheckResult.rejectUpgrade(status);
    }
}
