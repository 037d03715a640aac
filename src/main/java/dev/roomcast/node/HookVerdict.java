package dev.roomcast.node;

/**
 * The backend's answer to a join or publish hook: allowed (with optional raw JSON {@code data}: for a join the
 * data of the ack, for a publish the replacement of the message's data) or refused with a reason.
 */
public record HookVerdict(boolean allowed, String data, String reason) {

    public static HookVerdict allow(String data) {
        return new HookVerdict(true, data, null);
    }

    public static HookVerdict refuse(String reason) {
        return new HookVerdict(false, null, reason);
    }
}
