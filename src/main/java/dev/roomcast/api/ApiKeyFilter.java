package dev.roomcast.api;

import dev.roomcast.auth.TokenExtractor;
import dev.roomcast.config.RoomcastConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Guards {@code /api}: a key from {@code roomcast.api.keys} as {@code Authorization: Bearer <key>},
 * compared in constant time. Without configured keys the API is open only when auth.mode=none.
 */
public class ApiKeyFilter {

    private final List<byte[]> keys;
    private final boolean openWithoutKeys;

    public ApiKeyFilter(RoomcastConfig config) {
        this.keys = config.api().keys().orElse(List.of()).stream()
                .map(String::trim).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.openWithoutKeys = config.auth().mode() == RoomcastConfig.AuthMode.none;
    }

    @ServerRequestFilter
    public Response check(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/api")) {
            return null;
        }
        if (keys.isEmpty()) {
            return openWithoutKeys ? null : unauthorized("no API keys are configured (roomcast.api.keys)");
        }
        String presented = TokenExtractor.bearer(request.getHeaderString("Authorization"));
        if (presented == null) {
            return unauthorized("an API key is required: Authorization: Bearer <key>");
        }
        byte[] given = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] key : keys) {
            ok |= MessageDigest.isEqual(key, given); // no early exit: timing does not reveal which key
        }
        return ok ? null : unauthorized("invalid API key");
    }

    private static Response unauthorized(String message) {
        return Response.status(401).type(MediaType.APPLICATION_JSON)
                .header("WWW-Authenticate", "Bearer")
                .entity(ApiError.body("unauthorized", message)).build();
    }
}
