package dev.roomcast.auth;

import dev.roomcast.hub.RoomPermissions;

/** Who a connection belongs to and where it may go; fixed at the upgrade. */
public record Identity(String user, RoomPermissions permissions) {
}
