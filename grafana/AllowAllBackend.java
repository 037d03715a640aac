import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The app's backend for grafana/prometheus-check.sh, run as a single source file ({@code java AllowAllBackend.java
 * PORT}): every hook call (any path but /webhooks) is allowed, every webhook request is accepted with 200, so the
 * dashboard's Hooks and Webhooks panels have data. It checks nothing: the hook and webhook contracts are tested in
 * the Maven build (HooksTest, WebhooksTest).
 */
public class AllowAllBackend {

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 256);
        server.setExecutor(Executors.newFixedThreadPool(8));
        byte[] allow = "{\"allow\":true}".getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            if (exchange.getRequestURI().getPath().equals("/webhooks")) {
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, allow.length);
                exchange.getResponseBody().write(allow);
            }
            exchange.close();
        });
        server.start();
        System.out.println("allow-all backend on port " + args[0]);
    }
}
