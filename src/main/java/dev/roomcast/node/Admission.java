package dev.roomcast.node;

import dev.roomcast.broker.Broker;

/**
 * Sheds new work early while this node's Redis backlog is deep, so that a connect-and-join storm gets
 * quick, retryable refusals instead of overflowing the Redis client's wait queue (every command then
 * fails, and the queue holds heap). Upgrades are shed first — from half of
 * {@code roomcast.limits.max-broker-backlog} — so that the connections already admitted can still
 * join; joins are shed only at the full backlog.
 */
public final class Admission {

    /** The reason label of a refused upgrade. */
    public static final String OVERLOADED = "overloaded";
    public static final String BROKER_UNAVAILABLE = "broker_unavailable";

    private final Broker broker;
    private final int maxBacklog;
    private final int upgradeBacklog;

    public Admission(Broker broker, int maxBacklog) {
        this.broker = broker;
        this.maxBacklog = Math.max(1, maxBacklog);
        this.upgradeBacklog = Math.max(1, this.maxBacklog / 2);
    }

    /** Null to let a WebSocket upgrade through, else why it is refused (503). */
    public String refuseUpgrade() {
        if (!broker.isReady()) {
            return BROKER_UNAVAILABLE; // the connection could not even subscribe its user's channel
        }
        return broker.backlog() >= upgradeBacklog ? OVERLOADED : null;
    }

    /** Whether a join may start its broker work now; false → the client is told {@code unavailable}. */
    public boolean admitJoin() {
        return broker.backlog() < maxBacklog;
    }

    public int backlog() {
        return broker.backlog();
    }
}
