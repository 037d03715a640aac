package dev.roomcast.node;

import java.util.concurrent.CompletionStage;

/**
 * The backend's say on a room join, asked by {@link Node#join} after the node's own rules, for the rooms it
 * {@link #covers}. The stage fails when the backend could not decide: the join is refused as unavailable.
 */
public interface JoinGuard {

    boolean covers(String room);

    CompletionStage<HookVerdict> check(String user, String room);
}
