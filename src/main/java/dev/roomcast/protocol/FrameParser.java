package dev.roomcast.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;

/**
 * Decodes a client text frame with Jackson's streaming parser: one pass, no tree, and the {@code data}
 * value is cut out of the original text by offsets so it reaches recipients byte for byte.
 */
public final class FrameParser {

    public static final int MAX_ID_LENGTH = 64;
    /** Deeper {@code data} is refused: it protects every client that parses it, not only this node. */
    public static final int MAX_NESTING = 64;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING)
                    .maxNumberLength(100)
                    .build())
            .build();

    private FrameParser() {
    }

    public static ClientFrame parse(String text) {
        String type = null, id = null, room = null, to = null, data = null, since = null, epoch = null, token = null;
        Boolean presence = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(ErrorCode.bad_request, "a frame must be a JSON object", null);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> type = string(p, value, "type", id);
                    case "id" -> id = string(p, value, "id", null);
                    case "room" -> room = string(p, value, "room", id);
                    case "to" -> to = string(p, value, "to", id);
                    case "since" -> since = scalarText(p, value, "since", id);
                    case "epoch" -> epoch = string(p, value, "epoch", id);
                    case "token" -> token = string(p, value, "token", id);
                    case "presence" -> presence = bool(value, id);
                    case "data" -> data = rawValue(p, text);
                    default -> p.skipChildren(); // unknown fields are ignored, as clients ignore ours
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ProtocolException(ErrorCode.bad_request, "trailing content after the frame object", id);
            }
        } catch (ProtocolException e) {
            if (e.frameId() == null && id != null) {
                throw new ProtocolException(e.code(), e.getMessage(), id);
            }
            throw e;
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.bad_request, "malformed JSON: " + shortMessage(e), id);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.bad_request, "unreadable frame", id);
        }
        if (id != null && id.length() > MAX_ID_LENGTH) {
            throw new ProtocolException(ErrorCode.bad_request, "id is longer than " + MAX_ID_LENGTH + " characters", null);
        }
        if (type == null) {
            throw new ProtocolException(ErrorCode.bad_request, "missing field: type", id);
        }
        return new ClientFrame(type, id, room, to, data, since, epoch, presence, token);
    }

    /**
     * Exactly one JSON value (an HTTP API body), returned as its source text without surrounding
     * whitespace; anything after it, or no value at all, is refused.
     */
    public static String singleValue(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() == null) {
                throw new ProtocolException(ErrorCode.bad_request, "no JSON value", null);
            }
            String value = rawValue(p, text);
            if (p.nextToken() != null) {
                throw new ProtocolException(ErrorCode.bad_request, "trailing content after the JSON value", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.bad_request, "malformed JSON: " + shortMessage(e), null);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.bad_request, "unreadable JSON", null);
        }
    }

    /** A streaming parser with the frame limits (depth, number length), for the HTTP API's request bodies. */
    public static JsonParser parser(String text) throws IOException {
        return JSON.createParser(text);
    }

    /** The exact source text of the parser's current value (see {@link #parser}), validated by skipping over it. */
    public static String raw(JsonParser p, String text) throws IOException {
        return rawValue(p, text);
    }

    private static String string(JsonParser p, JsonToken value, String field, String id) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            p.skipChildren();
            throw new ProtocolException(ErrorCode.bad_request, "field " + field + " must be a string", id);
        }
        return p.getText();
    }

    /** {@code since} is an offset: accepted as a string or a non-negative integer. */
    private static String scalarText(JsonParser p, JsonToken value, String field, String id) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        return string(p, value, field, id);
    }

    private static Boolean bool(JsonToken value, String id) {
        if (value == JsonToken.VALUE_TRUE) {
            return Boolean.TRUE;
        }
        if (value == JsonToken.VALUE_FALSE) {
            return Boolean.FALSE;
        }
        throw new ProtocolException(ErrorCode.bad_request, "field presence must be a boolean", id);
    }

    /** The exact source text of the current value, validated by skipping over it. */
    private static String rawValue(JsonParser p, String text) throws IOException {
        int start = (int) p.currentTokenLocation().getCharOffset();
        if (p.currentToken().isStructStart()) {
            p.skipChildren();
        } else {
            p.finishToken(); // strings are decoded lazily; the end offset is only known once finished
        }
        int end = (int) p.currentLocation().getCharOffset();
        return text.substring(start, end);
    }

    private static String shortMessage(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return "unreadable";
        }
        return m.length() > 160 ? m.substring(0, 160) + "…" : m;
    }
}
