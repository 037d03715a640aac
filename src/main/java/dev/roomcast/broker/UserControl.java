package dev.roomcast.broker;

/**
 * A command for every connection of one user, on whichever nodes they are connected: it travels on the user's
 * channel, which exactly those nodes subscribe. Sent by the server API (through the node), never by a client.
 */
public sealed interface UserControl {

    /** Close every connection of the user with this WebSocket close code and reason. */
    record Disconnect(int code, String reason) implements UserControl {
    }

    /** Take every connection of the user out of {@code room}, telling each why ({@code removed}). */
    record Remove(String room, String reason) implements UserControl {
    }
}
