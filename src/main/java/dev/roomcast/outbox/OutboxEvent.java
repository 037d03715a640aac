package dev.roomcast.outbox;

/**
 * One webhook event as the outbox keeps it. The id is the outbox's (a Redis stream id {@code MS-SEQ}, or the
 * memory outbox's in the same shape): unique, increasing in outbox order, and its first number is the time the
 * event was recorded, in milliseconds. Fields a type does not have are null.
 *
 * @param data    message.published: the message's data as raw JSON
 * @param offset  message.published: the message's offset in the room's history
 * @param epoch   message.published: the history's epoch
 */
public record OutboxEvent(String id, EventType type, String room, String user, String from, String offset, String epoch,
        String data) {

    public static OutboxEvent room(EventType type, String room) {
        return new OutboxEvent(null, type, room, null, null, null, null, null);
    }

    public static OutboxEvent member(EventType type, String room, String user) {
        return new OutboxEvent(null, type, room, user, null, null, null, null);
    }

    public static OutboxEvent user(EventType type, String user) {
        return new OutboxEvent(null, type, null, user, null, null, null, null);
    }

    public static OutboxEvent published(String room, String from, String offset, String epoch, String data) {
        return new OutboxEvent(null, EventType.MESSAGE_PUBLISHED, room, null, from, offset, epoch, data);
    }

    /** The same event with the id the outbox gave it. */
    public OutboxEvent withId(String id) {
        return new OutboxEvent(id, type, room, user, from, offset, epoch, data);
    }

    /** When the event was recorded (epoch milliseconds): the first number of its id. */
    public long time() {
        int dash = id.indexOf('-');
        return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
    }
}
