package dev.roomcast.webhooks;

import dev.roomcast.testing.WebhookReceiver;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Webhooks on the memory backend (one node, dev mode), with short timings, sent to one {@link WebhookReceiver}. */
public class WebhooksProfile implements QuarkusTestProfile {

    static final String SECRET = "test-webhook-secret-0123456789";
    static final WebhookReceiver RECEIVER = new WebhookReceiver(SECRET);
    static final long OFFLINE_DELAY_MILLIS = 3000; // a reconnect on a loaded CI machine must fit in it

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "roomcast.webhooks.url", RECEIVER.url(),
                "roomcast.webhooks.secret", SECRET,
                "roomcast.webhooks.published.rooms", "news.*",
                "roomcast.webhooks.offline-delay", OFFLINE_DELAY_MILLIS + "ms",
                "roomcast.webhooks.poll-interval", "50ms",
                "roomcast.webhooks.timeout", "1s",
                "roomcast.webhooks.retry.initial-backoff", "100ms",
                "roomcast.webhooks.retry.max-backoff", "400ms",
                "roomcast.webhooks.claim-idle", "3s");
    }
}
