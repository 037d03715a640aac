package dev.roomcast.ws;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connections that never finish a request do not pile up until the open-file limit: scaled down to a node
 * with 1,024 file descriptors (evicted sockets still being closed need room: at 512 a quiet machine once hit the limit while the acceptor outran the closes), 2,000 idle sockets and 50 slowloris upgrades (headers trickling in, a byte
 * every 300 ms) are closed — the oldest evicted beyond {@code max-pending-connections}, the rest at the
 * handshake timeout — while the node stays ready and a fresh client joins, publishes and receives. Idle
 * keep-alive connections are closed after the idle timeout; an idle WebSocket is not.
 */
class PendingConnectionsIT {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);

    @Test
    void idleAndSlowConnectionsAreBoundedAndClosed() throws Exception {
        try (AppInstance node = AppInstance.builder().name("pending")
                .fdLimit(1024)
                .config("roomcast.limits.handshake-timeout", "2s")
                .config("roomcast.limits.http-idle-timeout", "3s")
                .config("roomcast.limits.max-pending-connections", "100")
                .start();
             WsClient idleWebSocket = WsClient.connect(node.wsUrl("user=quiet"))) {
            List<Socket> idle = new ArrayList<>();
            List<Socket> slow = new ArrayList<>();
            try {
                long start = System.nanoTime();
                int resetWhileConnecting = 0;
                for (int i = 0; i < 2000; i++) {
                    Socket s = attack(node.port());
                    if (s == null) {
                        resetWhileConnecting++;
                    } else {
                        idle.add(s);
                    }
                }
                for (int i = 0; i < 50; i++) {
                    Socket s = attack(node.port());
                    if (s == null) {
                        resetWhileConnecting++;
                        continue;
                    }
                    try {
                        s.getOutputStream().write(("GET /ws?user=slow" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        slow.add(s);
                    } catch (SocketException evicted) {
                        resetWhileConnecting++; // evicted before its first bytes
                        closeQuietly(s);
                    }
                }
                // During the attack: the node is ready and serves a new client.
                assertThat(node.get("/q/health/ready")).contains("UP");
                assertFreshClientWorks(node, "during");

                // The slowloris connections keep sending; they are closed all the same.
                long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT.plusSeconds(10).toNanos();
                int slowOpen = slow.size();
                while (slowOpen > 0 && System.nanoTime() < deadline) {
                    slowOpen = 0;
                    for (Socket s : slow) {
                        if (trickle(s)) {
                            slowOpen++;
                        }
                    }
                    Thread.sleep(300); // the attacker's pace, not synchronization
                }
                assertThat(slowOpen).as("slowloris connections still open").isZero();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                int idleOpen = 0;
                for (Socket s : idle) {
                    if (!closedByServer(s, Duration.ofSeconds(5))) {
                        idleOpen++;
                    }
                }
                assertThat(idleOpen).as("idle sockets still open").isZero();
                System.out.printf("2,000 idle sockets + 50 slowloris upgrades on a node with 1,024 fds: all closed within %d ms "
                        + "(%d of them reset by the node before their connect returned)%n", took.toMillis(), resetWhileConnecting);
                assertThat(node.logTail(2000)).doesNotContain("Too many open files");
            } finally {
                idle.forEach(PendingConnectionsIT::closeQuietly);
                slow.forEach(PendingConnectionsIT::closeQuietly);
            }

            // An idle keep-alive connection is closed after the idle timeout, not before.
            try (Socket keepAlive = connect(node.port())) {
                keepAlive.getOutputStream().write("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                keepAlive.setSoTimeout(5000);
                byte[] head = new byte[12];
                assertThat(keepAlive.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
                long idleSince = System.nanoTime();
                assertThat(closedByServer(keepAlive, IDLE_TIMEOUT.plusSeconds(5))).as("keep-alive closed").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThan(IDLE_TIMEOUT.minusMillis(500));
            }

            // The WebSocket opened first stayed idle through all of it, and is still served.
            assertThat(idleWebSocket.isClosed()).isFalse();
            idleWebSocket.join("quiet-room");
            assertFreshClientWorks(node, "after");
            assertThat(node.get("/q/health/ready")).contains("UP");
        }
    }

    private static void assertFreshClientWorks(AppInstance node, String when) {
        try (WsClient fresh = WsClient.connect(node.wsUrl("user=fresh-" + when))) {
            fresh.join("pending-room");
            fresh.request("{\"type\":\"publish\",\"room\":\"pending-room\",\"data\":\"" + when + "\"}");
            assertThat(fresh.awaitType("message").path("data").asText()).isEqualTo(when);
        }
    }

    /**
     * An attacking connection, or null when the node reset it before the connect returned: it evicts the oldest
     * connection without a request with a reset, and under load that can come before this thread saw the handshake
     * complete — the node closing it is exactly what is asked of it.
     */
    private static Socket attack(int port) throws IOException {
        try {
            return connect(port);
        } catch (SocketException reset) {
            if (reset.getMessage() == null || !reset.getMessage().contains("reset")) {
                throw reset;
            }
            return null;
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    /** Sends one more header byte; false once the server has closed the connection. */
    private static boolean trickle(Socket s) {
        try {
            s.setSoTimeout(1);
            InputStream in = s.getInputStream();
            try {
                if (in.read() < 0) {
                    return false;
                }
            } catch (SocketTimeoutException e) {
                // nothing to read: still open
            }
            OutputStream out = s.getOutputStream();
            out.write('X');
            out.flush();
            return true;
        } catch (IOException e) {
            return false; // reset by the server
        }
    }

    /** Whether the server closes the connection (EOF or reset) within the timeout. */
    private static boolean closedByServer(Socket s, Duration timeout) {
        try {
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // whatever it sent (a response) before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
