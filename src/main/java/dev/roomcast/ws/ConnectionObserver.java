package dev.roomcast.ws;

/** Told about connections opening and closing; metrics implement it. */
public interface ConnectionObserver {

    ConnectionObserver NONE = new ConnectionObserver() {
    };

    default void opened() {
    }

    default void closed(int code) {
    }
}
