package dev.roomcast.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A real local Redis Cluster: N masters (default 3) with one replica each, all {@code redis-server
 * --cluster-enabled yes} processes on free ports, joined by this harness (CLUSTER MEET, ADDSLOTSRANGE,
 * REPLICATE — no redis-cli needed). {@link #start()} returns once every node reports {@code cluster_state:ok},
 * knows every other node, and every replica is in sync, so a failover or a slot migration can start at once.
 * <pre>
 * try (RedisCluster redis = RedisCluster.start()) {
 *     config("quarkus.redis.client-type", "cluster");
 *     config("quarkus.redis.hosts", redis.hosts());
 *     int slot = redis.slotOf("rc:{room-1}");
 *     redis.shardNumSub("rc:{room-1}");          // PUBSUB SHARDNUMSUB on the slot's master
 *     redis.migrateSlot(slot, redis.masterOtherThan(redis.masterOfSlot(slot)));
 *     redis.killMasterOfSlot(slot);               // SIGKILL; returns once the replica took over
 * }
 * </pre>
 */
public final class RedisCluster implements AutoCloseable {

    /** Slots in a Redis Cluster. */
    public static final int SLOTS = 16384;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(20);
    private static final int MIGRATE_BATCH = 100;

    private final List<RedisServer> nodes = new ArrayList<>();
    private final int masterCount;

    private RedisCluster(int masterCount) {
        this.masterCount = masterCount;
    }

    /** 3 masters + 3 replicas, node timeout 1 s. */
    public static RedisCluster start() {
        return start(3, Duration.ofMillis(1000));
    }

    /**
     * {@code masters} masters, each with one replica; the slots split evenly among the masters.
     * {@code nodeTimeout} is how long a master may be unreachable before its replica takes over.
     */
    public static RedisCluster start(int masters, Duration nodeTimeout) {
        RedisCluster cluster = new RedisCluster(masters);
        try {
            for (int i = 1; i <= masters; i++) {
                cluster.nodes.add(RedisServer.startClusterNode("cluster-master-" + i, nodeTimeout));
            }
            for (int i = 1; i <= masters; i++) {
                cluster.nodes.add(RedisServer.startClusterNode("cluster-replica-" + i, nodeTimeout));
            }
            cluster.join();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:P1,...} of every node alive now: the value for {@code quarkus.redis.hosts}. */
    public String hosts() {
        return nodes.stream().filter(RedisServer::isAlive).map(RedisServer::uri).collect(Collectors.joining(","));
    }

    /** Every node started, masters first (a dead or demoted node stays in this list). */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The masters now, as the cluster sees them (alive, owning slots). */
    public List<RedisServer> masters() {
        return view().values().stream()
                .filter(n -> n.master() && !n.failed() && !n.slots().isEmpty())
                .map(n -> nodeOnPort(n.port()))
                .toList();
    }

    /** A master other than {@code master}: the target of a migration. */
    public RedisServer masterOtherThan(RedisServer master) {
        return masters().stream().filter(m -> m.port() != master.port()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no master other than " + master));
    }

    /** {@code CLUSTER KEYSLOT}: the slot of a key or shard channel (the part inside {@code {...}} if any). */
    public int slotOf(String key) {
        return ((Long) anyLiveNode().call("CLUSTER", "KEYSLOT", key)).intValue();
    }

    /** The master owning {@code slot} now. */
    public RedisServer masterOfSlot(int slot) {
        return nodeOnPort(ownerPort(anyLiveNode(), slot)
                .orElseThrow(() -> new IllegalStateException("no node owns slot " + slot + "\n" + describe())));
    }

    /**
     * {@code PUBSUB SHARDNUMSUB channel} on the master owning the channel's slot: how many connections of the
     * whole cluster subscribe it (a shard channel is only subscribed on the shard that owns it).
     */
    public long shardNumSub(String channel) {
        List<?> reply = (List<?>) masterOfSlot(slotOf(channel)).call("PUBSUB", "SHARDNUMSUB", channel);
        return (Long) reply.get(1);
    }

    /**
     * SIGKILLs the master of {@code slot}; returns once one of its replicas owns the slot and every live node
     * reports {@code cluster_state:ok} and agrees on the new owner.
     */
    public Failover killMasterOfSlot(int slot) {
        RedisServer master = masterOfSlot(slot);
        long killedAt = System.nanoTime();
        master.kill9();
        int newPort = Poll.until("a replica of " + master + " to take over slot " + slot, FAILOVER_TIMEOUT,
                () -> ownerPort(anyLiveNode(), slot).filter(p -> p != master.port()), this::describe);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - killedAt);
        awaitSettled("the failover of " + master, FAILOVER_TIMEOUT);
        return new Failover(master, nodeOnPort(newPort), elapsed);
    }

    /**
     * Moves {@code slot} with its keys to {@code target}, the way {@code redis-cli --cluster reshard} does:
     * SETSLOT IMPORTING on the target, MIGRATING on the source, MIGRATE the keys in batches, then SETSLOT NODE
     * on both and on every other master. Clients see {@code ASK} while keys move and {@code MOVED} afterwards;
     * shard channel subscribers of the slot get an {@code sunsubscribe} push from the source.
     */
    public void migrateSlot(int slot, RedisServer target) {
        RedisServer source = masterOfSlot(slot);
        if (source.port() == target.port()) {
            throw new IllegalArgumentException("slot " + slot + " is on " + target + " already");
        }
        String sourceId = myId(source);
        String targetId = myId(target);
        target.call("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", sourceId);
        source.call("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", targetId);
        while (true) {
            List<?> keys = (List<?>) source.call("CLUSTER", "GETKEYSINSLOT", Integer.toString(slot),
                    Integer.toString(MIGRATE_BATCH));
            if (keys.isEmpty()) {
                break;
            }
            List<String> command = new ArrayList<>(List.of(
                    "MIGRATE", "127.0.0.1", Integer.toString(target.port()), "", "0", "5000", "KEYS"));
            keys.forEach(k -> command.add((String) k));
            source.call(command.toArray(String[]::new));
        }
        // The target first: once the source lets go, the target must already accept the slot.
        target.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        source.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        for (RedisServer master : masters()) {
            if (master.port() != source.port() && master.port() != target.port()) {
                master.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
            }
        }
        Poll.until("every node to see slot " + slot + " on " + target, READY_TIMEOUT,
                () -> liveNodes().stream().allMatch(n -> ownerPort(n, slot).orElse(-1) == target.port()));
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Outcome of {@link #killMasterOfSlot(int)}: {@code elapsed} runs from the SIGKILL to the new owner. */
    public record Failover(RedisServer oldMaster, RedisServer newMaster, Duration elapsed) {
    }

    // --- joining -------------------------------------------------------------------------------

    private void join() {
        List<RedisServer> masters = nodes.subList(0, masterCount);
        List<RedisServer> replicas = nodes.subList(masterCount, nodes.size());
        for (int i = 0; i < masterCount; i++) {
            int first = i * SLOTS / masterCount;
            int last = (i + 1) * SLOTS / masterCount - 1;
            masters.get(i).call("CLUSTER", "ADDSLOTSRANGE", Integer.toString(first), Integer.toString(last));
        }
        RedisServer seed = nodes.get(0);
        for (RedisServer node : nodes.subList(1, nodes.size())) {
            seed.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(node.port()), busPort(node));
        }
        Poll.until("every node to know all " + nodes.size() + " nodes", READY_TIMEOUT,
                () -> nodes.stream().allMatch(n -> view(n).size() == nodes.size()));
        for (int i = 0; i < replicas.size(); i++) {
            String masterId = myId(masters.get(i));
            RedisServer replica = replicas.get(i);
            Poll.until(replica + " to replicate " + masters.get(i), READY_TIMEOUT, () -> {
                replica.call("CLUSTER", "REPLICATE", masterId);
                return true;
            });
        }
        for (RedisServer replica : replicas) {
            replica.awaitMasterLinkUp(READY_TIMEOUT);
        }
        awaitSettled("the cluster to form", READY_TIMEOUT);
    }

    /** Every live node: cluster_state ok, the same slot owners, every live master's replica known as such. */
    private void awaitSettled(String what, Duration timeout) {
        Poll.untilTrue(what + " (cluster_state:ok and one view on every node)", timeout, () -> {
            List<RedisServer> live = liveNodes();
            Map<Integer, List<Integer>> reference = null;
            for (RedisServer node : live) {
                if (!"ok".equals(RedisServer.parseInfo((String) node.call("CLUSTER", "INFO")).get("cluster_state"))) {
                    return false;
                }
                Map<Integer, List<Integer>> owners = new LinkedHashMap<>();
                view(node).values().stream().filter(n -> n.master() && !n.failed() && !n.slots().isEmpty())
                        .forEach(n -> owners.put(n.port(), n.slots()));
                if (reference == null) {
                    reference = owners;
                } else if (!reference.equals(owners)) {
                    return false;
                }
            }
            return reference != null && reference.values().stream().mapToInt(List::size).sum() > 0;
        }, this::describe);
    }

    // --- reading the topology ------------------------------------------------------------------

    /** One line of {@code CLUSTER NODES}; {@code slots} holds first/last pairs of the ranges it owns. */
    private record NodeLine(String id, int port, boolean master, boolean failed, boolean myself, List<Integer> slots) {

        boolean owns(int slot) {
            for (int i = 0; i + 1 < slots.size(); i += 2) {
                if (slot >= slots.get(i) && slot <= slots.get(i + 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    private Map<String, NodeLine> view() {
        return view(anyLiveNode());
    }

    private static Map<String, NodeLine> view(RedisServer node) {
        Map<String, NodeLine> lines = new LinkedHashMap<>();
        for (String line : ((String) node.call("CLUSTER", "NODES")).split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            String address = f[1].split("[@,]")[0];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            String flags = f[2];
            List<Integer> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // "[slot->-id]" / "[slot-<-id]": a migration in progress, not ownership
                }
                String[] range = f[i].split("-");
                slots.add(Integer.parseInt(range[0]));
                slots.add(Integer.parseInt(range[range.length - 1]));
            }
            lines.put(f[0], new NodeLine(f[0], port, flags.contains("master"),
                    flags.contains("fail") && !flags.contains("fail?"), flags.contains("myself"), slots));
        }
        return lines;
    }

    private static Optional<Integer> ownerPort(RedisServer node, int slot) {
        return view(node).values().stream().filter(n -> n.master() && !n.failed() && n.owns(slot))
                .map(NodeLine::port).findFirst();
    }

    private static String myId(RedisServer node) {
        return (String) node.call("CLUSTER", "MYID");
    }

    private static String busPort(RedisServer node) {
        return (String) ((List<?>) node.call("CONFIG", "GET", "cluster-port")).get(1);
    }

    private List<RedisServer> liveNodes() {
        return nodes.stream().filter(RedisServer::isAlive).toList();
    }

    private RedisServer anyLiveNode() {
        return liveNodes().stream().findFirst().orElseThrow(() -> new IllegalStateException("no live cluster node"));
    }

    private RedisServer nodeOnPort(int port) {
        return nodes.stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no cluster node on port " + port));
    }

    private String describe() {
        StringBuilder text = new StringBuilder("cluster:");
        for (RedisServer node : nodes) {
            text.append("\n  ").append(node).append(node.isAlive() ? " alive" : " dead");
        }
        liveNodes().stream().findFirst().ifPresent(n -> {
            try {
                text.append("\nCLUSTER NODES on ").append(n).append(":\n").append(n.call("CLUSTER", "NODES"));
            } catch (RuntimeException e) {
                text.append("\n(").append(n).append(" does not answer: ").append(e).append(")");
            }
        });
        return text.toString();
    }
}
