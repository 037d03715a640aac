package dev.roomcast.node;

import dev.roomcast.hub.Hub;
import dev.roomcast.hub.Session;
import dev.roomcast.presence.ClusterView;
import dev.roomcast.presence.LeaseListener;
import dev.roomcast.presence.Presence;
import dev.roomcast.protocol.PresenceEvent;

import java.util.ArrayList;

/** Turns what the node lease reports into presence events and repairs. */
public final class LeaseEvents implements LeaseListener {

    private final Hub hub;
    private final Presence presence;

    public LeaseEvents(Hub hub, Presence presence) {
        this.hub = hub;
        this.presence = presence;
    }

    @Override
    public void departed(String room, String user, int remaining) {
        hub.announce(PresenceEvent.left(room, user), remaining);
    }

    @Override
    public ClusterView.NodeStats stats() {
        return new ClusterView.NodeStats(null, hub.connectionCount(), hub.roomCount());
    }

    /** Adds every local membership (and online user) again, announcing users that other nodes saw leave. */
    @Override
    public void leaseLost() {
        hub.reportOnlineAgain();
        for (Session s : new ArrayList<>(hub.sessions())) {
            for (String room : new ArrayList<>(s.rooms())) {
                presence.add(room, s.user(), s.id()).thenAccept(change -> {
                    if (change.userChanged()) {
                        hub.announce(PresenceEvent.joined(room, s.user()), change.users());
                    }
                });
            }
        }
    }
}
