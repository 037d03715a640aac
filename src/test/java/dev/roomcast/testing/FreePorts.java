package dev.roomcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks a TCP port that is free right now on 127.0.0.1. Another process may still grab it before our
 * child binds it, so callers retry with a fresh port when the child reports "address already in use".
 */
public final class FreePorts {

    /** The machine's shared Redis; tests must never talk to it. */
    public static final int SHARED_REDIS_PORT = 6379;

    private FreePorts() {
    }

    public static int next() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = socket.getLocalPort();
                if (port != SHARED_REDIS_PORT) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port", e);
            }
        }
        throw new IllegalStateException("no free port found");
    }
}
