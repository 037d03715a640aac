package dev.roomcast.bench;

import io.netty.channel.epoll.EpollChannelConfig;
import io.netty.channel.epoll.EpollMode;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.impl.WebSocketInternal;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LevelTriggeredEpollTest {

    @Test
    @SuppressWarnings("deprecation")
    void clientSocketsAreLevelTriggered() throws Exception {
        try (MockServer server = new MockServer();
             Pool pool = new Pool(Options.parse("--urls", "ws://127.0.0.1:" + server.port() + "/ws"))) {
            assertEquals("epoll", pool.transport());
            WebSocket ws = Pool.await(pool.client.connect(pool.connectOptions(0, "u1")), 10_000);
            var config = ((WebSocketInternal) ws).channelHandlerContext().channel().config();
            assertTrue(config instanceof EpollChannelConfig, config.getClass().getName());
            assertEquals(EpollMode.LEVEL_TRIGGERED, ((EpollChannelConfig) config).getEpollMode());
        }
    }
}
