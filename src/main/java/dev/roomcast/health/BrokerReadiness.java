package dev.roomcast.health;

import dev.roomcast.broker.Broker;
import dev.roomcast.hub.Hub;
import dev.roomcast.node.NodeState;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when this node receives what is published (the broker's subscriber is up and resubscribed)
 * and it is not draining. A load balancer stops sending new clients otherwise.
 */
@Readiness
@ApplicationScoped
public class BrokerReadiness implements HealthCheck {

    private final Hub hub;
    private final Broker broker;
    private final NodeState state;

    public BrokerReadiness(Hub hub, Broker broker, NodeState state) {
        this.hub = hub;
        this.broker = broker;
        this.state = state;
    }

    @Override
    public HealthCheckResponse call() {
        boolean subscriber = broker.isReady();
        boolean draining = state.isDraining();
        return HealthCheckResponse.named("roomcast-broker")
                .status(subscriber && !draining)
                .withData("broker", broker.name())
                .withData("subscriber", subscriber ? "up" : "down")
                .withData("draining", draining)
                .withData("connections", hub.connectionCount())
                .build();
    }
}
