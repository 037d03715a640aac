package dev.roomcast.node;

import dev.roomcast.protocol.ErrorCode;

/** Counts what happens at the protocol level; metrics implement it. */
public interface ProtocolObserver {

    ProtocolObserver NONE = new ProtocolObserver() {
    };

    default void frameIn(int chars) {
    }

    default void error(ErrorCode code) {
    }

    default void rateLimited() {
    }

    default void joined() {
    }

    default void recovered(boolean complete) {
    }

    /** A join refused before any broker work (admission control), by reason. */
    default void joinRefused(String reason) {
    }

    default void published(String room) {
    }
}
