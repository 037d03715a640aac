package dev.roomcast.hooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code roomcast.hooks.*} keys (README, "Configuration"; contracts in docs/integration.md). */
@ConfigMapping(prefix = "roomcast.hooks")
public interface HooksConfig {

    Connect connect();

    Join join();

    Publish publish();

    /** How long a hook may take, connecting included, before the call counts as failed. */
    @WithDefault("2s")
    Duration timeout();

    /** Calls of one hook in flight at once; beyond it a call fails at once (busy) instead of queueing. */
    @WithName("max-concurrency")
    @WithDefault("256")
    int maxConcurrency();

    /** Sent as {@code Authorization: Bearer <key>} with every hook call. */
    @WithName("api-key")
    Optional<String> apiKey();

    Breaker breaker();

    interface Connect {
        /** Absent: no connect hook. */
        Optional<String> url();

        /** Request headers of the upgrade passed to the backend. */
        Optional<List<String>> headers();
    }

    interface Join {
        /** Absent: no join hook. */
        Optional<String> url();

        /** Room patterns the hook is asked for ({@code *} matches any run of characters). */
        @WithDefault("*")
        List<String> rooms();
    }

    interface Publish {
        /** Absent: no publish hook. */
        Optional<String> url();

        @WithDefault("*")
        List<String> rooms();
    }

    interface Breaker {
        /** Consecutive failed calls of a hook (timeout, error status, garbage) that open its breaker. */
        @WithDefault("5")
        int failures();

        /** How long an open breaker fails calls at once before it lets one trial call through. */
        @WithName("open-for")
        @WithDefault("5s")
        Duration openFor();
    }
}
