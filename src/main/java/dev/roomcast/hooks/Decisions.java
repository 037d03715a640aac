package dev.roomcast.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.hooks.HookClient.HookFailure;
import dev.roomcast.hooks.HookClient.Outcome;

/** Reading the backend's answers: {@code {"allow":true|false, "reason":…, "data":…, "rooms":[…]}}. */
final class Decisions {

    private static final int MAX_REASON = 200;

    private Decisions() {
    }

    /** The answer's {@code allow}; garbage (missing, not a boolean) is an invalid answer. */
    static boolean allow(JsonNode answer) {
        JsonNode allow = answer.get("allow");
        if (allow == null || !allow.isBoolean()) {
            throw new HookFailure(Outcome.invalid, "the answer has no boolean \"allow\"");
        }
        return allow.booleanValue();
    }

    /** The answer's {@code data} as compact JSON text; null when absent or JSON null. */
    static String data(ObjectMapper json, JsonNode answer) {
        JsonNode data = answer.get("data");
        if (data == null || data.isNull()) {
            return null;
        }
        try {
            return json.writeValueAsString(data);
        } catch (Exception e) {
            throw new HookFailure(Outcome.invalid, "data cannot be written");
        }
    }

    /**
     * The refusal's {@code reason}, fit for an error frame and a header: printable ASCII, at most 200
     * characters; null when absent.
     */
    static String reason(JsonNode answer) {
        JsonNode reason = answer.get("reason");
        if (reason == null || !reason.isTextual()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        String text = reason.textValue();
        for (int i = 0; i < text.length() && sb.length() < MAX_REASON; i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.isEmpty() ? null : sb.toString();
    }
}
