package dev.roomcast.metrics;

/**
 * Maps WebSocket close codes to a bounded set of label values. Clients may close with any code in
 * 3000-4999; codes roomcast does not know are reported as {@code other}, so a client cannot create series.
 */
final class CloseCodeNames {

    /** Codes with their own series, in label order; index {@link #OTHER} is everything else. */
    static final int[] CODES = {1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
            4008, 4009, 4010, 4011};
    static final String[] REASONS = {"normal", "going_away", "protocol_error", "unsupported_data", "no_status",
            "abnormal", "invalid_payload", "policy_violation", "too_big", "mandatory_extension", "internal_error",
            "service_restart", "try_again_later", "bad_gateway", "slow_consumer", "user_exists", "token_expired",
            "insufficient_state"};
    static final int OTHER = CODES.length;

    private CloseCodeNames() {
    }

    /** Index into {@link #CODES}/{@link #REASONS}, or {@link #OTHER}. No allocation, no map lookup. */
    static int index(int code) {
        return switch (code) {
            case 1000 -> 0;
            case 1001 -> 1;
            case 1002 -> 2;
            case 1003 -> 3;
            case 1005 -> 4;
            case 1006 -> 5;
            case 1007 -> 6;
            case 1008 -> 7;
            case 1009 -> 8;
            case 1010 -> 9;
            case 1011 -> 10;
            case 1012 -> 11;
            case 1013 -> 12;
            case 1014 -> 13;
            case 4008 -> 14;
            case 4009 -> 15;
            case 4010 -> 16;
            case 4011 -> 17;
            default -> OTHER;
        };
    }

    static String codeLabel(int index) {
        return index == OTHER ? "other" : Integer.toString(CODES[index]);
    }

    static String reasonLabel(int index) {
        return index == OTHER ? "other" : REASONS[index];
    }
}
