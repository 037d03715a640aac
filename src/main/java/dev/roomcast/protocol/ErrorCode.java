package dev.roomcast.protocol;

/** Codes of {@code error} frames; the wire name is the lower-case enum name. Documented in docs/protocol.md. */
public enum ErrorCode {
    bad_request,
    unknown_type,
    invalid_room,
    invalid_user,
    not_joined,
    too_large,
    too_many_rooms,
    forbidden,
    invalid_token,
    rate_limited,
    unavailable,
    /** HTTP API: a history read's {@code epoch} is no longer the room's; its offsets mean nothing now. */
    epoch_changed,
    internal
}
