package dev.roomcast.auth;

import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.RoomGrant;
import io.smallrye.jwt.KeyProvider;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * Verifies subscription tokens: JWTs the backend signs for one user and one room ({@code sub}, {@code room},
 * {@code exp}, optional {@code allow}), sent with a {@code join} or a room's {@code refresh}. They are verified
 * like connection tokens — the same keys, issuer, audiences, clock skew and {@code iat} rule — unless
 * {@code roomcast.auth.subscription-token.*} sets a key (or issuer, audiences, algorithm) of their own.
 */
@ApplicationScoped
public class SubscriptionTokens {

    private static final Logger LOG = Logger.getLogger(SubscriptionTokens.class);

    /** The one room the token allows. */
    public static final String ROOM_CLAIM = "room";
    /** What the token allows in that room besides receiving its messages: a list of {@link #PUBLISH}, {@link #PRESENCE}. */
    public static final String ALLOW_CLAIM = "allow";
    public static final String PUBLISH = "publish";
    public static final String PRESENCE = "presence";

    private final IdentityResolver identities;
    private final Instance<JWTParser> connectionParser;
    private final Instance<JWTAuthContextInfo> connectionContext;
    private final RoomcastConfig.SubscriptionToken config;
    /** Built at the first token when the configuration differs from the connection tokens'. */
    private volatile JWTParser ownParser;

    public SubscriptionTokens(IdentityResolver identities, Instance<JWTParser> connectionParser,
            Instance<JWTAuthContextInfo> connectionContext, RoomcastConfig config) {
        this.identities = identities;
        this.connectionParser = connectionParser;
        this.connectionContext = connectionContext;
        this.config = config.auth().subscriptionToken();
    }

    /**
     * The grant a token gives, once its signature, {@code exp}, {@code nbf}, {@code iat}, issuer and audience are
     * verified and its claims read. Whether {@code sub} and {@code room} are the ones wanted is the caller's
     * to check. Blocking when verification needs to fetch keys (JWKS): call it off the event loop.
     *
     * @throws AuthenticationException when the token is refused
     */
    public RoomGrant verify(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser().parse(token);
        } catch (ParseException e) {
            throw new AuthenticationException("invalid token");
        }
        identities.checkIssuedAt(jwt);
        String room = string(jwt.getClaim(ROOM_CLAIM));
        if (room == null) {
            throw new AuthenticationException("a subscription token needs a room claim (a string)");
        }
        String sub = jwt.getSubject();
        if (sub == null) {
            throw new AuthenticationException("a subscription token needs a sub claim");
        }
        if (jwt.getExpirationTime() <= 0) {
            throw new AuthenticationException("a subscription token needs an exp claim"); // it would never expire
        }
        boolean publish = false;
        boolean presence = false;
        if (IdentityResolver.hasClaim(jwt, ALLOW_CLAIM)) {
            Object allow = jwt.getClaim(ALLOW_CLAIM);
            if (!(allow instanceof JsonArray list)) {
                throw refused(sub, "the allow claim must be a list of strings, not " + IdentityResolver.kind(allow));
            }
            for (JsonValue v : list) {
                String permission = v instanceof JsonString s ? s.getString() : null;
                if (PUBLISH.equals(permission)) {
                    publish = true;
                } else if (PRESENCE.equals(permission)) {
                    presence = true;
                } else {
                    throw refused(sub, "the allow claim may hold \"publish\" and \"presence\", not " + v);
                }
            }
        }
        return new RoomGrant(sub, room, jwt.getExpirationTime(), publish, presence);
    }

    /** A verified token the backend built wrong: say why in the log, where its developers look. */
    private static AuthenticationException refused(String sub, String why) {
        LOG.warnf("subscription token of %s refused: %s", sub, why);
        return new AuthenticationException(why);
    }

    private static String string(Object claim) {
        if (claim instanceof JsonString s) {
            return s.getString();
        }
        return claim instanceof String s ? s : null;
    }

    /** A subscription-token key or algorithm that cannot be used fails the start, not the first join. */
    void checkConfiguration(@Observes StartupEvent event) {
        if (identities.mode() == RoomcastConfig.AuthMode.jwt && differsFromConnectionTokens()) {
            parser();
        }
    }

    private JWTParser parser() {
        if (!differsFromConnectionTokens()) {
            return connectionParser.get();
        }
        JWTParser parser = ownParser;
        if (parser == null) {
            synchronized (this) {
                if (ownParser == null) {
                    ownParser = ownParser();
                }
                parser = ownParser;
            }
        }
        return parser;
    }

    private boolean differsFromConnectionTokens() {
        return config.key().isPresent() || config.keyLocation().isPresent() || config.algorithm().isPresent()
                || config.issuer().isPresent() || config.audiences().isPresent();
    }

    /**
     * The connection tokens' context with the subscription tokens' settings, in a parser of its own: smallrye-jwt's
     * shared parser caches the key resolver of the first context it sees, so it must not verify with two.
     */
    private JWTParser ownParser() {
        JWTAuthContextInfo context = new JWTAuthContextInfo(connectionContext.get());
        if (config.key().isPresent() || config.keyLocation().isPresent()) {
            context.setPublicVerificationKey(null);
            context.setSecretVerificationKey(null);
            context.setPublicKeyContent(config.key().orElse(null));
            context.setPublicKeyLocation(config.keyLocation().orElse(null));
            context.setSecretKeyContent(null);
            context.setKeyProvider(KeyProvider.DEFAULT);
            context.setTokenKeyId(null);
        }
        config.algorithm().ifPresent(a -> context.setSignatureAlgorithm(Set.of(SignatureAlgorithm.fromAlgorithm(a))));
        config.issuer().ifPresent(context::setIssuedBy);
        config.audiences().ifPresent(a -> context.setExpectedAudience(Set.copyOf(a)));
        return new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
    }
}
