package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;
import dev.roomcast.protocol.StreamOffset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pre-encoded frames are what a real WebSocket client decoder reads back, at every length boundary, from what
 * each recipient writes: a pooled copy of a small frame (released by the write, the shared encoding untouched), a
 * duplicate of a large one.
 */
class TextFrameEncodingTest {

    private static final ByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, TextFrameEncoding.COPIED_MAX - 4, TextFrameEncoding.COPIED_MAX - 3,
            65_535, 65_536, 300_000})
    void aClientDecoderReadsTheSameTextBackWhateverTheLength(int length) {
        String text = "é".repeat(length / 2) + "x".repeat(length % 2); // multi-byte UTF-8: lengths are in bytes
        for (OutboundFrame frame : new OutboundFrame[] {
                OutboundFrame.message(text, "room", StreamOffset.parse("1-0"), 0), OutboundFrame.reply(text) }) {
            ByteBuf shared = TextFrameEncoding.of(frame);
            boolean small = shared.readableBytes() <= TextFrameEncoding.COPIED_MAX;
            // Small: on the heap, so what a recipient writes (direct) is a copy; large: direct, shared by every recipient.
            assertThat(shared.isDirect()).as("shared encoding in direct memory").isEqualTo(!small);

            // Twice, as two recipients would; each write releases what it wrote.
            for (int recipient = 0; recipient < 2; recipient++) {
                ByteBuf written = TextFrameEncoding.forRecipient(frame, POOL);
                assertThat(written.isDirect()).as("the socket write takes it as is").isTrue();
                assertThat(decode(written)).isEqualTo(text);
                if (small) {
                    assertThat(written.refCnt()).as("back in the pool once written").isZero();
                }
            }
            assertThat(TextFrameEncoding.of(frame)).as("encoded once per frame").isSameAs(shared);
            assertThat(shared.readableBytes()).as("the shared encoding is never consumed").isEqualTo(
                    text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10));
        }
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
