package dev.roomcast.protocol;

/** One user in a room's presence: one entry however many connections they have. */
public record Member(String user, int connections) {
}
