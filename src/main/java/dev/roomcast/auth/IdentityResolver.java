package dev.roomcast.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.RoomPermissions;
import dev.roomcast.protocol.Names;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Turns an upgrade request into an {@link Identity}: from a verified JWT ({@code roomcast.auth.mode=jwt})
 * or from {@code ?user=NAME} ({@code none}, for development and trusted networks only).
 */
@ApplicationScoped
public class IdentityResolver {

    private static final Logger LOG = Logger.getLogger(IdentityResolver.class);

    private final RoomcastConfig.AuthMode mode;
    private final Instance<JWTParser> parser;

    private final long clockSkewSeconds;
    private final Clock clock;

    @Inject
    public IdentityResolver(RoomcastConfig config, Instance<JWTParser> parser) {
        this(config.auth().mode(), parser, ConfigProvider.getConfig()
                .getOptionalValue(CLOCK_SKEW_PROPERTY, Long.class).orElse(DEFAULT_CLOCK_SKEW), Clock.systemUTC());
    }

    IdentityResolver(RoomcastConfig.AuthMode mode, Instance<JWTParser> parser, long clockSkewSeconds, Clock clock) {
        this.mode = mode;
        this.parser = parser;
        this.clockSkewSeconds = clockSkewSeconds;
        this.clock = clock;
    }

    /** smallrye-jwt's tolerance on exp, which roomcast applies to iat as well. */
    static final String CLOCK_SKEW_PROPERTY = "mp.jwt.verify.clock.skew";
    static final long DEFAULT_CLOCK_SKEW = 60;
    static final String AUDIENCES_PROPERTY = "mp.jwt.verify.audiences";

    void warnWhenOpen(@Observes StartupEvent event) {
        if (mode == RoomcastConfig.AuthMode.none && LaunchMode.current() == LaunchMode.NORMAL) {
            LOG.warn("*** roomcast.auth.mode=none: ANYONE can connect as ANY user with ?user=NAME. "
                    + "Use roomcast.auth.mode=jwt outside a trusted network. ***");
        }
        if (mode == RoomcastConfig.AuthMode.jwt && !verificationKeyConfigured()) {
            LOG.error("*** roomcast.auth.mode=jwt but no key to verify tokens is configured: every WebSocket "
                    + "upgrade will be refused with 401. Set one of " + String.join(", ", KEY_PROPERTIES) + ". ***");
        }
        if (mode == RoomcastConfig.AuthMode.jwt && ConfigProvider.getConfig()
                .getOptionalValue(AUDIENCES_PROPERTY, String.class).filter(v -> !v.isBlank()).isEmpty()) {
            LOG.warn("roomcast.auth.mode=jwt without " + AUDIENCES_PROPERTY + ": tokens the same issuer made for "
                    + "other services are accepted. Set it to the audience your identity provider puts in roomcast's tokens.");
        }
    }

    /** Where smallrye-jwt can get a verification key from (JWKS URLs go in the location properties). */
    static final List<String> KEY_PROPERTIES = List.of("mp.jwt.verify.publickey", "mp.jwt.verify.publickey.location",
            "smallrye.jwt.verify.key.location", "smallrye.jwt.verify.secretkey");

    private static boolean verificationKeyConfigured() {
        Config config = ConfigProvider.getConfig();
        return KEY_PROPERTIES.stream().anyMatch(k -> config.getOptionalValue(k, String.class)
                .filter(v -> !v.isBlank()).isPresent())
                || !config.getOptionalValue("smallrye.jwt.verify.key-provider", String.class).orElse("default")
                        .equalsIgnoreCase("default");
    }

    public RoomcastConfig.AuthMode mode() {
        return mode;
    }

    /** Blocking when verification needs to fetch keys (JWKS): call it off the event loop. */
    public Identity resolve(HttpServerRequest request) {
        if (mode == RoomcastConfig.AuthMode.none) {
            return fromQuery(request.getParam("user"));
        }
        String token = TokenExtractor.find(request);
        if (token == null) {
            throw new AuthenticationException("a bearer token is required");
        }
        return fromToken(token);
    }

    private static Identity fromQuery(String user) {
        if (user == null || user.isEmpty()) {
            return new Identity("anon-" + UUID.randomUUID().toString().substring(0, 12), RoomPermissions.ALL);
        }
        if (!Names.isValidUser(user)) {
            throw new IllegalArgumentException("user names are 1-64 characters of A-Z a-z 0-9 _ . @ -");
        }
        return new Identity(user, RoomPermissions.ALL);
    }

    /** The tolerance on {@code exp}: a live connection is closed this long after its token's {@code exp}. */
    public long clockSkewSeconds() {
        return clockSkewSeconds;
    }

    /**
     * Verifies a token sent on a live connection ({@code refresh}), exactly as at the upgrade. Blocking when
     * verification needs to fetch keys (JWKS): call it off the event loop.
     *
     * @throws AuthenticationException when the token is refused
     */
    public Identity verify(String token) {
        return fromToken(token);
    }

    Identity fromToken(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.get().parse(token);
        } catch (ParseException e) {
            throw new AuthenticationException("invalid token");
        }
        checkIssuedAt(jwt);
        if (hasClaim(jwt, SubscriptionTokens.ROOM_CLAIM)) {
            // Signed with the same keys, a subscription token for one room must not open a connection (where its
            // missing rooms claim would allow every room).
            throw new AuthenticationException("a subscription token (with a room claim) cannot authenticate a connection");
        }
        String sub = jwt.getSubject();
        if (!Names.isValidUser(sub)) {
            throw new AuthenticationException("the token's sub is not a valid user name");
        }
        try {
            return new Identity(sub, permissions(hasClaim(jwt, ROOMS_CLAIM), jwt.getClaim(ROOMS_CLAIM)),
                    jwt.getExpirationTime());
        } catch (AuthenticationException e) {
            // A token that passed verification but carries permissions we cannot read: the identity
            // provider is misconfigured (or the claim was forged before signing). Fail closed, say why.
            LOG.warnf("token of %s refused: %s", sub, e.getMessage());
            throw e;
        }
    }

    /** The rules roomcast adds to smallrye-jwt's verification, for connection and subscription tokens alike. */
    void checkIssuedAt(JsonWebToken jwt) {
        if (jwt.getIssuedAtTime() > clock.instant().getEpochSecond() + clockSkewSeconds) {
            // smallrye-jwt only checks iat against exp: a token "issued" in the future was not issued by a
            // sane clock, and would outlive any maximum age measured from iat.
            throw new AuthenticationException("the token's iat is in the future");
        }
    }

    static final String ROOMS_CLAIM = "rooms";
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Whether the token's payload has the claim at all: smallrye-jwt drops a claim whose value is JSON
     * {@code null}, which must not pass for "no claim" (no restriction). Read from the verified raw token.
     */
    static boolean hasClaim(JsonWebToken jwt, String name) {
        if (jwt.containsClaim(name)) {
            return true;
        }
        String raw = jwt.getRawToken();
        int first = raw == null ? -1 : raw.indexOf('.');
        int second = first < 0 ? -1 : raw.indexOf('.', first + 1);
        if (second < 0) {
            return false;
        }
        try (JsonParser p = JSON.createParser(Base64.getUrlDecoder().decode(raw.substring(first + 1, second)))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (name.equals(p.currentName())) {
                    return true;
                }
                p.nextToken();
                p.skipChildren();
            }
            return false;
        } catch (IOException | IllegalArgumentException e) {
            throw new AuthenticationException("unreadable token payload");
        }
    }

    /**
     * {@code "rooms": {"join": [globs], "publish": [globs]}}; no claim means no restriction. A claim that is
     * present but not such an object (a string — often the object serialized by a String mapper —, an
     * array, a number, a boolean, null) refuses the token rather than granting every room.
     */
    static RoomPermissions permissions(boolean present, Object claim) {
        if (!present) {
            return RoomPermissions.ALL;
        }
        if (!(claim instanceof JsonObject rooms)) {
            throw new AuthenticationException("the rooms claim must be a JSON object, not " + kind(claim));
        }
        try {
            return RoomPermissions.of(globs(rooms.get("join"), "join"), globs(rooms.get("publish"), "publish"));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("the rooms claim has too many or too long patterns: " + e.getMessage());
        }
    }

    private static List<String> globs(JsonValue value, String action) {
        if (value == null) {
            return List.of(); // a rooms claim without a list grants nothing for that action
        }
        if (value instanceof JsonString s) {
            return List.of(s.getString());
        }
        if (value instanceof JsonArray array && array.stream().allMatch(v -> v instanceof JsonString)) {
            return array.stream().map(v -> ((JsonString) v).getString()).toList();
        }
        throw new AuthenticationException("rooms." + action + " must be a string or a list of strings, not " + kind(value));
    }

    static String kind(Object claim) {
        if (claim == null || claim == JsonValue.NULL) {
            return "null";
        }
        if (claim instanceof JsonValue v) {
            return switch (v.getValueType()) {
                case ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case TRUE, FALSE -> "a boolean";
                case OBJECT -> "an object";
                case NULL -> "null";
            };
        }
        if (claim instanceof CharSequence) {
            return "a string";
        }
        if (claim instanceof Number) {
            return "a number";
        }
        if (claim instanceof Boolean) {
            return "a boolean";
        }
        if (claim instanceof java.util.Collection<?> || claim.getClass().isArray()) {
            return "an array";
        }
        return claim.getClass().getSimpleName();
    }
}
