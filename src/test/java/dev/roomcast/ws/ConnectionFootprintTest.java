package dev.roomcast.ws;

import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an open connection keeps of websockets-next's optional state (docs/operations.md, "JVM and
 * container settings"). Reads websockets-next internals on purpose: if they change, the per-connection
 * footprint has to be measured again.
 */
@QuarkusTest
class ConnectionFootprintTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    OpenConnections connections;

    @Test
    void anOpenConnectionKeepsNeitherItsUpgradeRequestNorALargeInboundQueue() throws Exception {
        try (WsClient client = WsClient.connect(ws.toString().replaceFirst("^http", "ws") + "?user=footprint")) {
            String id = client.welcome().get("connection").asText();
            WebSocketConnection connection = connections.findByConnectionId(id).orElseThrow();

            // The shared no-op instance, not one holding the upgrade's routing context.
            Object security = read(connection, "securitySupport");
            Field noop = security.getClass().getDeclaredField("NOOP");
            noop.setAccessible(true);
            assertThat(security).isSameAs(noop.get(null));

            assertThat(Infrastructure.getBufferSizeS()).isEqualTo(InboundQueueSize.SLOTS);

            // Vert.x' copy of the upgrade headers is emptied; websockets-next's own copy stays readable.
            assertThat(HandshakeRelease.socketOf(connection).headers().isEmpty()).isTrue();
            assertThat(connection.handshakeRequest().header("Sec-WebSocket-Version")).isEqualTo("13");
        }
    }

    private static Object read(Object target, String field) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(field);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // declared further up
            }
        }
        throw new NoSuchFieldException(field);
    }
}
