package dev.roomcast.outbox;

/** The kinds of webhook event, by their name on the wire (docs/integration.md, "Webhooks"). */
public enum EventType {
    ROOM_OCCUPIED("room.occupied"),
    ROOM_VACATED("room.vacated"),
    MEMBER_JOINED("member.joined"),
    MEMBER_LEFT("member.left"),
    USER_ONLINE("user.online"),
    USER_OFFLINE("user.offline"),
    MESSAGE_PUBLISHED("message.published");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    /** {@code room.occupied}, …: the event's {@code type}, and what Redis stores. */
    public String wireName() {
        return wireName;
    }

    /** The type named {@code name}, or null. */
    public static EventType of(String name) {
        for (EventType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
