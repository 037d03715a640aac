package dev.roomcast.wiring;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.eclipse.microprofile.config.ConfigProvider;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * On a Redis Cluster, one standalone client per master ("host:port" from CLUSTER SLOTS) for its shard
 * subscriber, with the credentials and scheme of the first {@code quarkus.redis.hosts} entry and
 * {@code quarkus.redis.password} if set. A client is made once per address and kept (a handful of masters).
 */
final class ShardClients implements Function<String, Redis> {

    private final Vertx vertx;
    private final URI template;
    private final String password;
    private final Map<String, Redis> clients = new ConcurrentHashMap<>();

    ShardClients(Vertx vertx) {
        this.vertx = vertx;
        String first = ConfigProvider.getConfig().getValue("quarkus.redis.hosts", String.class).split(",")[0].trim();
        this.template = URI.create(first);
        this.password = ConfigProvider.getConfig().getOptionalValue("quarkus.redis.password", String.class).orElse(null);
    }

    @Override
    public Redis apply(String address) {
        return clients.computeIfAbsent(withHost(address), a -> {
            String userInfo = template.getRawUserInfo() == null ? "" : template.getRawUserInfo() + "@";
            RedisOptions options = new RedisOptions()
                    .setConnectionString(template.getScheme() + "://" + userInfo + a)
                    .setMaxPoolSize(2)
                    .setMaxPoolWaiting(4);
            if (password != null && !password.isBlank()) {
                options.setPassword(password);
            }
            return Redis.createClient(vertx, options);
        });
    }

    /**
     * CLUSTER SLOTS gives an empty host (or "?") for a node that does not know its own address, as a lone master
     * that never met another node; Redis tells clients to use the host they reached it by: the seed's.
     */
    private String withHost(String address) {
        return address.startsWith(":") || address.startsWith("?:") ? template.getHost() + address.substring(address.indexOf(':')) : address;
    }
}
