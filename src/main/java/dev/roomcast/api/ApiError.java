package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.ProtocolException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import dev.roomcast.protocol.Json;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An HTTP API error with a JSON body: {@code {"error":"invalid_room","message":"..."}}. */
public final class ApiError extends WebApplicationException {

    public ApiError(int status, ErrorCode code, String message) {
        super(message, null, Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body(code.name(), message))
                .build());
    }

    @RegisterForReflection
    @JsonPropertyOrder({"error", "message"})
    @Schema(name = "Error", description = "An API error: a code of the protocol's error table and a readable message")
    record Body(@Schema(examples = "invalid_room") String error, String message) {
    }

    /**
     * What the API answers for a failed node call: a refusal with its status ({@code too_large} 413,
     * {@code epoch_changed} 409, {@code unavailable} 503, the others 400), anything else as the broker being
     * unavailable (503: nothing was done, retry).
     */
    static ApiError from(Throwable failure) {
        Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (e instanceof ApiError api) {
            return api;
        }
        if (e instanceof ProtocolException refused) {
            return new ApiError(status(refused.code()), refused.code(), refused.getMessage());
        }
        return new ApiError(503, ErrorCode.unavailable, "the message broker is unavailable, retry later");
    }

    static int status(ErrorCode code) {
        return switch (code) {
            case too_large -> 413;
            case epoch_changed -> 409;
            case unavailable -> 503;
            default -> 400;
        };
    }

    public static String body(String code, String message) {
        return Json.write(new Body(code, message));
    }
}
