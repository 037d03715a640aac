package dev.roomcast.presence;

/**
 * What a node lease reports to the node that holds it (the lease lives below the hub and must not
 * reach up into it).
 */
public interface LeaseListener {

    /** {@code user} left {@code room} because its node's lease expired; {@code remaining} users are still there. */
    void departed(String room, String user, int remaining);

    /** This node's own lease had expired (it was cut off from Redis and reaped): record local presence again. */
    void leaseLost();

    /**
     * This node's counts, published with each lease renewal for the server API's cluster info (the lease knows
     * the node's id: {@code node} may be null); null: none.
     */
    default ClusterView.NodeStats stats() {
        return null;
    }
}
