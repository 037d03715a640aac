package dev.roomcast.ws;

import dev.roomcast.protocol.OutboundFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * Encodes a server frame as a complete WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as
 * servers send them), so the same bytes can be written to every recipient without going through the
 * per-write frame encoder.
 * <p>
 * The frame is encoded once, into direct memory the socket write takes as is, and each recipient writes a
 * {@link ByteBuf#retainedDuplicate() retained duplicate} of it: its own indices over the same bytes, holding a
 * reference until it is written. Frames up to {@link #POOLED_MAX} bytes (nearly all) go into a buffer of the
 * channel's pooled allocator, whose duplicates are recycled objects too, so a recipient costs no allocation;
 * the frame's own reference is released when the {@link OutboundFrame} is garbage collected (a {@link Cleaner}),
 * so the memory goes back to the pool once the frame is gone and every recipient has written it. Larger frames
 * get direct memory of their own that the JDK frees when the frame is collected, as any direct buffer: a burst of
 * large frames then makes the JVM collect before it runs out of direct memory, which a pool does not.
 */
final class TextFrameEncoding {

    /** Larger frames are not pooled (see the class comment). */
    static final int POOLED_MAX = 8 * 1024;
    private static final byte FIN_TEXT = (byte) 0x81;
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "roomcast-frame-release");
        t.setDaemon(true);
        return t;
    });
    /** The encoder of the last allocator asked for: every channel of the server has the same one. */
    private static volatile Encoder last;

    private TextFrameEncoding() {
    }

    /**
     * The shared frame, encoded with {@code alloc} on first use; write a {@link ByteBuf#retainedDuplicate()} of it
     * (writes move the reader index and release what they wrote), never the buffer itself.
     */
    static ByteBuf of(OutboundFrame frame, ByteBufAllocator alloc) {
        Encoder e = last;
        if (e == null || e.alloc != alloc) {
            e = new Encoder(alloc);
            last = e;
        }
        return frame.encoded(e);
    }

    static ByteBuf encode(OutboundFrame frame, ByteBufAllocator alloc) {
        byte[] payload = frame.utf8Bytes();
        int length = payload.length;
        int headerLength = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        int size = headerLength + length;
        ByteBuf buf;
        if (size <= POOLED_MAX) {
            buf = alloc.directBuffer(size, size);
        } else {
            buf = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(size)).clear();
        }
        buf.writeByte(FIN_TEXT);
        if (length < 126) {
            buf.writeByte(length);
        } else if (length <= 0xFFFF) {
            buf.writeByte(126).writeShort(length);
        } else {
            buf.writeByte(127).writeLong(length);
        }
        buf.writeBytes(payload);
        if (size <= POOLED_MAX) {
            CLEANER.register(frame, new Release(buf));
        }
        // A wrapped JDK buffer keeps the frame's reference for good: its memory is freed with the frame.
        return buf;
    }

    private record Encoder(ByteBufAllocator alloc) implements Function<OutboundFrame, ByteBuf> {
        @Override
        public ByteBuf apply(OutboundFrame frame) {
            return encode(frame, alloc);
        }
    }

    /** Must not reference the frame, or the frame would never become unreachable. */
    private record Release(ByteBuf buf) implements Runnable {
        @Override
        public void run() {
            buf.release();
        }
    }
}
