package dev.roomcast.webhooks;

import dev.roomcast.outbox.EventType;
import dev.roomcast.protocol.RoomPatterns;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The webhook configuration, checked once at startup: a bad value stops the node with every problem named, instead
 * of events that silently go nowhere.
 */
public record WebhookSettings(URI url, String secret, Set<EventType> events, List<String> rooms,
        List<String> publishedRooms, Duration offlineDelay, int batchSize, Duration timeout, Duration initialBackoff,
        Duration maxBackoff, Duration retention, Duration claimIdle, Duration pollInterval, int maxLength) {

    static final int MIN_SECRET_LENGTH = 16;
    static final int MAX_BATCH = 1000;

    public WebhookSettings {
        List<String> problems = new ArrayList<>();
        if (url == null || url.getScheme() == null || !List.of("http", "https").contains(url.getScheme())
                || url.getHost() == null) {
            problems.add("roomcast.webhooks.url must be an absolute http(s) URL, got " + url);
        }
        if (secret == null || secret.length() < MIN_SECRET_LENGTH) {
            problems.add("roomcast.webhooks.secret must be set, at least " + MIN_SECRET_LENGTH + " characters");
        }
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            problems.add("roomcast.webhooks.batch-size must be 1-" + MAX_BATCH + ", got " + batchSize);
        }
        if (maxLength < batchSize) {
            problems.add("roomcast.webhooks.outbox.max-length must be at least the batch size, got " + maxLength);
        }
        if (offlineDelay.isNegative()) {
            problems.add("roomcast.webhooks.offline-delay must not be negative");
        }
        if (!positive(timeout) || !positive(initialBackoff) || !positive(retention) || !positive(pollInterval)) {
            problems.add("roomcast.webhooks.timeout, retry.initial-backoff, retention and poll-interval must be positive");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            problems.add("roomcast.webhooks.retry.max-backoff must be at least retry.initial-backoff");
        }
        // A sender renews its hold on a batch before each attempt: an attempt and the wait before the next one must
        // fit in the claim time, or another node takes the batch while it is still being retried.
        if (timeout.plus(maxBackoff).compareTo(claimIdle) >= 0) {
            problems.add("roomcast.webhooks.claim-idle (" + claimIdle + ") must be longer than timeout + retry.max-backoff ("
                    + timeout.plus(maxBackoff) + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("bad webhook configuration: " + String.join("; ", problems));
        }
        events = Set.copyOf(events);
        rooms = List.copyOf(rooms);
        publishedRooms = List.copyOf(publishedRooms);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** The settings of {@code config}, or null when webhooks are off (no URL). */
    public static WebhookSettings of(WebhooksConfig config) {
        if (config.url().filter(u -> !u.isBlank()).isEmpty()) {
            return null;
        }
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        List<String> unknown = new ArrayList<>();
        for (String name : config.events()) {
            EventType type = EventType.of(name.trim());
            if (type == null) {
                unknown.add(name);
            } else {
                types.add(type);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("bad webhook configuration: roomcast.webhooks.events names unknown types "
                    + unknown + "; known: " + java.util.Arrays.stream(EventType.values()).map(EventType::wireName).toList());
        }
        URI url;
        try {
            url = URI.create(config.url().get().trim());
        } catch (IllegalArgumentException e) {
            url = null;
        }
        return new WebhookSettings(url, config.secret().orElse(null), types, config.rooms(),
                config.published().rooms().orElse(List.of()), config.offlineDelay(), config.batchSize(), config.timeout(),
                config.retry().initialBackoff(), config.retry().maxBackoff(), config.retention(), config.claimIdle(),
                config.pollInterval(), config.outbox().maxLength());
    }

    /** Rooms whose room and member events are recorded. */
    public RoomPatterns roomPatterns() {
        return new RoomPatterns(rooms);
    }

    /** Rooms whose messages are recorded as message.published; empty when that type is not sent. */
    public RoomPatterns publishedPatterns() {
        return new RoomPatterns(events.contains(EventType.MESSAGE_PUBLISHED) ? publishedRooms : List.of());
    }
}
