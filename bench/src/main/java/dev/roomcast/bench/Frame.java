package dev.roomcast.bench;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of one received WebSocket message in a reusable array. Each event loop owns one, so a message costs one
 * copy out of Netty's buffer and no allocation; {@link FrameScanner} then reads plain array elements instead of going
 * through {@code ByteBuf.getByte} (bounds and reference-count checks per byte).
 */
public final class Frame {
    byte[] bytes;
    int length;

    public Frame(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    /** A frame holding {@code text} (tests, rare paths). */
    public static Frame of(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        Frame f = new Frame(b.length);
        f.append(b, 0, b.length);
        return f;
    }

    void clear() {
        length = 0;
    }

    /** Appends the readable bytes of {@code buf} (a whole message, or one fragment of it). */
    void append(ByteBuf buf) {
        int n = buf.readableBytes();
        ensure(length + n);
        buf.getBytes(buf.readerIndex(), bytes, length, n);
        length += n;
    }

    void append(byte[] b, int off, int n) {
        ensure(length + n);
        System.arraycopy(b, off, bytes, length, n);
        length += n;
    }

    private void ensure(int capacity) {
        if (capacity > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
        }
    }

    public int length() {
        return length;
    }

    public byte at(int i) {
        return bytes[i];
    }

    /** Decodes a slice as UTF-8 (allocates: for rare frames only). */
    String string(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return string(0, length);
    }
}
