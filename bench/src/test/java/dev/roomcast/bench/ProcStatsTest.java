package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcStatsTest {

    @Test
    void parsesStatWithSpacesInCommand() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 5000 0 0";
        assertEquals(1234 + 567, ProcStats.parseCpuTicks(stat));
        assertEquals(List.of(1234L, 567L), java.util.Arrays.stream(ProcStats.parseUserSystemTicks(stat)).boxed().toList());
    }

    @Test
    void readsThisProcess() {
        assertTrue(ProcStats.cpuTicks("self") >= 0);
        assertTrue(ProcStats.rssKb("self") > 0);
        assertTrue(ProcStats.clkTck() > 0);
        assertEquals(-1, ProcStats.cpuTicks("999999999"));
    }

    @Test
    void parsesStatusAndMetrics() {
        assertEquals(123456, ProcStats.parseStatusKb(List.of("Name:\tjava", "VmRSS:\t  123456 kB"), "VmRSS:"));
        String metrics = String.join("\n",
                "# TYPE jvm_memory_used_bytes gauge",
                "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1000.0",
                "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 2.5E3",
                "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 9999.0");
        assertEquals(3500.0, ServerProbe.parseHeapUsed(metrics));
        assertEquals("http://127.0.0.1:8081/q/metrics",
                ServerProbe.metricsUri(java.net.URI.create("ws://127.0.0.1:8081/ws")).toString());
    }

    @Test
    void sumsThePerThreadAllocationOfAThreadDump() {
        String dump = String.join("\n",
                "\"main\" #1 prio=5 os_prio=0 cpu=535.59ms elapsed=4.70s allocated=12909K defined_classes=1436 tid=0x1",
                "\"Reference Handler\" #2 daemon prio=10 cpu=0.23ms allocated=0B defined_classes=0 tid=0x2",
                "\"vert.x-eventloop-thread-0\" #20 prio=5 allocated=3M defined_classes=2 tid=0x3",
                "\"worker\" #21 allocated=512B tid=0x4", "\"big\" #22 allocated=2G tid=0x5");
        Map<String, Long> a = ServerProbe.parseAllocated(dump);
        assertEquals(Map.of("0x1", 12909L * 1024, "0x2", 0L, "0x3", 3L << 20, "0x4", 512L, "0x5", 2L << 30), a);
        Map<String, Long> b = new java.util.HashMap<>(a);
        b.put("0x1", a.get("0x1") + 100); // allocated 100 bytes since
        b.remove("0x5");                  // ended: not counted
        b.put("0x6", 1000L);              // started since: all of it
        assertEquals(1100L, ServerProbe.allocatedBetween(a, b));
        assertEquals(null, ServerProbe.parseAllocated("no threads here"));
        assertEquals(-1, ServerProbe.allocatedBetween(null, b));
        Map<String, Long> self = ServerProbe.threadAllocatedBytes((int) ProcessHandle.current().pid());
        assertTrue(self != null && self.values().stream().mapToLong(Long::longValue).sum() > 0, "jcmd Thread.print -e on this JVM");
    }

    @Test
    void jsonReport() {
        Report r = new Report();
        r.section("a").put("x", 1.5);
        r.section("a").put("s", "q\"uote");
        r.root.put("l", List.of(1, 2));
        r.root.put("m", Map.of("k", 2.0));
        assertEquals("{\"a\":{\"x\":1.5,\"s\":\"q\\\"uote\"},\"l\":[1,2],\"m\":{\"k\":2}}", r.json());
    }
}
