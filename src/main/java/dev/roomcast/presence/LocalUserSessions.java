package dev.roomcast.presence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Single-session mode on one node (memory broker). */
public final class LocalUserSessions implements UserSessions {

    private final ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Boolean> claim(String user, String connectionId) {
        String owner = owners.putIfAbsent(user, connectionId);
        return CompletableFuture.completedFuture(owner == null || owner.equals(connectionId));
    }

    @Override
    public void release(String user, String connectionId) {
        owners.remove(user, connectionId);
    }
}
