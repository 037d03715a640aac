package dev.roomcast.ws;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Shrinks the inbound queue websockets-next gives every connection.
 * <p>
 * Each connection's frames wait in an unbounded queue (websockets-next's {@code ConcurrencyLimiter},
 * made by Mutiny's {@code Queues.createMpscQueue()}) that grows by linked chunks of Mutiny's "S" buffer
 * size: 256 slots by default, i.e. a 2 KiB array allocated up front for every connection, idle or not.
 * With 16 slots (Mutiny's minimum) it is 150 bytes; a connection with more frames waiting links further
 * chunks, so nothing changes but the footprint. The setting is process-wide: Mutiny operators that
 * prefetch "S" items (roomcast uses none) prefetch 16. {@code -Dmutiny.buffer-size.s=N} still wins.
 */
@ApplicationScoped
public class InboundQueueSize {

    static final int SLOTS = 16;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (System.getProperty("mutiny.buffer-size.s") == null) {
            Infrastructure.setBufferSizeS(SLOTS);
        }
    }
}
