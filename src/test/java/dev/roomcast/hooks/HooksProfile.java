package dev.roomcast.hooks;

import dev.roomcast.testing.HookBackend;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** All three hooks on one {@link HookBackend}, with a short timeout and a breaker that opens after 3 failures. */
public class HooksProfile implements QuarkusTestProfile {

    /** The backend of the profile's tests, started once. */
    static final HookBackend BACKEND = new HookBackend();

    static final long TIMEOUT_MILLIS = 300;
    static final int BREAKER_FAILURES = 3;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "roomcast.hooks.connect.url", BACKEND.url("/connect"),
                "roomcast.hooks.connect.headers", "X-Tenant",
                "roomcast.hooks.join.url", BACKEND.url("/join"),
                "roomcast.hooks.join.rooms", "guarded.*,vip",
                "roomcast.hooks.publish.url", BACKEND.url("/publish"),
                "roomcast.hooks.publish.rooms", "moderated.*",
                "roomcast.hooks.timeout", TIMEOUT_MILLIS + "ms",
                "roomcast.hooks.api-key", "hook-secret",
                "roomcast.hooks.breaker.failures", Integer.toString(BREAKER_FAILURES),
                "roomcast.hooks.breaker.open-for", "1s");
    }
}
