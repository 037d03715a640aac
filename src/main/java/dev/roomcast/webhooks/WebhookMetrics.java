package dev.roomcast.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The {@code roomcast_webhooks_*} meters (docs/integration.md, "Metrics"); bounded label sets. */
final class WebhookMetrics {

    enum RequestOutcome {
        success, error, timeout
    }

    private final Counter delivered;
    private final Counter retried;
    private final Counter expired;
    private final Counter trimmed;
    private final Timer[] requests = new Timer[RequestOutcome.values().length];
    private final AtomicLong outboxEvents = new AtomicLong();
    private final AtomicLong outboxOldestMillis = new AtomicLong();

    WebhookMetrics(MeterRegistry registry) {
        delivered = Counter.builder("roomcast.webhooks.delivered")
                .description("Webhook events delivered (answered 2xx) by this node").register(registry);
        retried = Counter.builder("roomcast.webhooks.retried")
                .description("Webhook events of failed requests, to be sent again").register(registry);
        expired = dropped(registry, "expired");
        trimmed = dropped(registry, "trimmed");
        for (RequestOutcome o : RequestOutcome.values()) {
            requests[o.ordinal()] = Timer.builder("roomcast.webhooks.request.duration")
                    .description("Webhook requests by how they ended").tag("outcome", o.name()).register(registry);
        }
        Gauge.builder("roomcast.webhooks.outbox.events", outboxEvents, AtomicLong::get)
                .description("Webhook events in the outbox not delivered yet (cluster-wide)").register(registry);
        Gauge.builder("roomcast.webhooks.outbox.oldest.seconds", outboxOldestMillis, a -> a.get() / 1000.0)
                .description("Age of the oldest webhook event not delivered yet; 0 when none").register(registry);
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        return Counter.builder("roomcast.webhooks.dropped")
                .description("Webhook events given up: older than the retention, or trimmed from a full outbox")
                .tag("reason", reason).register(registry);
    }

    void delivered(int n) {
        delivered.increment(n);
    }

    void retried(int n) {
        retried.increment(n);
    }

    void expired(int n) {
        expired.increment(n);
    }

    void trimmed(int n) {
        trimmed.increment(n);
    }

    void request(RequestOutcome outcome, long startNanos) {
        requests[outcome.ordinal()].record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void backlog(long events, long oldestMillis) {
        outboxEvents.set(events);
        outboxOldestMillis.set(oldestMillis);
    }
}
