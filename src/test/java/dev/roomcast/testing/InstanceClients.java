package dev.roomcast.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The WebSocket clients one test opens on packaged instances ({@link AppInstance}), closed all at once after it —
 * {@link WsClients} is the same for a {@code @QuarkusTest}'s own node.
 * <pre>
 * final InstanceClients clients = new InstanceClients();
 * &#64;AfterEach void closeClients() { clients.closeAll(); }
 * WsClient alice = clients.connect(a, "alice");
 * </pre>
 */
public final class InstanceClients {

    private final List<WsClient> clients = new CopyOnWriteArrayList<>();

    /** Connects to {@code node} as {@code user} ({@code ?user=}). */
    public WsClient connect(AppInstance node, String user) {
        WsClient c = WsClient.connect(node.wsUrl("user=" + user));
        clients.add(c);
        return c;
    }

    /** The clients opened so far and not closed by {@link #closeAll}. */
    public List<WsClient> all() {
        return clients;
    }

    public void closeAll() {
        clients.forEach(WsClient::close);
        clients.clear();
    }
}
