package dev.roomcast.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.roomcast.node.Node;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.protocol.FrameParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON bodies of the server API's commands, read with the frame parser's limits. A message's {@code data} is
 * cut out of the body as it was sent, so it reaches members byte for byte, as with a single publish. Unknown fields
 * are ignored; a body that is not the documented object, or a field of the wrong type, is a 400 and nothing is done.
 */
final class ApiRequests {

    private ApiRequests() {
    }

    /** {@code {"rooms":[...],"data":ANY,"from":"u","idempotency_key":"k"}} */
    record Broadcast(List<String> rooms, String data, String from, String idempotencyKey) {
    }

    /** {@code {"code":4100,"reason":"..."}} */
    record Disconnect(int code, String reason) {
    }

    /** {@code {"room":"r","reason":"..."}} */
    record Remove(String room, String reason) {
    }

    static Broadcast broadcast(String body, int maxDataBytes) {
        return parse(body, p -> {
            List<String> rooms = null;
            String data = null, from = null, key = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "rooms" -> rooms = strings(p, value, "rooms");
                    case "data" -> data = FrameParser.raw(p, body);
                    case "from" -> from = string(p, value, "from");
                    case "idempotency_key" -> key = string(p, value, "idempotency_key");
                    default -> p.skipChildren();
                }
            }
            if (rooms == null) {
                throw bad("missing field: rooms");
            }
            requireData(data, maxDataBytes);
            return new Broadcast(rooms, data, from, key);
        });
    }

    /**
     * {@code {"messages":[{"room":"r","data":ANY,"from":"u","idempotency_key":"k"}, ...]}}; a message whose data is
     * too large keeps its place and fails on its own ({@code too_large}), like a message to an invalid room.
     */
    static List<BatchItem> batch(String body, int maxDataBytes) {
        return parse(body, p -> {
            List<BatchItem> messages = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("messages")) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw bad("messages must be an array of objects");
                }
                messages = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (p.currentToken() != JsonToken.START_OBJECT) {
                        throw bad("messages must be an array of objects");
                    }
                    if (messages.size() == Node.MAX_PUBLISH_BATCH) {
                        throw bad("a batch holds 1 to " + Node.MAX_PUBLISH_BATCH + " messages");
                    }
                    messages.add(message(p, body, maxDataBytes));
                }
            }
            if (messages == null || messages.isEmpty()) {
                throw bad("a batch holds 1 to " + Node.MAX_PUBLISH_BATCH + " messages");
            }
            return messages;
        });
    }

    /** A message of a batch, and whether its data is over the size limit (then it is not published). */
    record BatchItem(Node.Message message, boolean tooLarge) {
    }

    private static BatchItem message(JsonParser p, String body, int maxDataBytes) throws IOException {
        String room = null, data = null, from = null, key = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "room" -> room = string(p, value, "room");
                case "data" -> data = FrameParser.raw(p, body);
                case "from" -> from = string(p, value, "from");
                case "idempotency_key" -> key = string(p, value, "idempotency_key");
                default -> p.skipChildren();
            }
        }
        if (room == null) {
            throw bad("every message needs a room");
        }
        if (data == null) {
            throw bad("every message needs data");
        }
        return new BatchItem(new Node.Message(room, from, data, key), !JsonBody.fits(data, maxDataBytes));
    }

    static Disconnect disconnect(String body) {
        return parse(body, p -> {
            Integer code = null;
            String reason = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "code" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT) {
                            throw bad("code must be an integer");
                        }
                        code = p.getNumberType() == JsonParser.NumberType.INT ? p.getIntValue() : -1;
                    }
                    case "reason" -> reason = string(p, value, "reason");
                    default -> p.skipChildren();
                }
            }
            if (code == null) {
                throw bad("missing field: code");
            }
            return new Disconnect(code, reason);
        });
    }

    static Remove remove(String body) {
        return parse(body, p -> {
            String room = null, reason = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "room" -> room = string(p, value, "room");
                    case "reason" -> reason = string(p, value, "reason");
                    default -> p.skipChildren();
                }
            }
            if (room == null) {
                throw bad("missing field: room");
            }
            return new Remove(room, reason);
        });
    }

    private interface ObjectReader<T> {
        /** Reads the fields of the object whose START_OBJECT is the current token, up to its END_OBJECT. */
        T read(JsonParser p) throws IOException;
    }

    private static <T> T parse(String body, ObjectReader<T> reader) {
        if (body == null || body.isBlank()) {
            throw bad("the body must be a JSON object");
        }
        try (JsonParser p = FrameParser.parser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("the body must be a JSON object");
            }
            T result = reader.read(p);
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw bad("trailing content after the JSON object");
            }
            return result;
        } catch (JsonProcessingException e) {
            throw bad("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad("unreadable JSON");
        }
    }

    private static String string(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw bad(field + " must be a string");
        }
        return p.getText();
    }

    private static List<String> strings(JsonParser p, JsonToken value, String field) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw bad(field + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw bad(field + " must be an array of strings");
            }
            if (out.size() == Node.MAX_PUBLISH_BATCH) {
                throw bad("at most " + Node.MAX_PUBLISH_BATCH + " " + field);
            }
            out.add(p.getText());
        }
        return out;
    }

    private static void requireData(String data, int maxDataBytes) {
        if (data == null) {
            throw bad("missing field: data");
        }
        if (!JsonBody.fits(data, maxDataBytes)) {
            throw new ApiError(413, ErrorCode.too_large, "data is larger than " + maxDataBytes + " bytes");
        }
    }

    private static ApiError bad(String message) {
        return new ApiError(400, ErrorCode.bad_request, message);
    }
}
