package dev.roomcast.metrics;

import dev.roomcast.ws.UpgradeObserver;
import dev.roomcast.broker.BrokerObserver;
import dev.roomcast.hub.DeliveryObserver;
import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.ErrorCode;
import dev.roomcast.ws.ConnectionObserver;
import dev.roomcast.node.ProtocolObserver;
import dev.roomcast.ws.SinkObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's metrics: implements every observer interface of the code base (replacing the no-op
 * {@code @DefaultBean}s of {@code NodeProducers}) and turns the events into Micrometer meters, exposed in
 * Prometheus format at {@code /q/metrics}. Meters are created up front and kept in fields or arrays indexed
 * by enum ordinal / close-code index, so an event costs an array read and an increment — no tag lookup,
 * no allocation. The counters of every delivery, fan-out, publish and frame received are plain
 * {@link LongAdder}s that Prometheus reads at scrape time ({@link FunctionCounter}): the registry Quarkus injects
 * is a composite, whose counters walk their children (an iterator) and add a {@code double} on every increment.
 * Gauges that read the hub are registered by {@link MetricsBinder} (the hub depends on
 * this bean, so this bean cannot depend on the hub).
 */
@Singleton
public class RoomcastMetrics implements DeliveryObserver, ProtocolObserver, SinkObserver, ConnectionObserver,
        UpgradeObserver, BrokerObserver {

    /** Buckets of the publish→deliver and broker latency histograms, in addition to the percentile buckets. */
    static final Duration[] LATENCY_SLOS = RoomSeries.ROOM_LATENCY_BUCKETS;
    static final List<String> KNOWN_REFUSALS = List.of("draining", "max_connections", "overloaded",
            "broker_unavailable", "origin", "unauthorized", "bad_user");
    static final List<String> BROKER_OPERATIONS = List.of("publish", "history", "subscribe", "unsubscribe",
            "presence");

    private final MeterRegistry registry;
    private final RoomSeries rooms;
    private final Duration interval;

    private final LongAdder framesIn;
    private final LongAdder bytesIn;
    private final LongAdder[] framesOut;
    private final LongAdder[] bytesOut;
    private final Counter[] errors;
    private final Counter rateLimitCloses;
    private final Counter joins;
    private final Counter joinsShed;
    private final Counter recovered;
    private final Counter notRecovered;
    private final LongAdder published;
    private final LongAdder[] fanouts;
    private final LongAdder[] deliveries;
    private final Timer messageLatency;
    private final Timer directLatency;
    private final Counter opened;
    private final Counter[] disconnects;
    private final Counter[] serverCloses;
    private final ConcurrentHashMap<String, Counter> refused = new ConcurrentHashMap<>();
    private final Counter reconnects;
    private final Counter failovers;
    private final Counter epochRotations;
    private final Counter gapMessages;
    private final Counter gapPages;
    private volatile int gapRoomsActive;
    private volatile int gapRoomsWaiting;
    private final Timer brokerPublish;
    private final ConcurrentHashMap<String, Counter> brokerFailures = new ConcurrentHashMap<>();
    /** Last {@link #subscriberUp} report: 1 up, 0 down, -1 none yet (the gauge then asks the broker). */
    private volatile int subscriber = -1;

    public RoomcastMetrics(MeterRegistry registry, MetricsConfig config) {
        this.registry = registry;
        Duration every = config.rooms().interval();
        this.interval = every.isNegative() || every.isZero() ? Duration.ofSeconds(5) : every;
        this.rooms = new RoomSeries(registry, config.rooms().max(), this.interval, config.rooms().halfLife());

        framesIn = new LongAdder();
        FunctionCounter.builder("roomcast.frames.received", framesIn, LongAdder::sum)
                .description("WebSocket frames received from clients").register(registry);
        bytesIn = new LongAdder();
        FunctionCounter.builder("roomcast.received.bytes", bytesIn, LongAdder::sum).baseUnit("bytes")
                .description("Size of the WebSocket frames received from clients (characters, bytes for ASCII)")
                .register(registry);
        OutboundFrame.Kind[] kinds = OutboundFrame.Kind.values();
        framesOut = new LongAdder[kinds.length];
        bytesOut = new LongAdder[kinds.length];
        fanouts = new LongAdder[kinds.length];
        deliveries = new LongAdder[kinds.length];
        for (OutboundFrame.Kind k : kinds) {
            String kind = kindLabel(k);
            LongAdder frames = new LongAdder();
            LongAdder bytes = new LongAdder();
            framesOut[k.ordinal()] = frames;
            bytesOut[k.ordinal()] = bytes;
            FunctionCounter.builder("roomcast.frames.sent", frames, LongAdder::sum).tag("kind", kind)
                    .description("WebSocket frames queued for writing to clients, by kind "
                            + "(reply, message, direct, presence)").register(registry);
            FunctionCounter.builder("roomcast.sent.bytes", bytes, LongAdder::sum).baseUnit("bytes").tag("kind", kind)
                    .description("Size of the WebSocket frames queued for writing to clients, by kind "
                            + "(characters, bytes for ASCII)").register(registry);
            if (k != OutboundFrame.Kind.REPLY) {
                fanouts[k.ordinal()] = new LongAdder();
                FunctionCounter.builder("roomcast.fanouts", fanouts[k.ordinal()], LongAdder::sum).tag("kind", kind)
                        .description("Messages this node fanned out to its local recipients, by kind "
                                + "(message, direct, presence)").register(registry);
                deliveries[k.ordinal()] = new LongAdder();
                FunctionCounter.builder("roomcast.deliveries", deliveries[k.ordinal()], LongAdder::sum).tag("kind", kind)
                        .description("Frames handed to local recipient connections by fan-out "
                                + "(one per recipient), by kind").register(registry);
            }
        }
        ErrorCode[] codes = ErrorCode.values();
        errors = new Counter[codes.length];
        for (ErrorCode c : codes) {
            errors[c.ordinal()] = Counter.builder("roomcast.errors").tag("code", c.name())
                    .description("Error frames sent to clients, by error code").register(registry);
        }
        rateLimitCloses = Counter.builder("roomcast.rate.limit.closes")
                .description("Connections closed (1008) because they kept flooding after rate_limited errors")
                .register(registry);
        joins = Counter.builder("roomcast.joins")
                .description("Successful room joins without recovery (no since)").register(registry);
        joinsShed = Counter.builder("roomcast.joins.refused").tag("reason", "overloaded")
                .description("Joins refused with 'unavailable' before any broker work because the node's Redis "
                        + "backlog reached roomcast.limits.max-broker-backlog").register(registry);
        recovered = recoveries(registry, "true");
        notRecovered = recoveries(registry, "false");
        published = new LongAdder();
        FunctionCounter.builder("roomcast.messages.published", published, LongAdder::sum)
                .description("Room messages accepted from this node's clients and HTTP API").register(registry);
        messageLatency = latencyTimer(registry, "message");
        directLatency = latencyTimer(registry, "direct");
        opened = Counter.builder("roomcast.connections.opened")
                .description("WebSocket connections opened").register(registry);
        disconnects = closeCounters(registry, "roomcast.disconnects",
                "Closed WebSocket connections (either side), by close code and reason");
        serverCloses = closeCounters(registry, "roomcast.server.closes",
                "WebSocket connections the server closed, by close code and reason "
                        + "(slow_consumer, policy_violation, service_restart, ...)");
        for (String reason : KNOWN_REFUSALS) {
            refusedCounter(reason);
        }
        reconnects = Counter.builder("roomcast.redis.reconnects")
                .description("Times the Redis pub/sub connection was re-established after a loss").register(registry);
        failovers = Counter.builder("roomcast.redis.failovers")
                .description("Redis master changes (Sentinel failovers) this node followed").register(registry);
        epochRotations = Counter.builder("roomcast.history.epoch.rotations")
                .description("Room epochs replaced because the room's history lost delivered messages")
                .register(registry);
        gapMessages = Counter.builder("roomcast.redis.gap.recovered.messages")
                .description("Messages read back from room history to fill the gap after a pub/sub reconnect")
                .register(registry);
        gapPages = Counter.builder("roomcast.redis.gap.recovery.pages")
                .description("Pages (reads of at most half of outbound-max-bytes of data) of room history read to "
                        + "fill the gap after a pub/sub reconnect")
                .register(registry);
        Gauge.builder("roomcast.redis.gap.rooms", this, m -> m.gapRoomsActive).tag("state", "recovering")
                .description("Rooms being refilled from their history after a pub/sub reconnect (at most 8 at a time)")
                .register(registry);
        Gauge.builder("roomcast.redis.gap.rooms", this, m -> m.gapRoomsWaiting).tag("state", "waiting")
                .description("Rooms waiting for their turn to be refilled from their history after a pub/sub reconnect")
                .register(registry);
        brokerPublish = Timer.builder("roomcast.broker.publish.latency")
                .description("Round trip of one publish to the broker (history append + publish), successful or not")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry);
        for (String op : BROKER_OPERATIONS) {
            brokerFailure(op);
        }
    }

    RoomSeries rooms() {
        return rooms;
    }

    Duration interval() {
        return interval;
    }

    MeterRegistry registry() {
        return registry;
    }

    // --- DeliveryObserver ----------------------------------------------------------------------

    @Override
    public void delivered(String room, OutboundFrame frame, int recipients) {
        OutboundFrame.Kind kind = frame.kind();
        int k = kind.ordinal();
        LongAdder fanout = fanouts[k];
        if (fanout == null) {
            return;
        }
        fanout.increment();
        deliveries[k].add(recipients);
        long latency = -1;
        long ts = frame.publishedAtMillis();
        if (ts > 0) {
            latency = Math.max(0, System.currentTimeMillis() - ts);
            (kind == OutboundFrame.Kind.DIRECT ? directLatency : messageLatency).record(latency, TimeUnit.MILLISECONDS);
        }
        if (room != null && kind == OutboundFrame.Kind.MESSAGE) {
            rooms.delivered(room, recipients, (long) recipients * frame.weight(), latency);
        }
    }

    // --- ProtocolObserver ----------------------------------------------------------------------

    @Override
    public void frameIn(int chars) {
        framesIn.increment();
        bytesIn.add(chars);
    }

    @Override
    public void error(ErrorCode code) {
        errors[code.ordinal()].increment();
    }

    @Override
    public void rateLimited() {
        rateLimitCloses.increment();
    }

    @Override
    public void joined() {
        joins.increment();
    }

    @Override
    public void joinRefused(String reason) {
        joinsShed.increment();
    }

    @Override
    public void recovered(boolean complete) {
        (complete ? recovered : notRecovered).increment();
    }

    @Override
    public void published(String room) {
        published.increment();
        rooms.published(room);
    }

    // --- SinkObserver --------------------------------------------------------------------------

    @Override
    public void frameOut(OutboundFrame frame, int chars) {
        int k = frame.kind().ordinal();
        framesOut[k].increment();
        bytesOut[k].add(chars);
    }

    @Override
    public void closing(int code) {
        serverCloses[CloseCodeNames.index(code)].increment();
    }

    // --- ConnectionObserver --------------------------------------------------------------------

    @Override
    public void opened() {
        opened.increment();
    }

    @Override
    public void closed(int code) {
        disconnects[CloseCodeNames.index(code)].increment();
    }

    // --- UpgradeObserver -----------------------------------------------------------------------

    @Override
    public void refused(String reason) {
        Counter c = refused.get(reason);
        (c != null ? c : refusedCounter(reason)).increment();
    }

    private Counter refusedCounter(String reason) {
        return refused.computeIfAbsent(reason, r -> Counter.builder("roomcast.upgrades.refused").tag("reason", r)
                .description("WebSocket upgrades refused before a connection existed, by reason "
                        + "(draining, max_connections, overloaded, broker_unavailable, origin, unauthorized, bad_user)")
                .register(registry));
    }

    // --- BrokerObserver ------------------------------------------------------------------------

    @Override
    public void subscriberUp(boolean up) {
        subscriber = up ? 1 : 0;
    }

    /** 1/0 as last reported by the broker, -1 if it never reported (the memory broker). */
    int subscriberState() {
        return subscriber;
    }

    @Override
    public void reconnected() {
        reconnects.increment();
    }

    @Override
    public void epochRotated() {
        epochRotations.increment();
    }

    @Override
    public void recoveredMessages(int count) {
        gapMessages.increment(count);
    }

    @Override
    public void recoveryPage() {
        gapPages.increment();
    }

    @Override
    public void recoveringRooms(int active, int waiting) {
        gapRoomsActive = active;
        gapRoomsWaiting = waiting;
    }

    @Override
    public void publish(Duration latency, boolean ok) {
        brokerPublish.record(latency);
        if (!ok) {
            failed("publish");
        }
    }

    /** A Redis master change (Sentinel failover) was followed. Proposed for {@link BrokerObserver}. */
    public void failover() {
        failovers.increment();
    }

    /**
     * A broker operation failed: {@code publish}, {@code history}, {@code subscribe}, {@code unsubscribe},
     * {@code presence}. Proposed for {@link BrokerObserver}.
     */
    public void failed(String operation) {
        Counter c = brokerFailures.get(operation);
        (c != null ? c : brokerFailure(operation)).increment();
    }

    private Counter brokerFailure(String operation) {
        String op = operation == null ? "other" : operation.toLowerCase(Locale.ROOT);
        return brokerFailures.computeIfAbsent(op, o -> Counter.builder("roomcast.broker.failures").tag("operation", o)
                .description("Broker operations that failed (publish, history, subscribe, unsubscribe, presence); "
                        + "history failures refuse joins with recovery, publish failures answer 'unavailable'")
                .register(registry));
    }

    // --- helpers -------------------------------------------------------------------------------

    static String kindLabel(OutboundFrame.Kind kind) {
        return switch (kind) {
            case REPLY -> "reply";
            case MESSAGE -> "message";
            case DIRECT -> "direct";
            case PRESENCE_EVENT -> "presence";
        };
    }

    private static Counter recoveries(MeterRegistry registry, String recovered) {
        return Counter.builder("roomcast.recoveries").tag("recovered", recovered)
                .description("Joins with since/epoch: recovered=true when every missed message was replayed, "
                        + "false when the history no longer reached back (gap or other epoch)")
                .register(registry);
    }

    private static Timer latencyTimer(MeterRegistry registry, String kind) {
        return Timer.builder("roomcast.delivery.latency").tag("kind", kind)
                .description("Publish to delivery latency: from the publishing node's clock to the fan-out on this "
                        + "node (millisecond resolution; across nodes it includes clock skew), by kind")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry);
    }

    private static Counter[] closeCounters(MeterRegistry registry, String name, String description) {
        Counter[] counters = new Counter[CloseCodeNames.OTHER + 1];
        for (int i = 0; i <= CloseCodeNames.OTHER; i++) {
            counters[i] = Counter.builder(name)
                    .tag("code", CloseCodeNames.codeLabel(i))
                    .tag("reason", CloseCodeNames.reasonLabel(i))
                    .description(description).register(registry);
        }
        return counters;
    }
}
