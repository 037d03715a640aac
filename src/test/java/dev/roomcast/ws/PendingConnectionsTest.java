package dev.roomcast.ws;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sockets a flood leaves between the acceptor and an event loop that lags behind: connections are counted
 * and evict on their event loop, so while it is busy the acceptor could take sockets until the open-file limit
 * (PendingConnectionsIT saw "Too many open files" once on a loaded machine). At most as many as
 * {@code max-pending-connections} may wait there; further ones are closed at accept. Here the only event loop is
 * held busy while 30 clients connect to a bound of 10.
 */
class PendingConnectionsTest {

    private static final int MAX_PENDING = 10;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
            .setMaxEventLoopExecuteTime(60).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void connectionsBeyondTheBoundWaitingForABusyEventLoopAreClosedAtAccept() throws Exception {
        // A fixed port, as Quarkus listens on: Vert.x keeps such servers where the hook finds them.
        int free;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            free = probe.getLocalPort();
        }
        HttpServer[] server = new HttpServer[1];
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                vertx.createHttpServer().requestHandler(r -> r.response().end("ok")).listen(free, "127.0.0.1")
                        .onSuccess(s -> server[0] = s).<Void>mapEmpty().onComplete(started);
            }
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int port = server[0].actualPort();
        PendingConnections pending = new PendingConnections(Duration.ofSeconds(30), Duration.ofSeconds(30), MAX_PENDING, vertx);
        assertThat(pending.hook(port)).isTrue();

        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        vertx.getOrCreateContext().runOnContext(v -> {
            busy.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // the event loop, busy: no accepted socket is taken up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(50);
                clients.add(s);
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(closedCount(clients)).as("closed at accept").isEqualTo(30 - MAX_PENDING));
            release.countDown();

            // Taken up now: the ones kept are served.
            Socket kept = clients.stream().filter(s -> !closed(s)).findFirst().orElseThrow();
            kept.setSoTimeout(5000);
            kept.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] head = kept.getInputStream().readNBytes(12);
            assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
            assertThat(pending.pending()).as("the kept ones, counted now (the served one idle again)").isEqualTo(MAX_PENDING);
        } finally {
            release.countDown();
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    private static long closedCount(List<Socket> clients) {
        return clients.stream().filter(PendingConnectionsTest::closed).count();
    }

    /** Whether the server closed the socket (end of stream or a reset); a client that has not sent anything. */
    private static boolean closed(Socket s) {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
