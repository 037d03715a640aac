package dev.roomcast.ws;

/** Told about refused upgrades; metrics implement it. */
public interface UpgradeObserver {

    UpgradeObserver NONE = reason -> {
    };

    void refused(String reason);
}
