package dev.roomcast.metrics;

import dev.roomcast.testing.HookBackend;
import dev.roomcast.testing.WebhookReceiver;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The three hooks on a real {@link HookBackend} (which allows everything) and webhooks to a {@link WebhookReceiver},
 * so the scrape of {@link DashboardMetricsTest} has the hook and webhook meters the dashboard's panels query.
 */
public class DashboardProfile implements QuarkusTestProfile {

    static final HookBackend HOOKS = new HookBackend();
    static final String WEBHOOK_SECRET = "dashboard-webhook-secret-0123";
    static final WebhookReceiver WEBHOOKS = new WebhookReceiver(WEBHOOK_SECRET);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "roomcast.hooks.connect.url", HOOKS.url("/connect"),
                "roomcast.hooks.join.url", HOOKS.url("/join"),
                "roomcast.hooks.publish.url", HOOKS.url("/publish"),
                "roomcast.webhooks.url", WEBHOOKS.url(),
                "roomcast.webhooks.secret", WEBHOOK_SECRET,
                "roomcast.webhooks.published.rooms", "dash-*",
                "roomcast.webhooks.poll-interval", "50ms");
    }
}
