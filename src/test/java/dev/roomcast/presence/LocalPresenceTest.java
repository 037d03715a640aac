package dev.roomcast.presence;

/** The presence contract on the single-node presence. */
class LocalPresenceTest extends PresenceContract {

    @Override
    protected Presence presence() {
        return new LocalPresence();
    }
}
