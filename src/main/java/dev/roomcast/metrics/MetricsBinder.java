package dev.roomcast.metrics;

import dev.roomcast.broker.Broker;
import dev.roomcast.hub.Hub;
import dev.roomcast.node.NodeId;
import dev.roomcast.node.NodeState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Registers the gauges that read the hub and node state, connects the per-room series to the hub, and
 * re-evaluates which rooms carry labels every {@code roomcast.metrics.rooms.interval} on its own daemon
 * thread (the evaluation walks every local room, which must not run on an event loop).
 */
@Startup
@Singleton
public class MetricsBinder {

    private static final Logger LOG = Logger.getLogger(MetricsBinder.class);

    private final ScheduledExecutorService evaluator;

    public MetricsBinder(Hub hub, Broker broker, NodeState state, NodeId nodeId, RoomcastMetrics metrics, MeterRegistry registry) {
        Gauge.builder("roomcast.connections", hub, Hub::connectionCount)
                .description("Open WebSocket connections on this node").register(registry);
        Gauge.builder("roomcast.rooms", hub, Hub::roomCount)
                .description("Rooms with at least one member connected to this node").register(registry);
        Gauge.builder("roomcast.users", hub, Hub::userCount)
                .description("Distinct users with at least one connection to this node").register(registry);
        Gauge.builder("roomcast.channel.subscriptions", hub, Hub::roomCount).tag("kind", "room")
                .description("Broker channels this node subscribes: one per local room, one per local user")
                .register(registry);
        Gauge.builder("roomcast.channel.subscriptions", hub, Hub::userCount).tag("kind", "user")
                .description("Broker channels this node subscribes: one per local room, one per local user")
                .register(registry);
        Gauge.builder("roomcast.broker.subscriber.up", metrics,
                        m -> m.subscriberState() >= 0 ? m.subscriberState() : broker.isReady() ? 1 : 0)
                .description("1 while this node receives what is published (the broker's pub/sub subscriber is "
                        + "connected, resubscribed and caught up), else 0")
                .register(registry);
        Gauge.builder("roomcast.broker.ready", broker, b -> b.isReady() ? 1 : 0)
                .description("1 while the broker is ready (Redis command connection and subscriber up, as in "
                        + "readiness), else 0")
                .register(registry);
        Gauge.builder("roomcast.broker.backlog", broker, Broker::backlog)
                .description("Redis commands this node sent and has no answer for yet (waiting for a pooled "
                        + "connection or in flight); admission control sheds upgrades and joins on it")
                .register(registry);
        Gauge.builder("roomcast.draining", state, s -> s.isDraining() ? 1 : 0)
                .description("1 while the node drains (refuses new connections, readiness DOWN), else 0")
                .register(registry);
        Gauge.builder("roomcast.node.info", () -> 1)
                .tag("node", nodeId.value()).tag("broker", broker.name())
                .description("Always 1; labels name this instance's node id and broker").register(registry);

        RoomSeries rooms = metrics.rooms();
        rooms.bind(hub::localMembers, hub::roomNames);
        long every = metrics.interval().toMillis();
        evaluator = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roomcast-room-metrics");
            t.setDaemon(true);
            return t;
        });
        evaluator.scheduleWithFixedDelay(() -> {
            try {
                rooms.evaluate();
            } catch (RuntimeException e) {
                LOG.warnf(e, "per-room metrics evaluation failed");
            }
        }, every, every, TimeUnit.MILLISECONDS);
        LOG.debugf("per-room metrics: at most %d labelled rooms, re-evaluated every %d ms", rooms.max(), every);
    }

    @PreDestroy
    void stop() {
        evaluator.shutdownNow();
    }
}
