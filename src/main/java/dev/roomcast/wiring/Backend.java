package dev.roomcast.wiring;

import dev.roomcast.broker.Broker;
import dev.roomcast.broker.MemoryBroker;
import dev.roomcast.broker.RedisBackend;
import dev.roomcast.broker.RedisBroker;
import dev.roomcast.outbox.MemoryOutbox;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.RedisOutbox;
import dev.roomcast.presence.LeaseListener;
import dev.roomcast.presence.LocalPresence;
import dev.roomcast.presence.LocalUserSessions;
import dev.roomcast.presence.LocalOnlineUsers;
import dev.roomcast.presence.NodeLease;
import dev.roomcast.presence.OnlineUsers;
import dev.roomcast.presence.Presence;
import dev.roomcast.presence.RedisOnlineUsers;
import dev.roomcast.presence.RedisPresence;
import dev.roomcast.presence.RedisUserSessions;
import dev.roomcast.presence.RoomEvents;
import dev.roomcast.presence.UserSessions;
import dev.roomcast.webhooks.WebhookSettings;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What a node runs on, chosen once at startup: the broker, presence, single-session registry, lease and webhook
 * outbox of one kind — all in memory (one node) or all on one {@link RedisBackend} (a cluster).
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

    /** The webhook outbox; empty when webhooks are off. */
    Optional<? extends Outbox> outbox();

    /** Who is online, for webhooks; {@link OnlineUsers#NONE} when they are off. */
    OnlineUsers onlineUsers();

    /** One node, nothing installed; webhook events in a memory outbox, lost with the process. */
    record Memory(MemoryBroker broker, LocalPresence presence, Optional<MemoryOutbox> outbox, OnlineUsers onlineUsers)
            implements Backend {

        /** @param webhooks null when webhooks are off */
        static Memory of(MemoryBroker broker, WebhookSettings webhooks) {
            if (webhooks == null) {
                return new Memory(broker, new LocalPresence(), Optional.empty(), OnlineUsers.NONE);
            }
            Clock clock = Clock.systemUTC();
            MemoryOutbox outbox = new MemoryOutbox(webhooks.maxLength(), webhooks.events(), clock::millis);
            return new Memory(broker, new LocalPresence(new RoomEvents(outbox, webhooks.roomPatterns())),
                    Optional.of(outbox), new LocalOnlineUsers(outbox, webhooks.offlineDelay(), clock::millis));
        }

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
    record OnRedis(RedisBackend redis, RedisBroker broker, RedisPresence presence, String node,
            Optional<RedisOutbox> outbox, RedisOnlineUsers online) implements Backend {

        /**
         * The one-round-trip join: presence tells the broker the history position it read.
         *
         * @param webhooks null when webhooks are off
         */
        static OnRedis of(RedisBackend redis, RedisBroker broker, String node, WebhookSettings webhooks) {
            if (webhooks == null) {
                return new OnRedis(redis, broker, new RedisPresence(redis, broker, node), node, Optional.empty(), null);
            }
            RedisOutbox outbox = new RedisOutbox(redis, node, webhooks.claimIdle(), webhooks.maxLength(), webhooks.events());
            return new OnRedis(redis, broker,
                    new RedisPresence(redis, broker, node, outbox, webhooks.roomPatterns()), node,
                    Optional.of(outbox), new RedisOnlineUsers(redis, outbox, node, webhooks.offlineDelay()));
        }

        @Override
        public OnlineUsers onlineUsers() {
            return online == null ? OnlineUsers.NONE : online;
        }

        @Override
        public UserSessions singleSessions() {
            return new RedisUserSessions(redis, node);
        }

        @Override
        public Optional<NodeLease> lease(LeaseListener listener, Duration ttl, Duration refresh) {
            return Optional.of(new NodeLease(redis, presence, online, listener, node, ttl, refresh));
        }

        @Override
        public void stop() {
            broker.stop();
        }
    }
}
