package dev.roomcast.ws;

import dev.roomcast.testing.WsClient;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.websockets.next.OpenConnections;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code quarkus.http.idle-timeout} on upgraded WebSockets, now kept by {@link IdleTimeout} instead of Vert.x'
 * Netty handler: a WebSocket with nothing read or written for the timeout is closed; one that only receives
 * frames (written past the handler, from the encoder's context) is not, nor is the one publishing them.
 */
@QuarkusTest
@TestProfile(IdleTimeoutTest.ShortIdleTimeout.class)
class IdleTimeoutTest {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", TIMEOUT.toMillis() + "ms");
        }
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    OpenConnections open;

    @Test
    void aQuietWebSocketIsClosedAfterTheIdleTimeoutOneThatOnlyReceivesIsNot() {
        String base = ws.toString().replaceFirst("^http", "ws");
        ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor();
        List<WsClient> clients = new ArrayList<>();
        try {
            WsClient listener = WsClient.connect(base + "?user=listener");
            clients.add(listener);
            listener.join("idle-room");
            WsClient publisher = WsClient.connect(base + "?user=publisher");
            clients.add(publisher);
            publisher.join("idle-room");
            long quietSince = System.nanoTime();
            WsClient quiet = WsClient.connect(base + "?user=quiet");
            clients.add(quiet);

            open.forEach(c -> {
                ChannelPipeline pipeline = c.userData().get(Transport.KEY).channel().pipeline();
                assertThat(pipeline.get(IdleStateHandler.class)).as("Vert.x' idle handler replaced").isNull();
                assertThat(pipeline.get(IdleTimeout.class).timeoutMillis()).isEqualTo(TIMEOUT.toMillis());
            });

            // The listener sends nothing from now on: only the frames written to it keep it open.
            AtomicInteger published = new AtomicInteger();
            every.scheduleAtFixedRate(() -> publisher.send("{\"type\":\"publish\",\"room\":\"idle-room\",\"data\":"
                    + published.incrementAndGet() + "}"), 0, TIMEOUT.toMillis() / 4, TimeUnit.MILLISECONDS);

            await().atMost(TIMEOUT.multipliedBy(5)).until(quiet::isClosed);
            assertThat(quiet.closedAtNanos() - quietSince).as("closed after the timeout, not before")
                    .isGreaterThanOrEqualTo(TIMEOUT.toNanos());
            int receivedBefore = listener.pending("message").size();
            System.out.printf("idle timeout %d ms: the quiet WebSocket closed (%d) after %d ms, the listener had %d messages%n",
                    TIMEOUT.toMillis(), quiet.awaitClose(TIMEOUT), (quiet.closedAtNanos() - quietSince) / 1_000_000,
                    receivedBefore);
            await().during(TIMEOUT.multipliedBy(2)).atMost(TIMEOUT.multipliedBy(3))
                    .until(() -> !listener.isClosed() && !publisher.isClosed());
            assertThat(listener.pending("message").size()).as("the listener kept receiving")
                    .isGreaterThan(receivedBefore);
        } finally {
            every.shutdownNow();
            clients.forEach(WsClient::close);
        }
    }
}
