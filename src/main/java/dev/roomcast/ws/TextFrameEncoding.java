package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;

/**
 * Encodes a server frame as a complete WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as
 * servers send them), so the same bytes can be written to every recipient without going through the
 * per-write frame encoder.
 * <p>
 * Frames that fan out (room messages, direct messages, presence events) go into direct memory once, which
 * the socket write takes as is; a reply has one recipient, so it stays on the heap. The buffer is never
 * released: the JDK frees its memory when the frame is garbage collected, so a recipient that is still
 * writing it can never see it freed.
 */
final class TextFrameEncoding {

    private static final byte FIN_TEXT = (byte) 0x81;

    private TextFrameEncoding() {
    }

    /** The shared, read-only frame; write a {@code duplicate()} of it (writes move the reader index). */
    static ByteBuf of(OutboundFrame frame) {
        return frame.encoded(TextFrameEncoding::encode);
    }

    static ByteBuf encode(OutboundFrame frame) {
        byte[] payload = frame.utf8Bytes();
        int length = payload.length;
        int headerLength = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuffer bytes = frame.kind() == OutboundFrame.Kind.REPLY
                ? ByteBuffer.allocate(headerLength + length)
                : ByteBuffer.allocateDirect(headerLength + length);
        bytes.put(FIN_TEXT);
        if (length < 126) {
            bytes.put((byte) length);
        } else if (length <= 0xFFFF) {
            bytes.put((byte) 126).putShort((short) length);
        } else {
            bytes.put((byte) 127).putLong(length);
        }
        bytes.put(payload).flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes));
    }
}
