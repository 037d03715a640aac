package dev.roomcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code roomcast.*} key. Defaults live here and in README.md ("Configuration"). */
@ConfigMapping(prefix = "roomcast")
public interface RoomcastConfig {

    /** Identifies this instance in Redis (presence leases). Empty: a random id per start. */
    @WithName("node-id")
    Optional<String> nodeId();

    Auth auth();

    Api api();

    Redis redis();

    Limits limits();

    History history();

    Presence presence();

    Users users();

    Metrics metrics();

    Drain drain();

    interface Auth {
        /** {@code jwt} (default outside dev and test) or {@code none} ({@code ?user=NAME} is trusted). */
        @WithDefault("jwt")
        AuthMode mode();

        /** How long before a connection's token expires the server pushes {@code refresh} to it. */
        @WithDefault("30s")
        Duration refreshAhead();

        /** How a join's subscription token is verified; by default with the connection tokens' settings. */
        @WithName("subscription-token")
        SubscriptionToken subscriptionToken();
    }

    /**
     * A subscription token's verification, where it differs from the connection tokens' ({@code mp.jwt.verify.*},
     * {@code smallrye.jwt.verify.*}): each key left unset keeps their setting.
     */
    interface SubscriptionToken {
        /** A verification key of its own: a PEM public key, a JWK or a JWK set ({@code oct} JWK for HS256). */
        Optional<String> key();

        /** Where to read such a key: a file, a classpath resource or an http(s) URL (JWKS). */
        @WithName("key-location")
        Optional<String> keyLocation();

        /** The signature algorithm (RS256, ES256, HS256, ...). */
        Optional<String> algorithm();

        /** The {@code iss} required. */
        Optional<String> issuer();

        /** The {@code aud} values accepted (one is enough). */
        Optional<List<String>> audiences();
    }

    interface Api {
        /** Keys accepted as {@code Authorization: Bearer <key>} on /api. Empty: open only when auth.mode=none. */
        Optional<List<String>> keys();

        /** How long a publish's idempotency key is remembered: a retry within it publishes nothing. */
        @WithName("idempotency-window")
        @WithDefault("5m")
        Duration idempotencyWindow();
    }

    interface Redis {
        /** Prefix of every key and channel, so several deployments can share one Redis. */
        @WithDefault("rc")
        String prefix();
    }

    interface Limits {
        @WithName("max-message-size")
        @WithDefault("65536")
        int maxMessageSize();

        @WithName("max-rooms-per-connection")
        @WithDefault("128")
        int maxRoomsPerConnection();

        @WithName("max-connections")
        @WithDefault("50000")
        int maxConnections();

        /** Frames per second per connection (token bucket refill rate). */
        @WithDefault("100")
        int rate();

        /** Token bucket size. */
        @WithDefault("200")
        int burst();

        @WithName("allowed-origins")
        @WithDefault("*")
        List<String> allowedOrigins();

        @WithName("outbound-max-bytes")
        @WithDefault("1048576")
        long outboundMaxBytes();

        @WithName("outbound-max-frames")
        @WithDefault("1024")
        int outboundMaxFrames();

        /**
         * How long a server-initiated close may wait for its close frame to be written (behind the queue of
         * a client that does not read) before the TCP connection is dropped.
         */
        @WithName("close-timeout")
        @WithDefault("5s")
        Duration closeTimeout();

        /**
         * How long a new connection may take to deliver its first request (the WebSocket upgrade) before
         * it is closed: idle sockets and slowloris upgrades do not hold file descriptors for long.
         */
        @WithName("handshake-timeout")
        @WithDefault("5s")
        Duration handshakeTimeout();

        /** How long an HTTP connection may stay idle between two requests (keep-alive) before it is closed. */
        @WithName("http-idle-timeout")
        @WithDefault("60s")
        Duration httpIdleTimeout();

        /**
         * Connections without a request in progress and not upgraded (new, or idle between requests) kept
         * at once; a new one beyond it closes the oldest.
         */
        @WithName("max-pending-connections")
        @WithDefault("1000")
        int maxPendingConnections();

        /**
         * Redis commands this node may have waiting or in flight: from half of it WebSocket upgrades get
         * 503 with Retry-After, at it joins get {@code unavailable}.
         */
        @WithDefault("2000")
        int maxBrokerBacklog();
    }

    interface History {
        /** Messages kept per room. 0 disables history. */
        @WithDefault("1000")
        int size();

        /** How long a room's history lives after its last message. */
        @WithDefault("15m")
        Duration ttl();
    }

    interface Presence {
        Events events();

        /** A node whose lease is not renewed for this long is considered dead; its members leave. */
        @WithName("lease-ttl")
        @WithDefault("6s")
        Duration leaseTtl();

        /** How often a node renews its lease and looks for expired ones. */
        @WithName("lease-refresh")
        @WithDefault("2s")
        Duration leaseRefresh();

        interface Events {
            @WithName("max-members")
            @WithDefault("1000")
            int maxMembers();
        }
    }

    interface Users {
        @WithName("single-session")
        @WithDefault("false")
        boolean singleSession();
    }

    interface Metrics {
        Rooms rooms();

        interface Rooms {
            @WithDefault("100")
            int max();
        }
    }

    interface Drain {
        /** Connections are closed with 1012 spread over this window after SIGTERM. */
        @WithDefault("10s")
        Duration window();
    }

    enum AuthMode {
        jwt, none
    }
}
