package dev.roomcast.protocol;

/** One user in a room's presence: one entry however many connections they have. */
@io.quarkus.runtime.annotations.RegisterForReflection
@com.fasterxml.jackson.annotation.JsonPropertyOrder({"user", "connections"})
public record Member(String user, int connections) {
}
