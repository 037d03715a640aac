package dev.roomcast.wiring;

import dev.roomcast.hooks.HttpHooks;
import dev.roomcast.webhooks.WebhookSettings;
import dev.roomcast.node.Admission;
import dev.roomcast.node.LeaseEvents;
import dev.roomcast.node.Node;
import dev.roomcast.node.NodeId;
import dev.roomcast.node.ProtocolObserver;

import dev.roomcast.ws.UpgradeObserver;
import dev.roomcast.broker.Broker;
import dev.roomcast.broker.BrokerObserver;
import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.ConfigProvider;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.DeliveryObserver;
import dev.roomcast.hub.Hub;
import dev.roomcast.presence.NodeLease;
import dev.roomcast.presence.Presence;
import dev.roomcast.presence.UserSessions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import dev.roomcast.ws.ConnectionObserver;
import dev.roomcast.ws.ConnectionTokens;
import dev.roomcast.ws.RoomTokens;
import dev.roomcast.ws.FrameDispatcher;
import dev.roomcast.ws.SinkObserver;
import dev.roomcast.node.ProtocolObserver;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Optional;

/** Wires the node: the backend (built once), hub, lease, node facade and the frame dispatcher. */
@ApplicationScoped
public class NodeProducers {

    private static final Logger LOG = Logger.getLogger(NodeProducers.class);

    /** Redis when {@code quarkus.redis.hosts} is set, else memory (dev mode needs nothing installed). */
    @Produces
    @Singleton
    Backend backend(RoomcastConfig config, Instance<Redis> redis, Vertx vertx, BrokerObserver observer, NodeId nodeId,
            Optional<WebhookSettings> webhooks) {
        boolean redisConfigured = ConfigProvider.getConfig().getOptionalValue("quarkus.redis.hosts", String.class)
                .filter(h -> !h.isBlank()).isPresent();
        if (!redisConfigured) {
            LOG.info("broker: memory (single node; set quarkus.redis.hosts to scale out)");
            return Backend.Memory.of(new MemoryBroker(config.history().size(), config.history().ttl(), Clock.systemUTC()),
                    webhooks.orElse(null));
        }
        boolean cluster = "cluster".equalsIgnoreCase(ConfigProvider.getConfig()
                .getOptionalValue("quarkus.redis.client-type", String.class).orElse("standalone").trim());
        LOG.info(cluster ? "broker: redis cluster (sharded pub/sub)" : "broker: redis");
        RedisBackend backend = new RedisBackend(redis.get(), vertx, config.redis().prefix(), config.history().size(),
                config.history().ttl(), cluster ? new ShardClients(vertx) : null);
        // A page of a room's recovery after a pub/sub outage: what a join may replay, half of one member's queue.
        long recoveryPageBytes = Math.max(1, config.limits().outboundMaxBytes() / 2);
        return Backend.OnRedis.of(backend, new RedisBroker(backend, observer, recoveryPageBytes), nodeId.value(),
                webhooks.orElse(null));
    }

    @Produces
    @Singleton
    Broker broker(Backend backend) {
        return backend.broker();
    }

    @Produces
    @Singleton
    @DefaultBean
    BrokerObserver noBrokerObserver() {
        return BrokerObserver.NONE;
    }

    /** Cluster-wide presence with Redis, this node's only in memory. */
    @Produces
    @Singleton
    Presence presence(Backend backend) {
        return backend.presence();
    }

    @Produces
    @Singleton
    UserSessions userSessions(RoomcastConfig config, Backend backend) {
        return config.users().singleSession() ? backend.singleSessions() : UserSessions.UNLIMITED;
    }

    @Produces
    @Singleton
    @DefaultBean
    DeliveryObserver noDeliveryObserver() {
        return DeliveryObserver.NONE;
    }

    @Produces
    @Singleton
    @DefaultBean
    ProtocolObserver noProtocolObserver() {
        return ProtocolObserver.NONE;
    }

    @Produces
    @Singleton
    @DefaultBean
    UpgradeObserver noUpgradeObserver() {
        return UpgradeObserver.NONE;
    }

    @Produces
    @Singleton
    @DefaultBean
    SinkObserver noSinkObserver() {
        return SinkObserver.NONE;
    }

    @Produces
    @Singleton
    @DefaultBean
    ConnectionObserver noConnectionObserver() {
        return ConnectionObserver.NONE;
    }

    @Produces
    @Singleton
    Hub hub(Broker broker, Presence presence, DeliveryObserver observer, RoomcastConfig config, Backend backend) {
        Hub hub = new Hub(broker, presence, observer);
        hub.setMaxMembersForEvents(config.presence().events().maxMembers());
        hub.trackOnline(backend.onlineUsers());
        broker.start(hub);
        return hub;
    }

    /** The presence lease of this node (Redis only): crash-safe presence. */
    @Produces
    @Singleton
    Optional<NodeLease> nodeLease(Backend backend, Presence presence, Hub hub, RoomcastConfig config) {
        Optional<NodeLease> lease = backend.lease(new LeaseEvents(hub, presence), config.presence().leaseTtl(),
                config.presence().leaseRefresh());
        lease.ifPresent(NodeLease::start);
        return lease;
    }

    /**
     * On shutdown (after the drain, which runs in the pre-shutdown phase), first of all, before the
     * Redis client is closed under us: give up the lease (members hear who left) and stop the subscriber
     * so it does not try to reconnect to a closing client.
     */
    void stopBrokerAndLease(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event,
            Optional<NodeLease> lease, Backend backend) {
        lease.ifPresent(l -> {
            try {
                l.stop().toCompletableFuture().get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("presence not removed at shutdown (%s): the lease expiry will clean it up", e.toString());
            }
        });
        backend.stop();
    }

    /** Eager start: the lease must exist before the first client, not on first injection. */
    void startLease(@Observes StartupEvent event, Optional<NodeLease> lease) {
        lease.isPresent();
    }

    @Produces
    @Singleton
    Admission admission(Broker broker, RoomcastConfig config) {
        return new Admission(broker, config.limits().maxBrokerBacklog());
    }

    @Produces
    @Singleton
    Node node(Hub hub, Broker broker, Presence presence, Admission admission, ProtocolObserver observer,
            RoomcastConfig config, HttpHooks hooks, Backend backend, Optional<WebhookSettings> webhooks, NodeId nodeId) {
        var limits = new Node.Limits(config.limits().maxRoomsPerConnection(), Math.max(1, config.history().size()),
                config.api().idempotencyWindow(), Math.max(1, config.limits().outboundMaxBytes() / 2));
        Node node = new Node(hub, broker, presence, admission, observer, Clock.systemUTC(), limits);
        node.identify(nodeId.value());
        node.useHooks(hooks.join().orElse(null), hooks.publish().orElse(null));
        backend.outbox().ifPresent(outbox -> node.useWebhooks(outbox, webhooks.orElseThrow().publishedPatterns()));
        return node;
    }

    @Produces
    @Singleton
    FrameDispatcher dispatcher(Node node, RoomcastConfig config, ProtocolObserver observer, ConnectionTokens tokens,
            RoomTokens roomTokens) {
        var limits = new FrameDispatcher.Limits(config.limits().maxMessageSize(), config.limits().burst());
        return new FrameDispatcher(node, limits, observer, tokens, roomTokens);
    }
}
