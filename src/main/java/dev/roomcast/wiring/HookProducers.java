package dev.roomcast.wiring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.hooks.HooksConfig;
import dev.roomcast.hooks.HttpHooks;
import dev.roomcast.node.ConnectGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The backend's hooks (package hooks), each only when its URL is configured; none: nothing is called. */
@ApplicationScoped
public class HookProducers {

    @Produces
    @Singleton
    HttpHooks hooks(HooksConfig config, Vertx vertx, ObjectMapper json, MeterRegistry registry) {
        return new HttpHooks(config, vertx, json, registry);
    }

    /** The upgrade gate skips the hook entirely for {@link ConnectGuard#NONE}. */
    @Produces
    @Singleton
    ConnectGuard connectGuard(HttpHooks hooks) {
        return hooks.connect().orElse(ConnectGuard.NONE);
    }

    void close(@Observes ShutdownEvent event, HttpHooks hooks) {
        hooks.close();
    }
}
