package dev.roomcast.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * The WebSocket clients of one test against packaged instances ({@link AppInstance}), closed together at its end
 * ({@link WsClients} is the same for a {@code @QuarkusTest} node).
 * <pre>
 * final InstanceClients clients = new InstanceClients();
 * &#64;AfterEach void closeClients() { clients.closeAll(); }
 * WsClient alice = clients.connect(a, "alice");
 * </pre>
 */
public final class InstanceClients {

    private final List<WsClient> clients = new ArrayList<>();

    /** Connects to {@code node} as {@code user} ({@code ?user=}, auth mode none). */
    public WsClient connect(AppInstance node, String user) {
        return add(WsClient.connect(node.wsUrl("user=" + user)));
    }

    /** Tracks a client opened elsewhere, to be closed with the rest. */
    public synchronized WsClient add(WsClient client) {
        clients.add(client);
        return client;
    }

    public void closeAll() {
        List<WsClient> all;
        synchronized (this) {
            all = new ArrayList<>(clients);
            clients.clear();
        }
        all.forEach(WsClient::close);
    }
}
