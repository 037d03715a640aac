package dev.roomcast.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under any server that writes one message per recipient: the CPU that a bare non-blocking
 * {@code write(2)} of one small WebSocket-sized frame to a loopback TCP socket costs on this machine, with
 * nothing else around it (no framework, no fan-out logic, no JSON). One thread writes the standard
 * scenario's pattern (every 1/RATE s, one frame to each of the SUBS/ROOMS subscribers of the next room),
 * another reads everything; both threads' CPU time (user + system, which includes the kernel's loopback
 * TCP processing charged to the writer) is divided by the frames written.
 *
 * <pre>java -cp bench/target/roomcast-bench.jar dev.roomcast.bench.WriteFloor [subs] [rooms] [publishes/s] [seconds] [bytes]</pre>
 */
public final class WriteFloor {

    public static void main(String[] args) throws Exception {
        int subs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rooms = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int frameBytes = args.length > 4 ? Integer.parseInt(args[4]) : 170;

        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
        List<SocketChannel> clients = new ArrayList<>();
        List<SocketChannel> accepted = new ArrayList<>();
        for (int i = 0; i < subs; i++) {
            SocketChannel c = SocketChannel.open(server.getLocalAddress());
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SocketChannel a = server.accept();
            a.setOption(StandardSocketOptions.TCP_NODELAY, true);
            a.configureBlocking(false);
            c.configureBlocking(false);
            clients.add(c);
            accepted.add(a);
        }

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong readerCpuNanos = new AtomicLong();
        AtomicLong bytesRead = new AtomicLong();
        Thread reader = new Thread(() -> readAll(clients, running, bytesRead, readerCpuNanos, threads), "floor-reader");
        reader.start();

        ByteBuffer frame = ByteBuffer.allocateDirect(frameBytes);
        frame.put((byte) 0x81).put((byte) 126).putShort((short) (frameBytes - 4));
        while (frame.hasRemaining()) {
            frame.put((byte) 'x');
        }
        frame.flip();

        int perRoom = subs / rooms;
        long periodNanos = 1_000_000_000L / rate;
        long writes = 0;
        long partial = 0;
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long next = start;
        int room = 0;
        while (System.nanoTime() - start < seconds * 1_000_000_000L) {
            long now = System.nanoTime();
            if (now < next) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                continue;
            }
            next += periodNanos;
            for (int i = room * perRoom; i < (room + 1) * perRoom; i++) {
                ByteBuffer b = frame.duplicate();
                accepted.get(i).write(b);
                if (b.hasRemaining()) {
                    partial++; // the reader fell behind; the floor run is then not clean
                }
                writes++;
            }
            room = (room + 1) % rooms;
        }
        long writerCpu = threads.getCurrentThreadCpuTime() - cpuStart;
        long elapsed = System.nanoTime() - start;
        running.set(false);
        reader.join();

        System.out.printf("writes                 %d (%.0f/s), %d partial%n", writes, writes * 1e9 / elapsed, partial);
        System.out.printf("writer CPU per write   %.2f µs (user+sys of the writing thread)%n", writerCpu / 1e3 / writes);
        System.out.printf("reader CPU per frame   %.2f µs (%d bytes read)%n", readerCpuNanos.get() / 1e3 / writes,
                bytesRead.get());
        for (SocketChannel c : clients) {
            c.close();
        }
        for (SocketChannel a : accepted) {
            a.close();
        }
        server.close();
    }

    private static void readAll(List<SocketChannel> clients, AtomicBoolean running, AtomicLong bytesRead,
            AtomicLong cpuNanos, ThreadMXBean threads) {
        long cpuStart = threads.getCurrentThreadCpuTime();
        try (Selector selector = Selector.open()) {
            for (SocketChannel c : clients) {
                c.register(selector, SelectionKey.OP_READ);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (running.get()) {
                if (selector.select(100) == 0) {
                    continue;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    buf.clear();
                    int n = ((SocketChannel) key.channel()).read(buf);
                    if (n > 0) {
                        bytesRead.addAndGet(n);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            cpuNanos.set(threads.getCurrentThreadCpuTime() - cpuStart);
        }
    }
}
