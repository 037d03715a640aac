package dev.roomcast.api;

import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.FrameParser;
import dev.roomcast.protocol.ProtocolException;

/** Validates an API request body as one JSON value, with the same limits as WebSocket frames. */
final class JsonBody {

    private JsonBody() {
    }

    /** Whether {@code json} is at most {@code maxBytes} bytes of UTF-8. */
    static boolean fits(String json, int maxBytes) {
        // A char is at most 3 bytes of UTF-8: most bodies are judged without encoding them.
        return json.length() * 3L <= maxBytes || json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes;
    }

    static String require(String body, int maxBytes) {
        if (body == null || body.isBlank()) {
            throw new ApiError(400, ErrorCode.bad_request, "the body must be a JSON value");
        }
        if (!fits(body, maxBytes)) {
            throw new ApiError(413, ErrorCode.too_large, "the body is larger than " + maxBytes + " bytes");
        }
        try {
            // Exactly one value, with the frame parser's depth and number limits: a body is never pasted
            // into a frame before it is parsed, so `1,"from":"admin"` cannot add fields.
            return FrameParser.singleValue(body);
        } catch (ProtocolException e) {
            throw new ApiError(400, ErrorCode.bad_request, "the body must be exactly one JSON value: " + e.getMessage());
        }
    }
}
