package dev.roomcast.protocol;

/**
 * A user's first connection arrived in a room ({@code joined}) or their last one left it ({@code left}): a domain
 * value, like {@link Publication}, not a client frame. The broker carries it between nodes in its own envelope; the
 * client frame is built from it once per node, by {@link MessageFrames#presence}.
 *
 * @param type what happened; the constant's name is the frame's {@code type}
 */
public record PresenceEvent(Type type, String room, String user) {

    public enum Type {
        joined, left
    }

    public static PresenceEvent joined(String room, String user) {
        return new PresenceEvent(Type.joined, room, user);
    }

    public static PresenceEvent left(String room, String user) {
        return new PresenceEvent(Type.left, room, user);
    }
}
