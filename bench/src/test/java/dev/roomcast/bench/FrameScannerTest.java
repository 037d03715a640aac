package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameScannerTest {

    static Frame b(String s) {
        return Frame.of(s);
    }

    @Test
    void types() {
        assertEquals(FrameScanner.WELCOME, FrameScanner.type(b("{\"type\":\"welcome\",\"user\":\"u\",\"connection\":\"c1\"}")));
        assertEquals(FrameScanner.ACK, FrameScanner.type(b("{\"type\":\"ack\",\"id\":\"1\",\"room\":\"r3\"}")));
        assertEquals(FrameScanner.MESSAGE, FrameScanner.type(b("{\"type\" : \"message\",\"room\":\"r3\"}")));
        assertEquals(FrameScanner.ERROR, FrameScanner.type(b("{\"code\":\"x\",\"type\":\"error\"}")));
        assertEquals(FrameScanner.DIRECT, FrameScanner.type(b("{\"type\":\"direct\"}")));
        assertEquals(FrameScanner.OTHER, FrameScanner.type(b("{\"type\":\"presence\"}")));
        assertEquals(FrameScanner.OTHER, FrameScanner.type(b("{}")));
        assertEquals(FrameScanner.OTHER, FrameScanner.type(b("{\"type\":\"mess")));
    }

    @Test
    void messageFieldsInsideData() {
        String data = Publisher.data(1_700_000_000_123_456L, 42, ",\"r\":3,\"p\":\"", "x".repeat(200), 100);
        assertEquals(100, data.getBytes(StandardCharsets.UTF_8).length);
        // extra server fields before and after, a "t" at the top level that must not be taken for ours
        String msg = "{\"type\":\"message\",\"t\":9,\"room\":\"r3\",\"from\":\"pub-1\",\"offset\":\"17-0\",\"data\":" + data
                + ",\"epoch\":\"e1\"}";
        Frame buf = b(msg);
        assertEquals(FrameScanner.MESSAGE, FrameScanner.type(buf));
        int d = FrameScanner.dataStart(buf);
        assertTrue(d > 0);
        assertEquals(1_700_000_000_123_456L, FrameScanner.longField(buf, d, FrameScanner.T));
        assertEquals(42, FrameScanner.longField(buf, d, FrameScanner.S));
        assertEquals(3, FrameScanner.longField(buf, d, FrameScanner.R));
        assertTrue(FrameScanner.roomEquals(buf, "r3".getBytes()));
        assertFalse(FrameScanner.roomEquals(buf, "r33".getBytes()));
        assertFalse(FrameScanner.roomEquals(buf, "r".getBytes()));
    }

    @Test
    void whitespaceTolerant() {
        Frame buf = b("{ \"type\": \"message\", \"room\": \"r10\", \"data\": { \"t\": 5, \"s\" :7, \"r\":10 } }");
        int d = FrameScanner.dataStart(buf);
        assertEquals(5, FrameScanner.longField(buf, d, FrameScanner.T));
        assertEquals(7, FrameScanner.longField(buf, d, FrameScanner.S));
        assertTrue(FrameScanner.roomEquals(buf, "r10".getBytes()));
    }

    @Test
    void ackIdAndErrorCode() {
        Frame ack = b("{\"type\":\"ack\",\"id\":\"12\",\"room\":\"r1\"}");
        assertEquals(12, FrameScanner.stringIntField(ack, 0, FrameScanner.ID));
        Frame err = b("{\"type\":\"error\",\"id\":\"2\",\"code\":\"rate_limited\",\"message\":\"slow \\\"down\\\"\"}");
        assertEquals("rate_limited", FrameScanner.stringField(err, FrameScanner.CODE));
        assertEquals(2, FrameScanner.stringIntField(err, 0, FrameScanner.ID));
        assertEquals(FrameScanner.MISSING, FrameScanner.stringIntField(b("{\"type\":\"error\"}"), 0, FrameScanner.ID));
    }

    @Test
    void keyTextAsValueIsSkipped() {
        Frame buf = b("{\"from\":\"data\",\"data\":{\"t\":1,\"s\":2,\"r\":0}}");
        int d = FrameScanner.dataStart(buf);
        assertEquals(1, FrameScanner.longField(buf, d, FrameScanner.T));
    }

    @Test
    void publishFrameShape() {
        Options o = Options.parse("--rooms", "20", "--publishers", "4", "--rate", "200", "--payload-bytes", "100");
        Plan plan = Plan.of(o);
        Publisher p = new Publisher(o, plan, new Conn[4], Long.MAX_VALUE);
        String f = p.frame(23, 1234567);
        assertTrue(f.startsWith("{\"type\":\"publish\",\"room\":\"r3\",\"data\":{\"t\":1234567,\"s\":1,\"r\":3,\"p\":\"xx"), f);
        assertTrue(f.endsWith("\"}}"), f);
    }
}
