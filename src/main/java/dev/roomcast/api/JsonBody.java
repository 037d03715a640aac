package dev.roomcast.api;

import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.FrameParser;
import dev.roomcast.protocol.ProtocolException;

/** Validates an API request body as one JSON value, with the same limits as WebSocket frames. */
final class JsonBody {

    private JsonBody() {
    }

    static String require(String body, int maxBytes) {
        if (body == null || body.isBlank()) {
            throw new ApiError(400, ErrorCode.bad_request, "the body must be a JSON value");
        }
        if (body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiError(413, ErrorCode.too_large, "the body is larger than " + maxBytes + " bytes");
        }
        try {
            // Parsed as the data field of a frame: the same parser, depth and number limits.
            String data = FrameParser.parse("{\"type\":\"api\",\"data\":" + body + "}").data();
            return data;
        } catch (ProtocolException e) {
            throw new ApiError(400, ErrorCode.bad_request, "the body is not valid JSON");
        }
    }
}
