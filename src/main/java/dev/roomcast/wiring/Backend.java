package dev.roomcast.wiring;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.presence.LeaseListener;
import dev.roomcast.presence.LocalPresence;
import dev.roomcast.presence.LocalUserSessions;
import dev.roomcast.presence.NodeLease;
import dev.roomcast.presence.Presence;
import dev.roomcast.presence.RedisPresence;
import dev.roomcast.presence.RedisUserSessions;
import dev.roomcast.presence.UserSessions;

import java.time.Duration;
import java.util.Optional;

/**
 * What a node runs on, chosen once at startup: the broker, presence, single-session registry and lease of
 * one kind — all in memory (one node) or all on one {@link RedisBackend} (a cluster).
 */
sealed interface Backend {

    Broker broker();

    Presence presence();

    /** The registry of {@code roomcast.users.single-session}. */
    UserSessions singleSessions();

    /** This node's presence lease, not started; none where presence does not outlive the process. */
    Optional<NodeLease> lease(LeaseListener listener, Duration ttl, Duration refresh);

    /** Before the Redis client closes at shutdown: stop reconnecting. */
    void stop();

    /** One node, nothing installed. */
    record Memory(MemoryBroker broker, LocalPresence presence) implements Backend {

        @Override
        public UserSessions singleSessions() {
            return new LocalUserSessions();
        }

        @Override
        public Optional<NodeLease> lease(LeaseListener listener, Duration ttl, Duration refresh) {
            return Optional.empty();
        }

        @Override
        public void stop() {
        }
    }

    /** A cluster on Redis: every part shares the same client, keys and history bounds. */
    record OnRedis(RedisBackend redis, RedisBroker broker, RedisPresence presence, String node) implements Backend {

        /** The one-round-trip join: presence tells the broker the history position it read. */
        static OnRedis of(RedisBackend redis, RedisBroker broker, String node) {
            return new OnRedis(redis, broker, new RedisPresence(redis, broker, node), node);
        }

        @Override
        public UserSessions singleSessions() {
            return new RedisUserSessions(redis, node);
        }

        @Override
        public Optional<NodeLease> lease(LeaseListener listener, Duration ttl, Duration refresh) {
            return Optional.of(new NodeLease(redis, presence, listener, node, ttl, refresh));
        }

        @Override
        public void stop() {
            broker.stop();
        }
    }
}
