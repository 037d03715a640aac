package dev.roomcast.ws;

import dev.roomcast.auth.TokenExtractor;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the connect hook is told about an upgrade besides the user: the token's claims and chosen headers. */
final class ConnectClaims {

    private ConnectClaims() {
    }

    /**
     * The payload of the upgrade's token as JSON text: only called after the identity resolver verified the
     * token (auth.mode=jwt), so it is the signed JSON; null without a token.
     */
    static String of(HttpServerRequest request) {
        String token = TokenExtractor.find(request);
        if (token == null) {
            return null;
        }
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The values of {@code names} the request carries, by lower-case name. */
    static Map<String, String> headers(HttpServerRequest request, List<String> names) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String name : names) {
            String value = request.getHeader(name);
            if (value != null) {
                found.put(name.toLowerCase(java.util.Locale.ROOT), value);
            }
        }
        return found;
    }
}
