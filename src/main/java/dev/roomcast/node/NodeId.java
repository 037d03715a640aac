package dev.roomcast.node;

import dev.roomcast.config.RoomcastConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** This instance's id: {@code roomcast.node-id}, or random per start (a restarted node is a new node). */
@ApplicationScoped
public class NodeId {

    private final String value;

    public NodeId(RoomcastConfig config) {
        this.value = config.nodeId().filter(s -> !s.isBlank())
                .orElseGet(() -> "node-" + UUID.randomUUID().toString().substring(0, 8));
    }

    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
