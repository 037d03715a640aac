package dev.roomcast.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.presence.OnlineUsers;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import org.jboss.logging.Logger;

import java.util.function.LongSupplier;

/**
 * Webhooks on this node (docs/integration.md, "Webhooks"): the {@link WebhookSender}, and a periodic tick that
 * records the {@code user.offline} events that came due and samples the outbox for the metrics. Built only when
 * {@code roomcast.webhooks.url} is set.
 */
public final class Webhooks {

    private static final Logger LOG = Logger.getLogger(Webhooks.class);
    private static final int TIDY_EVERY_TICKS = 60;

    private final Vertx vertx;
    private final Outbox outbox;
    private final OnlineUsers online;
    private final HttpClient http;
    private final WebhookSender sender;
    private final WebhookMetrics metrics;
    private final LongSupplier clock;
    private final long tickMillis;
    private long timer = -1;
    private int ticks;

    public Webhooks(WebhookSettings settings, Outbox outbox, OnlineUsers online, Vertx vertx, ObjectMapper json,
            MeterRegistry registry, String node, LongSupplier clock) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.online = online;
        this.clock = clock;
        this.metrics = new WebhookMetrics(registry);
        this.http = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) Math.max(1, settings.timeout().toMillis())).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(2));
        Context context = vertx.getOrCreateContext();
        this.sender = new WebhookSender(context, http, outbox, settings, json, metrics, node, clock);
        // The offline delay is kept to within a quarter of itself (at least 100 ms, at most 1 s late).
        this.tickMillis = Math.max(100, Math.min(1000, settings.offlineDelay().toMillis() / 4));
        LOG.infof("webhooks: %s to %s", settings.events().stream().map(dev.roomcast.outbox.EventType::wireName).sorted()
                .toList(), settings.url());
    }

    public void start() {
        sender.start();
        timer = vertx.setPeriodic(tickMillis, id -> tick());
    }

    public void stop() {
        sender.stop();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        http.close();
    }

    private void tick() {
        sweep();
        outbox.backlog(clock.getAsLong()).whenComplete((b, e) -> {
            if (b != null) {
                metrics.backlog(b.events(), b.oldestAgeMillis());
            }
        });
        if (++ticks % TIDY_EVERY_TICKS == 0) {
            outbox.tidy();
        }
    }

    /** Records due user.offline events, a bounded number per call, again at once while there were more. */
    private void sweep() {
        online.sweep().whenComplete((n, e) -> {
            if (e != null) {
                LOG.debugf("offline sweep failed: %s", e.toString());
            } else if (n >= OnlineUsers.SWEEP_LIMIT) {
                vertx.runOnContext(v -> sweep());
            }
        });
    }
}
