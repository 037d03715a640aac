package dev.roomcast.node;

import java.util.concurrent.CompletionStage;

/**
 * The backend's say on a client's publish, before the message is stored and fanned out, for the rooms it
 * {@link #covers}: allow, refuse, or allow with replaced data. The stage fails when the backend could not
 * decide: the publish is refused as unavailable and nothing is stored.
 */
public interface PublishFilter {

    boolean covers(String room);

    /** @param data the client's data, raw JSON */
    CompletionStage<HookVerdict> check(String user, String room, String data);
}
