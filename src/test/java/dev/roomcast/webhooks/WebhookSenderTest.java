package dev.roomcast.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.outbox.EventType;
import dev.roomcast.outbox.MemoryOutbox;
import dev.roomcast.outbox.OutboxEvent;
import dev.roomcast.presence.OnlineUsers;
import dev.roomcast.testing.WebhookReceiver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The bounds of delivery, on one node's sender with a memory outbox and a real HTTP backend: an event older than the
 * retention is dropped and counted instead of retried forever, a full outbox trims its oldest events and counts them,
 * and the configuration is refused with every problem named.
 */
class WebhookSenderTest {

    private static final String SECRET = "sender-test-secret-0123456789";
    private final Vertx vertx = Vertx.vertx();
    private final WebhookReceiver receiver = new WebhookReceiver(SECRET);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Webhooks webhooks;

    @AfterEach
    void stop() {
        if (webhooks != null) {
            webhooks.stop();
        }
        receiver.close();
        vertx.close();
    }

    private WebhookSettings settings(Duration retention, int maxLength) {
        return new WebhookSettings(URI.create(receiver.url()), SECRET, EnumSet.allOf(EventType.class), List.of("*"),
                List.of(), Duration.ofSeconds(1), 10, Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(200),
                retention, Duration.ofSeconds(5), Duration.ofMillis(20), maxLength);
    }

    private MemoryOutbox start(WebhookSettings settings) {
        MemoryOutbox outbox = new MemoryOutbox(settings.maxLength(), settings.events(), System::currentTimeMillis);
        webhooks = new Webhooks(settings, outbox, OnlineUsers.NONE, vertx, new ObjectMapper(), registry, "node-t",
                System::currentTimeMillis);
        webhooks.start();
        return outbox;
    }

    private double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anEventOlderThanTheRetentionIsDroppedAndCountedNotRetriedForever() {
        receiver.down();
        MemoryOutbox outbox = start(settings(Duration.ofMillis(800), 100));
        outbox.append(OutboxEvent.room(EventType.ROOM_OCCUPIED, "old"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("roomcast.webhooks.dropped", "reason", "expired") == 1);
        assertThat(count("roomcast.webhooks.retried")).isGreaterThanOrEqualTo(1);
        int refused = receiver.refused();
        receiver.up();
        outbox.append(OutboxEvent.room(EventType.ROOM_OCCUPIED, "new"));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted("room.occupied", "new").size() == 1);
        assertThat(receiver.accepted("room.occupied", "old")).isEmpty();
        assertThat(receiver.refused()).isEqualTo(refused);
        assertThat(outbox.backlog(System.currentTimeMillis()).toCompletableFuture().join().events()).isZero();
    }

    @Test
    void aFullOutboxTrimsItsOldestEventsAndCountsThem() {
        receiver.down();
        MemoryOutbox outbox = start(settings(Duration.ofHours(1), 10));
        outbox.append(OutboxEvent.user(EventType.USER_ONLINE, "first"));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.refused() >= 1); // taken: being retried
        for (int i = 0; i < 12; i++) {
            outbox.append(OutboxEvent.user(EventType.USER_ONLINE, "u" + i));
        }
        receiver.up();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("roomcast.webhooks.delivered") == 10);
        assertThat(count("roomcast.webhooks.dropped", "reason", "trimmed")).isEqualTo(3);
        assertThat(receiver.accepted("user.online", "first")).hasSize(1);
        assertThat(receiver.accepted(e -> true).stream().map(e -> e.path("user").asText()).toList())
                .containsExactly("first", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11");
    }

    @Test
    void aBadConfigurationNamesEveryProblem() {
        assertThatThrownBy(() -> new WebhookSettings(URI.create("ftp://backend/hooks"), "short", EnumSet.allOf(EventType.class),
                List.of("*"), List.of(), Duration.ofSeconds(5), 0, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMillis(200), 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("roomcast.webhooks.url must be an absolute http(s) URL")
                .hasMessageContaining("roomcast.webhooks.secret must be set")
                .hasMessageContaining("roomcast.webhooks.batch-size must be 1-1000")
                .hasMessageContaining("claim-idle (PT30S) must be longer than timeout + retry.max-backoff (PT35S)");
    }
}
