package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;

/**
 * Encodes a server frame as a complete WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as
 * servers send them), once per frame, so every recipient writes the same bytes without going through the
 * per-write frame encoder.
 * <p>
 * What a recipient writes depends on the size. A frame up to {@link #COPIED_MAX} bytes (nearly all chat and
 * presence traffic) is encoded on the heap and each recipient writes its own copy in a buffer of the channel's
 * pooled allocator: a recycled object whose memory the socket write takes as is and releases, so a delivery
 * allocates nothing. A derived buffer (a duplicate of one shared direct frame) would cost two objects for the
 * duplicate and the two {@code java.nio} views Netty's NIO transport makes to write it, about 110 bytes per
 * delivery, more than copying a small frame costs. A larger frame is encoded once into direct memory of its own,
 * which the JDK frees when the frame is garbage collected, and each recipient writes a {@code duplicate()} of it:
 * queued for many slow consumers it is held once, not once per recipient.
 */
final class TextFrameEncoding {

    /** Larger frames are shared, not copied (see the class comment). */
    static final int COPIED_MAX = 1024;
    private static final byte FIN_TEXT = (byte) 0x81;

    private TextFrameEncoding() {
    }

    /** The shared, read-only encoding of {@code frame}, built on first use; see {@link #forRecipient}. */
    static ByteBuf of(OutboundFrame frame) {
        return frame.encoded(TextFrameEncoding::encode);
    }

    /** What one recipient writes (and the write releases): a pooled copy of a small frame, a duplicate of a large one. */
    static ByteBuf forRecipient(OutboundFrame frame, ByteBufAllocator alloc) {
        ByteBuf shared = of(frame);
        int size = shared.readableBytes();
        if (size > COPIED_MAX) {
            return shared.duplicate();
        }
        return alloc.directBuffer(size, size).writeBytes(shared, shared.readerIndex(), size);
    }

    static ByteBuf encode(OutboundFrame frame) {
        byte[] payload = frame.utf8Bytes();
        int length = payload.length;
        int headerLength = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        int size = headerLength + length;
        ByteBuffer bytes = size <= COPIED_MAX ? ByteBuffer.allocate(size) : ByteBuffer.allocateDirect(size);
        bytes.put(FIN_TEXT);
        if (length < 126) {
            bytes.put((byte) length);
        } else if (length <= 0xFFFF) {
            bytes.put((byte) 126).putShort((short) length);
        } else {
            bytes.put((byte) 127).putLong(length);
        }
        bytes.put(payload).flip();
        // Never released: its memory (heap, or direct freed by the JDK) goes with the frame.
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes));
    }
}
