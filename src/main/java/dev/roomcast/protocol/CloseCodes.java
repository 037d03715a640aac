package dev.roomcast.protocol;

/** WebSocket close codes roomcast uses; documented in docs/protocol.md. */
public final class CloseCodes {

    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int UNSUPPORTED_DATA = 1003;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    /** The client does not read fast enough; its outbound queue went over the bound. */
    public static final int SLOW_CONSUMER = 4008;
    /** {@code roomcast.users.single-session}: the user is already connected elsewhere. */
    public static final int USER_EXISTS = 4009;
    /** The connection's token expired (plus the clock skew) without a {@code refresh}: get a new token, reconnect. */
    public static final int TOKEN_EXPIRED = 4010;
    /**
     * This node missed messages of one of the connection's rooms (a pub/sub outage) that the room's history no
     * longer holds: reconnect and rejoin with {@code since}, which answers {@code recovered: false} for that room.
     */
    public static final int INSUFFICIENT_STATE = 4011;

    private CloseCodes() {
    }
}
