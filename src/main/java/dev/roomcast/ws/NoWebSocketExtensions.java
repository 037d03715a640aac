package dev.roomcast.ws;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * No WebSocket extension is ever negotiated (permessage-deflate is declined in application.properties;
 * Vert.x would still offer the old per-frame deflate, which no browser asks for). With none, Netty's
 * decoder refuses frames with RSV bits set, as RFC 6455 requires, and {@code Transport} answers them with
 * close 1002: Vert.x lets RSV1 through whenever either compression is supported.
 */
@ApplicationScoped
public class NoWebSocketExtensions implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        disable(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        disable(options);
    }

    private static void disable(HttpServerOptions options) {
        options.setPerFrameWebSocketCompressionSupported(false);
        options.setPerMessageWebSocketCompressionSupported(false);
    }
}
