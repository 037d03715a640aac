package dev.roomcast.protocol;

/** Validation of room and user names. Both charsets are safe in JSON, Redis keys and Prometheus labels. */
public final class Names {

    public static final int MAX_ROOM = 128;
    public static final int MAX_USER = 64;
    /** What a client or backend is told about an invalid room name. */
    public static final String ROOM_RULE = "room names are 1-128 characters of A-Z a-z 0-9 _ . : @ / -";
    /** What a backend is told about an invalid user name. */
    public static final String USER_RULE = "user names are 1-64 characters of A-Z a-z 0-9 _ . @ -";

    private Names() {
    }

    /** 1–128 characters of {@code [A-Za-z0-9_.:@/-]}. */
    public static boolean isValidRoom(String room) {
        return room != null && matches(room, MAX_ROOM, true);
    }

    /** 1–64 characters of {@code [A-Za-z0-9_.@-]}. */
    public static boolean isValidUser(String user) {
        return user != null && matches(user, MAX_USER, false);
    }

    private static boolean matches(String s, int max, boolean room) {
        int n = s.length();
        if (n == 0 || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '@' || c == '-' || (room && (c == ':' || c == '/'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
