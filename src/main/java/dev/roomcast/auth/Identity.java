package dev.roomcast.auth;

import dev.roomcast.hub.RoomPermissions;

/**
 * Who a connection belongs to and where it may go, from the upgrade's token (or a later {@code refresh}).
 *
 * @param expiresAt the token's {@code exp} in seconds since the Unix epoch; 0 when nothing expires
 *                  ({@code roomcast.auth.mode=none})
 */
public record Identity(String user, RoomPermissions permissions, long expiresAt) {

    public Identity(String user, RoomPermissions permissions) {
        this(user, permissions, 0);
    }
}
