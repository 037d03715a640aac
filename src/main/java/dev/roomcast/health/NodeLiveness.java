package dev.roomcast.health;

import dev.roomcast.node.NodeId;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Startup;

/** Alive (and started) once the application runs; restarting would not fix a broker outage. */
@Liveness
@Startup
@ApplicationScoped
public class NodeLiveness implements HealthCheck {

    private final NodeId nodeId;

    public NodeLiveness(NodeId nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("roomcast-node").up().withData("node", nodeId.value()).build();
    }
}
