package dev.roomcast.ws;

import dev.roomcast.hub.Hub;
import dev.roomcast.testing.RawWsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** RFC 6455 5.2: a frame with RSV bits set but no extension negotiated fails the connection (1002). */
@QuarkusTest
class ReservedBitsTest {

    private static final int RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10;

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    @Test
    void anyReservedBitClosesWith1002() {
        for (int rsv : new int[] {RSV1, RSV2, RSV3}) {
            // Offering permessage-deflate, as browsers do: it is declined, so RSV1 stays illegal.
            try (RawWsClient c = RawWsClient.open(PingFloodTest.url(ws, "rsv" + rsv),
                    Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), 0)) {
                assertThat(c.responseHeaders()).doesNotContainKey("sec-websocket-extensions");
                c.sendFrame(RawWsClient.TEXT | rsv, true, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
                RawWsClient.Frame end = c.readUntilClose(Duration.ofSeconds(10), f -> {
                    throw new AssertionError("answered instead of closed: " + f);
                });
                assertThat(end.opcode()).as("rsv 0x%x", rsv).isEqualTo(RawWsClient.CLOSE);
                assertThat(end.closeCode()).isEqualTo(1002);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount() == 0);
        PingFloodTest.assertFreshClientWorks(ws, "after-rsv");
    }
}
