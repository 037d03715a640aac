package dev.roomcast.auth;

/** The upgrade carries no acceptable identity; answered with 401. */
public final class AuthenticationException extends RuntimeException {

    public AuthenticationException(String message) {
        super(message, null, false, false);
    }
}
