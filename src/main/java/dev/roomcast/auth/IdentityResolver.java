package dev.roomcast.auth;

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
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

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

    public IdentityResolver(RoomcastConfig config, Instance<JWTParser> parser) {
        this.mode = config.auth().mode();
        this.parser = parser;
    }

    void warnWhenOpen(@Observes StartupEvent event) {
        if (mode == RoomcastConfig.AuthMode.none && LaunchMode.current() == LaunchMode.NORMAL) {
            LOG.warn("*** roomcast.auth.mode=none: ANYONE can connect as ANY user with ?user=NAME. "
                    + "Use roomcast.auth.mode=jwt outside a trusted network. ***");
        }
        if (mode == RoomcastConfig.AuthMode.jwt && !verificationKeyConfigured()) {
            LOG.error("*** roomcast.auth.mode=jwt but no key to verify tokens is configured: every WebSocket "
                    + "upgrade will be refused with 401. Set one of " + String.join(", ", KEY_PROPERTIES) + ". ***");
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

    Identity fromToken(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.get().parse(token);
        } catch (ParseException e) {
            throw new AuthenticationException("invalid token");
        }
        String sub = jwt.getSubject();
        if (!Names.isValidUser(sub)) {
            throw new AuthenticationException("the token's sub is not a valid user name");
        }
        return new Identity(sub, permissions(jwt.getClaim("rooms")));
    }

    /** {@code "rooms": {"join": [globs], "publish": [globs]}}; no claim means no restriction. */
    static RoomPermissions permissions(Object claim) {
        if (!(claim instanceof JsonObject rooms)) {
            return RoomPermissions.ALL;
        }
        return RoomPermissions.of(globs(rooms.get("join")), globs(rooms.get("publish")));
    }

    private static List<String> globs(JsonValue value) {
        if (value == null) {
            return List.of(); // a rooms claim without a list grants nothing for that action
        }
        if (value instanceof JsonArray array) {
            return array.stream().filter(v -> v instanceof JsonString).map(v -> ((JsonString) v).getString()).toList();
        }
        if (value instanceof JsonString s) {
            return List.of(s.getString());
        }
        return List.of();
    }
}
