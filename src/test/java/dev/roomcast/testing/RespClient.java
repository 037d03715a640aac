package dev.roomcast.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny blocking RESP2 client for assertions in tests ({@code PUBSUB NUMSUB}, {@code XRANGE}, {@code ROLE},
 * {@code SENTINEL ...}). Replies map to: simple/bulk string → String, integer → Long, array → List&lt;Object&gt;,
 * nil → null; an error reply throws {@link ServerError}. Not thread-safe; one connection per instance.
 * <p>
 * {@link #send} + {@link #read} also allow reading pushes after SUBSCRIBE.
 */
public final class RespClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final String address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Duration timeout;
    /** After a timed-out read the next reply on the wire belongs to the old request, so the connection is unusable. */
    private boolean broken;

    public RespClient(int port) {
        this("127.0.0.1", port, DEFAULT_TIMEOUT);
    }

    public RespClient(int port, Duration timeout) {
        this("127.0.0.1", port, timeout);
    }

    public RespClient(String host, int port, Duration timeout) {
        if (port == FreePorts.SHARED_REDIS_PORT) {
            throw new IllegalArgumentException("port 6379 is the machine's shared Redis: tests must start their own");
        }
        this.address = host + ":" + port;
        this.timeout = timeout;
        this.socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = new BufferedOutputStream(socket.getOutputStream());
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("cannot connect to redis at " + address, e);
        }
    }

    /** Opens a connection, runs one command, closes. */
    public static Object callOnce(int port, String... args) {
        try (RespClient client = new RespClient(port)) {
            return client.call(args);
        }
    }

    public Object call(String... args) {
        return call(timeout, args);
    }

    /** With a longer (or shorter) reply timeout than the default, e.g. for {@code DEBUG SLEEP 3}. */
    public Object call(Duration replyTimeout, String... args) {
        send(args);
        return read(replyTimeout);
    }

    /** Writes one command without waiting for the reply. */
    public void send(String... args) {
        checkUsable();
        try {
            out.write(encode(args));
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw new UncheckedIOException("cannot send " + describe(args) + " to " + address, e);
        }
    }

    /** Reads the next reply or push message. */
    public Object read() {
        return read(timeout);
    }

    public Object read(Duration replyTimeout) {
        checkUsable();
        try {
            socket.setSoTimeout((int) Math.max(1, replyTimeout.toMillis()));
            return readReply();
        } catch (SocketTimeoutException e) {
            broken = true;
            throw new UncheckedIOException("no reply from " + address + " within " + replyTimeout.toMillis() + " ms", e);
        } catch (IOException e) {
            broken = true;
            throw new UncheckedIOException("cannot read from " + address, e);
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void checkUsable() {
        if (broken) {
            throw new IllegalStateException("connection to " + address + " is broken by an earlier timeout or I/O error");
        }
    }

    private Object readReply() throws IOException {
        int type = in.read();
        if (type == -1) {
            throw new EOFException("connection closed by " + address);
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ServerError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length + 2); // payload + CRLF
                if (data.length < length + 2) {
                    throw new EOFException("truncated bulk string from " + address);
                }
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(readReply());
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "' from " + address);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("connection closed by " + address);
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }

    private static byte[] encode(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        writeAscii(buffer, "*" + args.length + "\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(buffer, "$" + bytes.length + "\r\n");
            buffer.writeBytes(bytes);
            writeAscii(buffer, "\r\n");
        }
        return buffer.toByteArray();
    }

    private static void writeAscii(ByteArrayOutputStream buffer, String text) {
        buffer.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String describe(String... args) {
        return args.length == 0 ? "(empty command)" : args[0];
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do in a test client
        }
    }

    /** An error reply such as {@code -ERR ...}, {@code -LOADING ...} or {@code -NOSCRIPT ...}. */
    public static final class ServerError extends RuntimeException {
        public ServerError(String message) {
            super(message);
        }

        /** The first word of the error, e.g. "ERR", "WRONGTYPE", "LOADING". */
        public String code() {
            String message = getMessage();
            int space = message.indexOf(' ');
            return space < 0 ? message : message.substring(0, space);
        }
    }
}
