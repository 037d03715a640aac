package dev.roomcast.metrics;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;

/**
 * {@code roomcast.metrics.*}: the per-room series. {@code rooms.max} is also mapped by
 * {@code RoomcastConfig}; the other keys live here so the metrics code owns them (documented in README.md).
 */
@ConfigMapping(prefix = "roomcast.metrics")
public interface MetricsConfig {

    Rooms rooms();

    interface Rooms {
        /** Rooms with series of their own per node; the rest are summed under room="_other". 0: none. */
        @WithDefault("100")
        int max();

        /** How often the labelled rooms are re-chosen and emptied rooms' series removed. */
        @WithDefault("5s")
        Duration interval();

        /** How fast a room's activity score decays: it halves after this long without traffic. */
        @WithName("half-life")
        @WithDefault("1m")
        Duration halfLife();
    }
}
