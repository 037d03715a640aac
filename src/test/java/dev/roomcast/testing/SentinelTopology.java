package dev.roomcast.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * A master, N replicas (default 1) and 3 Sentinels, all real redis-server processes on free ports.
 * {@link #start()} returns once every Sentinel knows the master, the replicas and the other Sentinels, and
 * every replica is in sync, so a failover can start right away.
 * <pre>
 * try (SentinelTopology redis = SentinelTopology.start()) {
 *     config("quarkus.redis.client-type", "sentinel");
 *     config("quarkus.redis.hosts", redis.sentinelHosts());
 *     config("quarkus.redis.master-name", redis.masterName());
 *     redis.killMaster();
 *     SentinelTopology.Failover failover = redis.awaitFailover(Duration.ofSeconds(20));
 * }
 * </pre>
 */
public final class SentinelTopology implements AutoCloseable {

    public static final String DEFAULT_MASTER_NAME = "mymaster";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final String masterName;
    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private int killedMasterPort = -1;
    private long killedAtNanos;

    private SentinelTopology(String masterName) {
        this.masterName = masterName;
    }

    /** Master + 1 replica + 3 Sentinels, down-after 1 s. */
    public static SentinelTopology start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String masterName() {
        return masterName;
    }

    /** {@code redis://127.0.0.1:P1,redis://127.0.0.1:P2,...}: the value for {@code quarkus.redis.hosts} in sentinel mode. */
    public String sentinelHosts() {
        return sentinels.stream().map(RedisServer::uri).collect(Collectors.joining(","));
    }

    public List<RedisServer> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The master at start time (it stays this object after a failover, as a dead or demoted node). */
    public RedisServer initialMaster() {
        return dataNodes.get(0);
    }

    /** The replicas at start time. */
    public List<RedisServer> initialReplicas() {
        return List.copyOf(dataNodes.subList(1, dataNodes.size()));
    }

    /** Master and replicas. */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    /** The data node listening on a port, e.g. the one {@link #currentMasterPort()} names. */
    public RedisServer dataNodeOnPort(int port) {
        return dataNodes.stream().filter(node -> node.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no data node on port " + port + " in " + dataNodes));
    }

    /** The master port according to the first Sentinel that answers. */
    public int currentMasterPort() {
        for (RedisServer sentinel : sentinels) {
            OptionalInt port = masterPortSeenBy(sentinel);
            if (port.isPresent()) {
                return port.getAsInt();
            }
        }
        throw new IllegalStateException("no Sentinel answers get-master-addr-by-name " + masterName);
    }

    /** SIGKILLs the current master and remembers when, for {@link #awaitFailover(Duration)}. */
    public RedisServer killMaster() {
        RedisServer master = dataNodeOnPort(currentMasterPort());
        killedMasterPort = master.port();
        killedAtNanos = System.nanoTime();
        master.kill9();
        return master;
    }

    /**
     * Waits until a Sentinel names a new master after {@link #killMaster()}; {@link Failover#elapsed()} is the
     * time from the kill to that moment. Before returning it also waits until every Sentinel agrees and the new
     * master reports the master role, so the test continues against a settled topology.
     */
    public Failover awaitFailover(Duration timeout) {
        if (killedMasterPort < 0) {
            throw new IllegalStateException("awaitFailover() needs a killMaster() first");
        }
        int oldPort = killedMasterPort;
        long deadline = killedAtNanos + timeout.toNanos();
        int newPort = Poll.until("a Sentinel to promote a new master instead of port " + oldPort, remaining(deadline),
                () -> sentinels.stream()
                        .map(this::masterPortSeenBy)
                        .filter(port -> port.isPresent() && port.getAsInt() != oldPort)
                        .map(OptionalInt::getAsInt)
                        .findFirst(),
                this::describe);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - killedAtNanos);
        Poll.until("all Sentinels to agree on master port " + newPort, remaining(deadline),
                () -> sentinels.stream().allMatch(s -> masterPortSeenBy(s).orElse(-1) == newPort));
        RedisServer newMaster = dataNodeOnPort(newPort);
        Poll.until(newMaster + " to report role master", remaining(deadline),
                () -> "master".equals(((List<?>) newMaster.call("ROLE")).get(0)));
        killedMasterPort = -1;
        return new Failover(oldPort, newPort, elapsed);
    }

    @Override
    public void close() {
        // Sentinels first, so they do not try to fail over while the data nodes go down.
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
    }

    /** Outcome of a failover: {@code elapsed} runs from the SIGKILL to a Sentinel naming the new master. */
    public record Failover(int oldMasterPort, int newMasterPort, Duration elapsed) {
    }

    private OptionalInt masterPortSeenBy(RedisServer sentinel) {
        try {
            Object reply = sentinel.call("SENTINEL", "get-master-addr-by-name", masterName);
            if (reply instanceof List<?> address && address.size() == 2) {
                return OptionalInt.of(Integer.parseInt((String) address.get(1)));
            }
            return OptionalInt.empty();
        } catch (RuntimeException e) {
            return OptionalInt.empty(); // a Sentinel killed by the test, or busy: ask another
        }
    }

    private void awaitReady(int replicaCount) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (RedisServer replica : initialReplicas()) {
            replica.awaitMasterLinkUp(remaining(deadline));
        }
        for (RedisServer sentinel : sentinels) {
            Poll.until(sentinel + " to know the master, " + replicaCount + " replica(s) and "
                            + (sentinels.size() - 1) + " other Sentinel(s)", remaining(deadline),
                    () -> sentinelSeesEverything(sentinel, replicaCount),
                    this::describe);
        }
    }

    private Optional<Boolean> sentinelSeesEverything(RedisServer sentinel, int replicaCount) {
        boolean ready = masterPortSeenBy(sentinel).orElse(-1) == initialMaster().port()
                && ((List<?>) sentinel.call("SENTINEL", "replicas", masterName)).size() >= replicaCount
                && ((List<?>) sentinel.call("SENTINEL", "sentinels", masterName)).size() >= sentinels.size() - 1;
        return ready ? Optional.of(Boolean.TRUE) : Optional.empty();
    }

    private String describe() {
        StringBuilder text = new StringBuilder("topology:");
        for (RedisServer sentinel : sentinels) {
            text.append("\n  ").append(sentinel).append(" sees master port ")
                    .append(masterPortSeenBy(sentinel).orElse(-1));
        }
        for (RedisServer node : dataNodes) {
            text.append("\n  ").append(node).append(node.isAlive() ? " alive" : " dead");
        }
        sentinels.stream().findFirst().ifPresent(s -> text.append("\nlog of ").append(s).append(":\n").append(s.logTail(20)));
        return text.toString();
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /** Options of a topology; every setter returns this builder. */
    public static final class Builder {
        private String masterName = DEFAULT_MASTER_NAME;
        private int replicas = 1;
        private int sentinels = 3;
        private int quorum = 2;
        private Duration downAfter = Duration.ofMillis(1000);
        private Duration failoverTimeout = Duration.ofMillis(5000);

        private Builder() {
        }

        public Builder masterName(String masterName) {
            this.masterName = Objects.requireNonNull(masterName);
            return this;
        }

        public Builder replicas(int replicas) {
            this.replicas = replicas;
            return this;
        }

        public Builder sentinels(int sentinels) {
            this.sentinels = sentinels;
            return this;
        }

        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        /** How long a master must be unreachable before a Sentinel considers it down (default 1 s). */
        public Builder downAfter(Duration downAfter) {
            this.downAfter = downAfter;
            return this;
        }

        public Builder failoverTimeout(Duration failoverTimeout) {
            this.failoverTimeout = failoverTimeout;
            return this;
        }

        public SentinelTopology start() {
            SentinelTopology topology = new SentinelTopology(masterName);
            try {
                RedisServer master = RedisServer.startNamed("master");
                topology.dataNodes.add(master);
                for (int i = 1; i <= replicas; i++) {
                    topology.dataNodes.add(RedisServer.startNamed("replica-" + i,
                            "--replicaof", "127.0.0.1", Integer.toString(master.port())));
                }
                String config = sentinelConfig(master.port());
                for (int i = 1; i <= sentinels; i++) {
                    topology.sentinels.add(RedisServer.startSentinel("sentinel-" + i, config));
                }
                topology.awaitReady(replicas);
                return topology;
            } catch (RuntimeException | Error e) {
                topology.close();
                throw e;
            }
        }

        private String sentinelConfig(int masterPort) {
            return String.join("\n",
                    "sentinel resolve-hostnames no",
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + masterName + " " + failoverTimeout.toMillis(),
                    "sentinel parallel-syncs " + masterName + " 1",
                    "");
        }
    }
}
