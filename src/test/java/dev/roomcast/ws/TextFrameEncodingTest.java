package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pre-encoded frames are what a real WebSocket client decoder reads back, at every length boundary, from each
 * recipient's duplicate; a pooled frame goes back to the pool once the frame is collected and every duplicate is
 * written, not before.
 */
class TextFrameEncodingTest {

    private static final ByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 300_000})
    void aClientDecoderReadsTheSameTextBackWhateverTheLength(int length) {
        String text = "é".repeat(length / 2) + "x".repeat(length % 2); // multi-byte UTF-8: lengths are in bytes
        for (OutboundFrame frame : new OutboundFrame[] {
                OutboundFrame.message(text, "room", dev.roomcast.protocol.StreamOffset.parse("1-0"), 0), OutboundFrame.reply(text) }) {
            ByteBuf shared = TextFrameEncoding.of(frame, POOL);

            // Twice from the same shared buffer, as two recipients would (each write releases its duplicate).
            assertThat(decode(shared.retainedDuplicate())).isEqualTo(text);
            assertThat(decode(shared.retainedDuplicate())).isEqualTo(text);
            assertThat(TextFrameEncoding.of(frame, POOL)).as("encoded once per frame").isSameAs(shared);
            assertThat(shared.refCnt()).as("the frame's own reference").isEqualTo(1);
        }
    }

    @Test
    void aPooledFrameIsReleasedOnceCollectedAndEveryDuplicateWritten() {
        OutboundFrame frame = OutboundFrame.message("{\"type\":\"message\"}", "room", dev.roomcast.protocol.StreamOffset.parse("1-0"), 0);
        ByteBuf shared = TextFrameEncoding.of(frame, POOL);
        ByteBuf inFlight = shared.retainedDuplicate();
        frame = null; // the frame is garbage now; a recipient still has its duplicate to write
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return shared.refCnt() == 1;
        });
        assertThat(decode(inFlight)).isEqualTo("{\"type\":\"message\"}");
        assertThat(shared.refCnt()).as("back in the pool").isZero();
    }

    private static String decode(ByteBuf wire) {
        // As a client decodes a server's frames: unmasked, any size.
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
        assertThat(client.writeInbound(wire)).isTrue();
        TextWebSocketFrame frame = client.readInbound();
        try {
            assertThat(frame.isFinalFragment()).isTrue();
            assertThat(client.<Object>readInbound()).as("exactly one frame").isNull();
            return frame.text();
        } finally {
            frame.release();
            client.finishAndReleaseAll();
        }
    }
}
