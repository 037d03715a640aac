package dev.roomcast.protocol;

/**
 * One decoded client frame. {@code data} is the raw JSON text of the {@code data} field, exactly as the
 * client sent it, so it is passed through untouched and never re-serialized.
 */
public record ClientFrame(
        String type,
        String id,
        String room,
        String to,
        String data,
        String since,
        String epoch,
        Boolean presence,
        String token) {
}
