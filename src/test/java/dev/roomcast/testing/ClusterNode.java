package dev.roomcast.testing;

/**
 * One instance of a roomcast cluster: the packaged application on a Redis (standalone or behind Sentinel),
 * with its node id set to its name so logs and presence say which instance is which.
 * <pre>
 * try (RedisServer redis = RedisServer.start();
 *      AppInstance a = ClusterNode.start("a", redis);
 *      AppInstance b = ClusterNode.on("b", redis).config("roomcast.users.single-session", "true").start()) { … }
 * </pre>
 */
public final class ClusterNode {

    private ClusterNode() {
    }

    /** The options of a node on a standalone Redis, to add more before {@code start()}. */
    public static AppInstance.Builder on(String name, RedisServer redis) {
        return AppInstance.builder().name(name)
                .config("quarkus.redis.hosts", redis.uri())
                .config("roomcast.node-id", name);
    }

    /** The options of a node on the master of a Sentinel topology. */
    public static AppInstance.Builder on(String name, SentinelTopology redis) {
        return AppInstance.builder().name(name)
                .config("quarkus.redis.hosts", redis.sentinelHosts())
                .config("quarkus.redis.client-type", "sentinel")
                .config("quarkus.redis.master-name", redis.masterName())
                .config("quarkus.redis.role", "master")
                .config("roomcast.node-id", name);
    }

    /** The options of a node on a Redis Cluster (sharded pub/sub), given every node of it as seed. */
    public static AppInstance.Builder on(String name, RedisCluster redis) {
        return AppInstance.builder().name(name)
                .config("quarkus.redis.hosts", redis.hosts())
                .config("quarkus.redis.client-type", "cluster")
                .config("roomcast.node-id", name);
    }

    public static AppInstance start(String name, RedisCluster redis) {
        return on(name, redis).start();
    }

    public static AppInstance start(String name, RedisServer redis) {
        return on(name, redis).start();
    }

    public static AppInstance start(String name, SentinelTopology redis) {
        return on(name, redis).start();
    }
}
