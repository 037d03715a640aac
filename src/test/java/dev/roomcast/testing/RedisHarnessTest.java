package dev.roomcast.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Proves the harness itself: real redis-server processes on free ports, crashes, restarts, Sentinel failover. */
class RedisHarnessTest {

    @Test
    void startsOnAFreePortAndAnswersPing() {
        try (RedisServer redis = RedisServer.start()) {
            assertNotEquals(FreePorts.SHARED_REDIS_PORT, redis.port());
            assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
            assertEquals("PONG", redis.call("PING"));
            assertEquals("", redis.call("CONFIG", "GET", "save") instanceof List<?> l ? l.get(1) : null,
                    "no RDB snapshots");
            assertTrue(Files.exists(redis.logFile()), "log at " + redis.logFile());
            System.out.println("[harness] redis-server " + RedisBinary.version() + " from " + RedisBinary.path());
        }
    }

    @Test
    void kill9ThenRestartOnTheSamePort() {
        try (RedisServer redis = RedisServer.start()) {
            int port = redis.port();
            long firstPid = redis.pid();
            redis.call("SET", "k", "v");

            redis.kill9();
            assertFalse(redis.isAlive());
            assertThrows(UncheckedIOException.class, () -> redis.call("PING"), "nothing listens after kill -9");

            redis.restart();
            assertEquals(port, redis.port());
            assertNotEquals(firstPid, redis.pid());
            assertEquals("PONG", redis.call("PING"));
            assertNull(redis.call("GET", "k"), "no persistence, so the crash lost the data");
        }
    }

    @Test
    void respClientMapsReplyTypes() {
        try (RedisServer redis = RedisServer.start(); RespClient client = redis.client()) {
            assertEquals("OK", client.call("SET", "text", "héllo"));
            assertEquals("héllo", client.call("GET", "text"));
            assertEquals(1L, client.call("INCR", "n"));
            assertNull(client.call("GET", "missing"));
            client.call("XADD", "rc:{r}:stream", "*", "data", "1");
            List<?> entries = assertInstanceOf(List.class, client.call("XRANGE", "rc:{r}:stream", "-", "+"));
            assertEquals(1, entries.size());
            assertEquals("OK", client.call(Duration.ofSeconds(2), "DEBUG", "SLEEP", "0"));
            RespClient.ServerError error = assertThrows(RespClient.ServerError.class, () -> client.call("NOSUCHCOMMAND"));
            assertEquals("ERR", error.code());
            assertEquals("PONG", client.call("PING"), "an error reply leaves the connection usable");
        }
        assertThrows(IllegalArgumentException.class, () -> new RespClient(FreePorts.SHARED_REDIS_PORT));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void processStatsReadsProc() {
        try (RedisServer redis = RedisServer.start()) {
            ProcessStats stats = ProcessStats.of(redis.pid());
            assertTrue(stats.rssBytes() > 0, stats.toString());
            assertTrue(stats.threads() >= 1, stats.toString());
            assertFalse(stats.cpuTime().isNegative(), stats.toString());
        }
    }

    /** The fallback for machines without redis-server on PATH must work too, not only in theory. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void embeddedRedisBinaryIsExtractedAndRuns() {
        Path binary = RedisBinary.extractFromEmbeddedRedis();
        assertTrue(Files.isExecutable(binary), binary.toString());
        assertTrue(RedisBinary.versionOf(binary).matches("\\d+\\.\\d+\\.\\d+"));
        assertEquals(binary, RedisBinary.extractFromEmbeddedRedis(), "extracted once, then reused");
    }

    @Test
    void sentinelTopologyFailsOverAfterTheMasterIsKilled() {
        long started = System.nanoTime();
        try (SentinelTopology redis = SentinelTopology.start()) {
            Duration setup = Duration.ofNanos(System.nanoTime() - started);
            int oldMaster = redis.currentMasterPort();
            assertEquals(redis.initialMaster().port(), oldMaster);
            assertEquals(3, redis.sentinelHosts().split(",").length);
            assertTrue(redis.sentinelHosts().startsWith("redis://127.0.0.1:"), redis.sentinelHosts());

            redis.killMaster();
            SentinelTopology.Failover failover = redis.awaitFailover(Duration.ofSeconds(15));

            assertEquals(oldMaster, failover.oldMasterPort());
            assertNotEquals(oldMaster, failover.newMasterPort());
            assertEquals(redis.initialReplicas().get(0).port(), failover.newMasterPort());
            assertEquals(failover.newMasterPort(), redis.currentMasterPort());
            System.out.printf("[harness] sentinel topology ready in %d ms; failover %d -> %d promoted %d ms after kill -9%n",
                    setup.toMillis(), failover.oldMasterPort(), failover.newMasterPort(), failover.elapsed().toMillis());
        }
    }
}
