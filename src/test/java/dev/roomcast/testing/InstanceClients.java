package dev.roomcast.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The WebSocket clients of one test against packaged instances ({@link AppInstance}, {@link ClusterNode}): opens
 * them on any node, and closes every one after the test. (For {@code @QuarkusTest} classes: {@link WsClients}.)
 * <pre>
 * &#64;RegisterExtension final InstanceClients clients = new InstanceClients();
 * WsClient alice = clients.connect(a, "alice");
 * </pre>
 */
public final class InstanceClients implements AfterEachCallback {

    private final List<WsClient> clients = new ArrayList<>();

    /** Connects to {@code node} as {@code user} ({@code ?user=}). */
    public synchronized WsClient connect(AppInstance node, String user) {
        WsClient c = WsClient.connect(node.wsUrl("user=" + user));
        clients.add(c);
        return c;
    }

    /** Closes every client opened in this test. */
    public synchronized void closeAll() {
        clients.forEach(WsClient::close);
        clients.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeAll();
    }
}
