package dev.roomcast.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Proves the cluster harness: a real 3+3 Redis Cluster, sharded pub/sub, slot migration, a master's SIGKILL. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterHarnessTest {

    private static RedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void threeMastersShareEverySlotAndEachHasASyncedReplica() {
        List<RedisServer> masters = cluster.masters();
        assertEquals(3, masters.size(), cluster::toString);
        for (RedisServer master : masters) {
            assertEquals("1", master.info("replication").get("connected_slaves"), master + " has its replica");
        }
        assertEquals("16384", RedisServer.parseInfo((String) masters.get(0).call("CLUSTER", "INFO"))
                .get("cluster_slots_assigned"));
        assertEquals(6, cluster.hosts().split(",").length);
    }

    @Test
    @Order(2)
    void aShardChannelIsSubscribedOnlyOnTheMasterOwningItsSlot() {
        String channel = "rc:{harness-room}";
        RedisServer owner = cluster.masterOfSlot(cluster.slotOf(channel));
        try (RespClient subscriber = owner.client()) {
            subscriber.send("SSUBSCRIBE", channel);
            assertEquals(List.of("ssubscribe", channel, 1L), subscriber.read());
            assertEquals(1, cluster.shardNumSub(channel));
            for (RedisServer other : cluster.masters()) {
                if (other.port() != owner.port()) {
                    assertEquals(0L, ((List<?>) other.call("PUBSUB", "SHARDNUMSUB", channel)).get(1),
                            other + " does not carry the channel");
                    RespClient.ServerError moved = assertThrows(RespClient.ServerError.class,
                            () -> other.call("SPUBLISH", channel, "x"));
                    assertEquals("MOVED", moved.code());
                }
            }
            assertEquals(1L, owner.call("SPUBLISH", channel, "hello"));
            assertEquals(List.of("smessage", channel, "hello"), subscriber.read());
        }
    }

    @Test
    @Order(3)
    void aMigratedSlotTakesItsKeysAndUnsubscribesItsShardChannels() {
        String channel = "rc:{harness-moving}";
        String key = "rc:{harness-moving}:stream";
        int slot = cluster.slotOf(key);
        assertEquals(slot, cluster.slotOf(channel), "a room's channel and keys share the hash tag's slot");
        RedisServer source = cluster.masterOfSlot(slot);
        source.call("XADD", key, "*", "b", "1");
        RedisServer target = cluster.masterOtherThan(source);
        try (RespClient subscriber = source.client()) {
            subscriber.send("SSUBSCRIBE", channel);
            assertEquals(List.of("ssubscribe", channel, 1L), subscriber.read());

            cluster.migrateSlot(slot, target);

            assertEquals(List.of("sunsubscribe", channel, 0L), subscriber.read(), "the server drops the channel");
        }
        assertEquals(target.port(), cluster.masterOfSlot(slot).port());
        assertEquals(1L, target.call("XLEN", key));
        assertEquals("MOVED", assertThrows(RespClient.ServerError.class, () -> source.call("XLEN", key)).code());
    }

    @Test
    @Order(4)
    void aKilledMasterIsReplacedByItsReplicaWithTheReplicatedData() {
        String key = "rc:{harness-failover}:epoch";
        int slot = cluster.slotOf(key);
        RedisServer master = cluster.masterOfSlot(slot);
        master.call("SET", key, "e1");
        assertEquals(1L, master.call("WAIT", "1", "5000"), "the replica acknowledged the write");

        RedisCluster.Failover failover = cluster.killMasterOfSlot(slot);

        assertNotEquals(master.port(), failover.newMaster().port());
        assertTrue(failover.elapsed().compareTo(Duration.ofSeconds(20)) < 0);
        assertEquals("e1", failover.newMaster().call("GET", key));
        assertEquals(3, cluster.masters().size(), cluster::toString);
        System.out.println("[harness] cluster failover in " + failover.elapsed().toMillis() + " ms");
    }
}
