package dev.roomcast.protocol;

/** A client frame that is refused with an {@code error} frame; the connection stays open. */
public final class ProtocolException extends RuntimeException {

    private final ErrorCode code;
    private final String frameId;

    public ProtocolException(ErrorCode code, String message, String frameId) {
        super(message, null, false, false);
        this.code = code;
        this.frameId = frameId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The {@code id} of the refused frame, when it could be read; echoed in the error. */
    public String frameId() {
        return frameId;
    }
}
