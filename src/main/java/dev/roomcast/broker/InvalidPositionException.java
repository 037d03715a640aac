package dev.roomcast.broker;

/**
 * A history read was given a position that cannot belong to the room's history (not one of this broker's
 * offsets, or ahead of it). The broker's own error: the node maps it to the client's {@code bad_request}.
 */
public final class InvalidPositionException extends RuntimeException {

    public InvalidPositionException(String message) {
        super(message, null, false, false);
    }
}
