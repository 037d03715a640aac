package dev.roomcast.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code roomcast.webhooks.*} keys (README, "Configuration"; the contract in docs/integration.md, "Webhooks"). */
@ConfigMapping(prefix = "roomcast.webhooks")
public interface WebhooksConfig {

    /** Where events are POSTed; absent: webhooks off, nothing recorded. */
    Optional<String> url();

    /** The shared secret of the HMAC-SHA256 signature; required with a URL. */
    Optional<String> secret();

    /** The event types sent. */
    @WithDefault("room.occupied,room.vacated,member.joined,member.left,user.online,user.offline,message.published")
    List<String> events();

    /** Room patterns whose room and member events are sent ({@code *} matches any run of characters). */
    @WithDefault("*")
    List<String> rooms();

    Published published();

    /** How long a user must stay away before {@code user.offline}; a reconnect within it sends nothing. */
    @WithName("offline-delay")
    @WithDefault("5s")
    Duration offlineDelay();

    /** Events per request at most. */
    @WithName("batch-size")
    @WithDefault("100")
    int batchSize();

    /** How long one request may take, connecting included. */
    @WithDefault("5s")
    Duration timeout();

    Retry retry();

    /** An event not delivered this long after it happened is dropped (counted and logged). */
    @WithDefault("1h")
    Duration retention();

    /** Events a node took and left untouched this long are taken over by another node (the first one died). */
    @WithName("claim-idle")
    @WithDefault("30s")
    Duration claimIdle();

    /** How often an idle node looks for new events. */
    @WithName("poll-interval")
    @WithDefault("200ms")
    Duration pollInterval();

    Outbox outbox();

    interface Published {
        /** Room patterns whose messages are sent as {@code message.published}; absent: none. */
        Optional<List<String>> rooms();
    }

    interface Retry {
        /** The wait after a first failed request; it doubles with each failure. */
        @WithName("initial-backoff")
        @WithDefault("1s")
        Duration initialBackoff();

        /** The longest wait between two attempts. */
        @WithName("max-backoff")
        @WithDefault("15s")
        Duration maxBackoff();
    }

    interface Outbox {
        /** Events the outbox keeps at most; beyond it the oldest are trimmed (counted as dropped when found). */
        @WithName("max-length")
        @WithDefault("100000")
        int maxLength();
    }
}
