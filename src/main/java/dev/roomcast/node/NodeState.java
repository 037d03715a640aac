package dev.roomcast.node;

import jakarta.enterprise.context.ApplicationScoped;

/** Lifecycle flags other components consult: draining refuses new connections and fails readiness. */
@ApplicationScoped
public class NodeState {

    private volatile boolean draining;

    public boolean isDraining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
