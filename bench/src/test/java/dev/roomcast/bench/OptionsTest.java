package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {

    @Test
    void defaults() {
        Options o = Options.parse();
        assertEquals(Options.Mode.FANOUT, o.mode);
        assertEquals(1, o.urls.size());
        assertEquals(30_000, o.durationMs);
        assertEquals(5_000, o.warmupMs);
        assertEquals(2000, o.connectRate);
    }

    @Test
    void protocolAndAllocationPids() {
        assertEquals(Options.Protocol.ROOMCAST, Options.parse().protocol);
        Options o = Options.parse("--protocol", "socket.io", "--alloc-pids", "11,12");
        assertEquals(Options.Protocol.SOCKETIO, o.protocol);
        assertEquals(List.of(11, 12), o.allocPids);
        assertEquals(Options.Protocol.SOCKETIO, Options.parse("--protocol=socketio").protocol);
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--protocol", "mqtt"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--protocol", "socketio", "--mode", "churn"));
    }

    @Test
    void standardScenario() {
        Options o = Options.parse("--urls", "ws://127.0.0.1:8081/ws,ws://127.0.0.1:8082/ws", "--subscribers", "2000",
                "--rooms", "20", "--rooms-per-sub=1", "--publishers", "4", "--rate", "200", "--duration", "30s",
                "--warmup", "5s", "--payload-bytes", "100", "--pids", "123,456", "--out", "/tmp/x.json",
                "--connect-rate", "2000");
        assertEquals(2, o.urls.size());
        assertEquals(8082, o.urls.get(1).getPort());
        assertEquals(2000, o.subscribers);
        assertEquals(20, o.rooms);
        assertEquals(4, o.publishers);
        assertEquals(200.0, o.rate);
        assertEquals(List.of(123, 456), o.pids);
        assertEquals("/tmp/x.json", o.out);
    }

    @Test
    void durations() {
        assertEquals(250, Options.duration("250ms"));
        assertEquals(30_000, Options.duration("30s"));
        assertEquals(30_000, Options.duration("30"));
        assertEquals(1_500, Options.duration("1.5s"));
        assertEquals(120_000, Options.duration("2m"));
        assertEquals(3_600_000, Options.duration("1h"));
    }

    @Test
    void modesAndFlags() {
        Options o = Options.parse("--mode", "churn", "--concurrency", "16", "--no-heap");
        assertEquals(Options.Mode.CHURN, o.mode);
        assertEquals(16, o.concurrency);
        assertFalse(o.heap);
        assertTrue(Options.parse("--help").help);
        assertEquals(Options.Mode.IDLE, Options.parse("--mode=IDLE").mode);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--nope", "1"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--rooms", "0"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--rooms", "2", "--rooms-per-sub", "3"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--urls", "http://127.0.0.1:8080/ws"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--rate"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--duration", "abc"));
        assertThrows(IllegalArgumentException.class, () -> Options.parse("stray"));
    }

    @Test
    void loopbackOnly() {
        assertTrue(Bench.isLoopback("127.0.0.1"));
        assertTrue(Bench.isLoopback("localhost"));
        assertTrue(Bench.isLoopback("[::1]"));
        assertFalse(Bench.isLoopback("10.0.0.1"));
        assertFalse(Bench.isLoopback("example.org"));
    }
}
