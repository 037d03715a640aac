package dev.roomcast.wiring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.node.NodeId;
import dev.roomcast.webhooks.WebhookSettings;
import dev.roomcast.webhooks.Webhooks;
import dev.roomcast.webhooks.WebhooksConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * Webhooks (package webhooks) when {@code roomcast.webhooks.url} is set: the settings, checked at startup (a bad
 * value stops the node with the reason), and the sender on the backend's outbox. Off: nothing is built, recorded or
 * called.
 */
@ApplicationScoped
public class WebhookProducers {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(WebhookProducers.class);

    @Produces
    @Singleton
    Optional<WebhookSettings> settings(WebhooksConfig config) {
        try {
            return Optional.ofNullable(WebhookSettings.of(config));
        } catch (IllegalArgumentException e) {
            LOG.error(e.getMessage()); // one line an operator can read, above the startup failure's stack trace
            throw e;
        }
    }

    @Produces
    @Singleton
    Optional<Webhooks> webhooks(Optional<WebhookSettings> settings, Backend backend, Vertx vertx, ObjectMapper json,
            MeterRegistry registry, NodeId nodeId) {
        return settings.map(s -> {
            Webhooks webhooks = new Webhooks(s, backend.outbox().orElseThrow(), backend.onlineUsers(), vertx, json,
                    registry, nodeId.value(), System::currentTimeMillis);
            webhooks.start();
            return webhooks;
        });
    }

    /** Eager: the settings are checked, and the sender runs, from startup on. */
    void start(@Observes StartupEvent event, Optional<Webhooks> webhooks) {
        webhooks.isPresent();
    }

    /** Before the Redis client closes: no new batch is taken (one in flight is claimed by another node). */
    void stop(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event,
            Optional<Webhooks> webhooks) {
        webhooks.ifPresent(Webhooks::stop);
    }
}
