package dev.roomcast.testing;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * The WebSocket clients of one test against one node: opens them, and at the end closes every one and waits
 * until the node holds no connection, so the next test starts on an empty node.
 * <pre>
 * &#64;TestHTTPResource("/ws") URI ws;
 * &#64;Inject Hub hub;
 * private final WsClients clients = new WsClients(() -&gt; ws, () -&gt; hub.connectionCount());
 * &#64;AfterEach void closeAll() { clients.closeAll(); }
 * </pre>
 * Both suppliers are read lazily, so injected fields may be used.
 */
public final class WsClients {

    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    private final Supplier<URI> endpoint;
    private final IntSupplier openConnections;
    private final List<AutoCloseable> clients = new ArrayList<>();

    /**
     * @param endpoint        the node's {@code /ws} URI (http: or ws:)
     * @param openConnections the node's count of open connections (the hub's)
     */
    public WsClients(Supplier<URI> endpoint, IntSupplier openConnections) {
        this.endpoint = endpoint;
        this.openConnections = openConnections;
    }

    /** The endpoint as a ws: URL, with {@code query} (without "?") when it is not null. */
    public String url(String query) {
        return endpoint.get().toString().replaceFirst("^http", "ws") + (query == null ? "" : "?" + query);
    }

    /** Connects as {@code user} ({@code ?user=}); null: no query. */
    public WsClient connect(String user) {
        return add(WsClient.connect(url(user == null ? null : "user=" + user)));
    }

    public WsClient connectUrl(String url) {
        return add(WsClient.connect(url));
    }

    public WsClient connect(String query, Map<String, String> headers, List<String> subprotocols) {
        return add(WsClient.connect(url(query), headers, subprotocols));
    }

    /** Tracks a client opened elsewhere (a {@link RawWsClient}, say), to be closed with the rest. */
    public synchronized <T extends AutoCloseable> T add(T client) {
        clients.add(client);
        return client;
    }

    /** The {@code i}-th client tracked, in the order they were added. */
    public synchronized WsClient get(int i) {
        return (WsClient) clients.get(i);
    }

    /** Stops tracking the {@code i}-th client and returns it (to close it in the test). */
    public synchronized WsClient remove(int i) {
        return (WsClient) clients.remove(i);
    }

    /** Closes every client (in parallel) and waits until the node has no open connection. */
    public void closeAll() {
        List<AutoCloseable> all;
        synchronized (this) {
            all = new ArrayList<>(clients);
            clients.clear();
        }
        all.parallelStream().forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new AssertionError("cannot close " + c, e);
            }
        });
        await().atMost(CLOSE_TIMEOUT).until(() -> openConnections.getAsInt() == 0);
    }
}
