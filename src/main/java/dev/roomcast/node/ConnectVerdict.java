package dev.roomcast.node;

import java.util.List;

/**
 * The backend's answer to the connect hook: allowed, with rooms the connection joins server-side and raw JSON
 * {@code data} for the client's {@code welcome} (both optional), or refused with a reason.
 */
public record ConnectVerdict(boolean allowed, List<String> rooms, String data, String reason) {

    /** What a node without a connect hook decides: allowed, nothing added. */
    public static final ConnectVerdict ALLOWED = new ConnectVerdict(true, List.of(), null, null);

    public static ConnectVerdict refuse(String reason) {
        return new ConnectVerdict(false, List.of(), null, reason);
    }
}
