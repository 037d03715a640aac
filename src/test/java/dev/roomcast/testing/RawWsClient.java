package dev.roomcast.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, byte for byte under the test's control: it sends what the JDK
 * client refuses to (invalid UTF-8, one huge unfragmented frame, arbitrary opcodes), reads only when
 * asked (a client that stops reading really stops: nothing drains the socket behind the test's back),
 * and checks that every text frame the server sends is valid UTF-8.
 */
public final class RawWsClient implements AutoCloseable {

    public static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
    /** Pseudo opcode of {@link #read}: the server closed the TCP connection without (more) frames. */
    public static final int EOF = -1;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Map<String, String> responseHeaders;
    private final int status;

    private RawWsClient(Socket socket, InputStream in, OutputStream out, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.status = status;
        this.responseHeaders = headers;
    }

    /** One frame (or, from {@link #readMessage}, one reassembled message) received from the server. */
    public record Frame(int opcode, byte[] payload) {

        /** The payload as text; fails the test if it is not valid UTF-8. */
        public String text() {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(payload)).toString();
            } catch (CharacterCodingException e) {
                throw new AssertionError("the server sent invalid UTF-8 (opcode " + opcode + ")");
            }
        }

        /** The status code of a close frame, 1005 when it has none. */
        public int closeCode() {
            if (opcode != CLOSE) {
                throw new IllegalStateException("not a close frame: " + opcode);
            }
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        public boolean isClose() {
            return opcode == CLOSE || opcode == EOF;
        }

        @Override
        public String toString() {
            return switch (opcode) {
                case TEXT -> "text " + abbreviate(text());
                case CLOSE -> "close " + closeCode();
                case EOF -> "EOF";
                default -> "opcode " + opcode + " (" + payload.length + " bytes)";
            };
        }

        private static String abbreviate(String s) {
            return s.length() > 200 ? s.substring(0, 200) + "…" : s;
        }
    }

    /** Connects and upgrades; {@code receiveBuffer} > 0 caps the socket's receive buffer (set before connecting). */
    public static RawWsClient connect(String wsUrl, Map<String, String> headers, int receiveBuffer) {
        URI uri = URI.create(wsUrl);
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = socket.getOutputStream();
            byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            StringBuilder req = new StringBuilder()
                    .append("GET ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            req.append("\r\n");
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String statusLine = readLine(in);
            Map<String, String> responseHeaders = new LinkedHashMap<>();
            for (String line; !(line = readLine(in)).isEmpty(); ) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    responseHeaders.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
                }
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            return new RawWsClient(socket, in, out, status, responseHeaders);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            throw new UncheckedIOException("cannot connect to " + wsUrl, e);
        }
    }

    public static RawWsClient connect(String wsUrl) {
        return connect(wsUrl, Map.of(), 0);
    }

    /** Connects, checks the upgrade succeeded and consumes the {@code welcome} frame. */
    public static RawWsClient open(String wsUrl, Map<String, String> headers, int receiveBuffer) {
        RawWsClient c = connect(wsUrl, headers, receiveBuffer);
        if (c.status != 101) {
            c.close();
            throw new AssertionError("upgrade refused with " + c.status);
        }
        Frame welcome = c.readMessage(WsClient.TIMEOUT);
        if (welcome.opcode() != TEXT || !welcome.text().contains("\"welcome\"")) {
            c.close();
            throw new AssertionError("expected welcome, got " + welcome);
        }
        return c;
    }

    public static RawWsClient open(String wsUrl) {
        return open(wsUrl, Map.of(), 0);
    }

    /** Headers of the upgrade response, names in lower case. */
    public Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    /** HTTP status of the upgrade response (101 when accepted). */
    public int status() {
        return status;
    }

    public void sendText(String text) {
        sendFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A text frame with exactly these bytes, valid UTF-8 or not. */
    public void sendTextBytes(byte[] payload) {
        sendFrame(TEXT, true, payload);
    }

    /** {@code count} copies of one final frame in a single write: they reach the server in one burst. */
    public synchronized void sendRepeated(int opcode, byte[] payload, int count) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            all.writeBytes(encode(opcode, true, payload));
        }
        write(all.toByteArray());
    }

    /** One frame, masked as a client must. */
    public synchronized void sendFrame(int opcode, boolean fin, byte[] payload) {
        write(encode(opcode, fin, payload));
    }

    /** These bytes as they are, in one write (see {@link #frame}). */
    public synchronized void sendRaw(byte[] bytes) {
        write(bytes);
    }

    /** One final frame, masked, as bytes for {@link #sendRaw}. */
    public static byte[] frame(int opcode, byte[] payload) {
        return encode(opcode, true, payload);
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("send failed", e);
        }
    }

    private static byte[] encode(int opcode, boolean fin, byte[] payload) {
        int n = payload.length;
        ByteArrayOutputStream frame = new ByteArrayOutputStream(n + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (n < 126) {
            frame.write(0x80 | n);
        } else if (n < 65536) {
            frame.write(0x80 | 126);
            frame.write(n >>> 8);
            frame.write(n);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) n >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        byte[] masked = new byte[n];
        for (int i = 0; i < n; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        frame.writeBytes(masked);
        return frame.toByteArray();
    }

    /** Sends a close frame with this code (the server answers with its own). */
    public void sendClose(int code) {
        sendFrame(CLOSE, true, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** The next frame as it is on the wire (pings are answered and skipped). */
    public Frame read(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    return new Frame(EOF, new byte[0]);
                }
                int b1 = readByte();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = (readByte() << 8) | readByte();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | readByte();
                    }
                }
                if ((b1 & 0x80) != 0) {
                    throw new AssertionError("the server masked a frame");
                }
                if ((b0 & 0x70) != 0) {
                    throw new AssertionError("RSV bits set without a negotiated extension: 0x" + Integer.toHexString(b0));
                }
                byte[] payload = in.readNBytes((int) len);
                if (payload.length != len) {
                    return new Frame(EOF, new byte[0]);
                }
                int opcode = b0 & 0x0f;
                if (opcode == PING) {
                    sendFrame(PONG, true, payload);
                    continue;
                }
                return new Frame(opcode | ((b0 & 0x80) == 0 ? 0x100 : 0), payload);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Frame(EOF, new byte[0]); // reset by the server: as good as EOF for the tests
        }
    }

    /** The next message: continuation frames reassembled; close frames and EOF as they come. */
    public Frame readMessage(Duration timeout) {
        Frame first = read(timeout);
        if (first.opcode() == EOF || (first.opcode() & 0x100) == 0) {
            return first;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(first.payload());
        while (true) {
            Frame next = read(timeout);
            if (next.opcode() == EOF || next.opcode() == CLOSE) {
                return next;
            }
            all.writeBytes(next.payload());
            if ((next.opcode() & 0x100) == 0) {
                return new Frame(first.opcode() & 0xff, all.toByteArray());
            }
        }
    }

    /** Reads messages until a close frame or EOF and returns it; the messages before it are passed to the sink. */
    public Frame readUntilClose(Duration timeout, java.util.function.Consumer<Frame> messages) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not closed within " + timeout);
            }
            Frame f = readMessage(Duration.ofNanos(left));
            if (f.isClose()) {
                return f;
            }
            messages.accept(f);
        }
    }

    public boolean isConnected() {
        return !socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        if (b < 0 && sb.length() == 0) {
            throw new EOFException("connection closed during the handshake");
        }
        return sb.toString();
    }
}
