package dev.roomcast.metrics;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Re-evaluates the per-room labels every 200 ms so tests need not wait for the 5 s default. */
public class FastRoomMetricsProfile implements QuarkusTestProfile {

    static final int MAX_ROOMS = 100;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "roomcast.metrics.rooms.max", Integer.toString(MAX_ROOMS),
                "roomcast.metrics.rooms.interval", "200ms",
                "roomcast.metrics.rooms.half-life", "2s");
    }
}
