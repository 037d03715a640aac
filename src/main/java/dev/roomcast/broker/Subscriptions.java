package dev.roomcast.broker;

import java.util.concurrent.CompletionStage;

/** The node's live-message subscriber: one classic pub/sub connection, or one sharded connection per master. */
interface Subscriptions {

    void start();

    void stop();

    /** Completes once Redis confirms the subscription, so the channel's messages really reach this node. */
    CompletionStage<Void> subscribe(String channel);

    CompletionStage<Void> unsubscribe(String channel);

    /** Every wanted channel is subscribed. */
    boolean isUp();

    /** Subscriptions Redis has not confirmed yet: part of the node's backlog. */
    int pending();
}
