package dev.roomcast.wiring;

import dev.roomcast.node.Admission;
import dev.roomcast.node.LeaseEvents;
import dev.roomcast.node.NodeId;
import dev.roomcast.node.ProtocolObserver;

import dev.roomcast.ws.UpgradeObserver;
import dev.roomcast.broker.Broker;
import dev.roomcast.broker.BrokerObserver;
import dev.roomcast.broker.InFlightRedis;
import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.broker.RedisBroker;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.ConfigProvider;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hub.DeliveryObserver;
import dev.roomcast.hub.Hub;
import dev.roomcast.presence.LocalPresence;
import dev.roomcast.presence.LocalUserSessions;
import dev.roomcast.presence.NodeLease;
import dev.roomcast.presence.Presence;
import dev.roomcast.presence.RedisPresence;
import dev.roomcast.presence.RedisUserSessions;
import dev.roomcast.presence.UserSessions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import dev.roomcast.ws.ConnectionObserver;
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

/** Wires the node: broker, presence, hub and the frame dispatcher. */
@ApplicationScoped
public class NodeProducers {

    private static final Logger LOG = Logger.getLogger(NodeProducers.class);

    /** Redis when {@code quarkus.redis.hosts} is set, else the memory broker (dev mode needs nothing installed). */
    @Produces
    @Singleton
    Broker broker(RoomcastConfig config, Instance<Redis> redis, Vertx vertx, BrokerObserver observer) {
        boolean redisConfigured = ConfigProvider.getConfig().getOptionalValue("quarkus.redis.hosts", String.class)
                .filter(h -> !h.isBlank()).isPresent();
        if (!redisConfigured) {
            LOG.info("broker: memory (single node; set quarkus.redis.hosts to scale out)");
            return new MemoryBroker(config.history().size(), config.history().ttl(), Clock.systemUTC());
        }
        LOG.info("broker: redis");
        return new RedisBroker(new InFlightRedis(redis.get()), vertx, config.redis().prefix(), config.history().size(),
                config.history().ttl(), Clock.systemUTC(), observer);
    }

    @Produces
    @Singleton
    @DefaultBean
    BrokerObserver noBrokerObserver() {
        return BrokerObserver.NONE;
    }

    /** Cluster-wide presence with the Redis broker, this node's only with the memory broker. */
    @Produces
    @Singleton
    Presence presence(Broker broker, Instance<Redis> redis, NodeId nodeId) {
        if (broker instanceof RedisBroker r) {
            return new RedisPresence(r, nodeId.value());
        }
        return new LocalPresence();
    }

    @Produces
    @Singleton
    UserSessions userSessions(RoomcastConfig config, Broker broker, Instance<Redis> redis, NodeId nodeId) {
        if (!config.users().singleSession()) {
            return UserSessions.UNLIMITED;
        }
        if (broker instanceof RedisBroker r) {
            return new RedisUserSessions(r.redis(), r.keys(), nodeId.value());
        }
        return new LocalUserSessions();
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
    Hub hub(Broker broker, Presence presence, DeliveryObserver observer, RoomcastConfig config) {
        Hub hub = new Hub(broker, presence, observer);
        hub.setMaxMembersForEvents(config.presence().events().maxMembers());
        broker.start(hub);
        return hub;
    }

    /** The presence lease of this node (Redis only): crash-safe presence. */
    @Produces
    @Singleton
    Optional<NodeLease> nodeLease(Broker broker, Presence presence, Hub hub, Instance<Redis> redis, Vertx vertx,
            NodeId nodeId, RoomcastConfig config) {
        if (broker instanceof RedisBroker r && presence instanceof RedisPresence p) {
            NodeLease lease = new NodeLease(r.redis(), r.keys(), p, new LeaseEvents(hub, p), vertx, nodeId.value(),
                    config.presence().leaseTtl(), config.presence().leaseRefresh());
            lease.start();
            return Optional.of(lease);
        }
        return Optional.empty();
    }

    /**
     * On shutdown (after the drain, which runs in the pre-shutdown phase), first of all, before the
     * Redis client is closed under us: give up the lease (members hear who left) and stop the subscriber
     * so it does not try to reconnect to a closing client.
     */
    void stopBrokerAndLease(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event,
            Optional<NodeLease> lease, Broker broker) {
        lease.ifPresent(l -> {
            try {
                l.stop().toCompletableFuture().get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("presence not removed at shutdown (%s): the lease expiry will clean it up", e.toString());
            }
        });
        if (broker instanceof RedisBroker r) {
            r.stop();
        }
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
    FrameDispatcher dispatcher(Hub hub, RoomcastConfig config, ProtocolObserver observer, Admission admission) {
        var limits = new FrameDispatcher.Limits(
                config.limits().maxMessageSize(),
                config.limits().maxRoomsPerConnection(),
                Math.max(1, config.history().size()),
                config.limits().burst());
        return new FrameDispatcher(hub, limits, observer, admission, Clock.systemUTC());
    }
}
