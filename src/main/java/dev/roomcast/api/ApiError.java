package dev.roomcast.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.roomcast.protocol.ErrorCode;
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

    public static String body(String code, String message) {
        return Json.write(new Body(code, message));
    }
}
