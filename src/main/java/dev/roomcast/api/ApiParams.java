package dev.roomcast.api;

import dev.roomcast.protocol.ErrorCode;

/** Query parameters read by the resources themselves, so that a malformed one is a 400 with the API's error body. */
final class ApiParams {

    private ApiParams() {
    }

    static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiError(400, ErrorCode.bad_request, name + " must be an integer");
        }
    }
}
