package dev.roomcast.auth;

import io.vertx.core.http.HttpServerRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Finds a bearer token on a WebSocket upgrade: the {@code Authorization} header, the
 * {@code access_token} query parameter (browsers cannot set headers), or Quarkus'
 * {@code bearer-token-carrier} subprotocol ({@code quarkus-http-upgrade#Authorization#Bearer <token>},
 * URL-encoded, in {@code Sec-WebSocket-Protocol}).
 */
public final class TokenExtractor {

    static final String CARRIER_PREFIX = "quarkus-http-upgrade#authorization#";

    private TokenExtractor() {
    }

    public static String find(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        String token = bearer(header);
        if (token != null) {
            return token;
        }
        String query = request.getParam("access_token");
        if (query != null && !query.isBlank()) {
            return query.trim();
        }
        String protocols = request.getHeader("Sec-WebSocket-Protocol");
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                String decoded = URLDecoder.decode(p.trim(), StandardCharsets.UTF_8);
                if (decoded.toLowerCase().startsWith(CARRIER_PREFIX)) {
                    token = bearer(decoded.substring(CARRIER_PREFIX.length()));
                    if (token != null) {
                        return token;
                    }
                }
            }
        }
        return null;
    }

    /** The token of an {@code Authorization: Bearer <token>} value; null when absent, another scheme or empty. */
    public static String bearer(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (v.regionMatches(true, 0, "Bearer ", 0, 7) && v.length() > 7) {
            return v.substring(7).trim();
        }
        return null;
    }
}
