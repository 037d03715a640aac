package dev.roomcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * One real redis-server process (a data node or a Sentinel) on a free port of 127.0.0.1, with no persistence
 * and its own temp dir. Its output goes to {@code target/test-redis/<name>-<port>.log}, appended across restarts.
 * <pre>
 * try (RedisServer redis = RedisServer.start()) {
 *     String uri = redis.uri();             // redis://127.0.0.1:P
 *     redis.call("PUBSUB", "NUMSUB", "rc:{r1}");
 * }
 * </pre>
 */
public final class RedisServer implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 5;

    private final String name;
    private final Path dir;
    private final IntFunction<List<String>> argumentsForPort;
    private int port;
    private Path logFile;
    private long logOffset;
    private Process process;
    private boolean closed;

    private RedisServer(String name, Path dir, IntFunction<List<String>> argumentsForPort) {
        this.name = name;
        this.dir = dir;
        this.argumentsForPort = argumentsForPort;
    }

    /** A standalone server named "redis"; extra args are appended, e.g. {@code "--replicaof", "127.0.0.1", "6400"}. */
    public static RedisServer start(String... extraArgs) {
        return startNamed("redis", extraArgs);
    }

    /** Like {@link #start(String...)}; the name appears in the log file name. */
    public static RedisServer startNamed(String name, String... extraArgs) {
        Path dir = createTempDir(name);
        List<String> extra = List.of(extraArgs);
        RedisServer server = new RedisServer(name, dir, port -> {
            List<String> args = new ArrayList<>(List.of(
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", dir.toString(),
                    // A replica's first sync otherwise waits 5 s for more replicas to join the diskless transfer.
                    "--repl-diskless-sync-delay", "0"));
            if (RedisBinary.majorVersion() >= 7) {
                // Redis 7 refuses DEBUG (used for DEBUG SLEEP in tests) unless enabled.
                args.addAll(List.of("--enable-debug-command", "yes"));
            }
            args.addAll(extra); // last, so a test can override any default
            return args;
        });
        server.launchOnFreePort();
        return server;
    }

    /**
     * A Redis Cluster node, not yet joined to anything: {@code --cluster-enabled yes} with its own
     * {@code nodes.conf} in its temp dir and a cluster bus on a second free port (not port + 10000, which may
     * be above 65535 or taken). {@code nodeTimeout} is how long a master may be unreachable before its replica
     * is promoted; every replica may be promoted however stale (validity factor 0), as in a test nothing else
     * would take over.
     */
    public static RedisServer startClusterNode(String name, Duration nodeTimeout) {
        return startNamed(name,
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis()),
                "--cluster-replica-validity-factor", "0",
                "--cluster-port", Integer.toString(FreePorts.next()));
    }

    /**
     * A Sentinel: {@code redis-server <dir>/sentinel.conf --sentinel --port P}. The config body must not set
     * the port; Sentinel rewrites the file with its state, so a {@link #restart()} keeps what it learned.
     */
    public static RedisServer startSentinel(String name, String sentinelConfig) {
        Path dir = createTempDir(name);
        Path config = dir.resolve("sentinel.conf");
        try {
            Files.writeString(config, sentinelConfig, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        RedisServer server = new RedisServer(name, dir, port -> List.of(
                config.toString(), "--sentinel",
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--dir", dir.toString()));
        server.launchOnFreePort();
        return server;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:P}, the form {@code quarkus.redis.hosts} takes. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** PID of the current process (changes on {@link #restart()}). */
    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Opens a new connection; the caller closes it. */
    public RespClient client() {
        return new RespClient(port);
    }

    /** One command on a fresh connection. */
    public Object call(String... args) {
        return RespClient.callOnce(port, args);
    }

    /** {@code INFO <section>} as a map, e.g. {@code info("replication").get("master_link_status")}. */
    public Map<String, String> info(String section) {
        return parseInfo((String) call("INFO", section));
    }

    /** SIGKILL, then waits for the process to be gone: a crash, with no chance to flush or say goodbye. */
    public synchronized void kill9() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        awaitExit();
    }

    /** Kills the server if it still runs and starts it again on the same port; returns when it answers PING. */
    public synchronized void restart() {
        kill9();
        launch(port);
        awaitPing();
    }

    /** For a replica: waits until {@code INFO replication} shows {@code master_link_status:up}. */
    public void awaitMasterLinkUp(Duration timeout) {
        Poll.until(name + " replication link up", timeout,
                () -> "up".equals(info("replication").get("master_link_status")));
    }

    /** Stops the server (SIGKILL: test data is throwaway) and deletes its temp dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kill9();
        if (process != null) {
            ProcessReaper.forget(process);
        }
        deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }

    /** Tail of this run's log, for failure messages. */
    public String logTail(int lines) {
        return TestPaths.tail(logFile, logOffset, lines);
    }

    static Map<String, String> parseInfo(String info) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    /** Another process may take the port between our probe and redis' bind; then try a fresh one. */
    private synchronized void launchOnFreePort() {
        for (int attempt = 1; ; attempt++) {
            int candidate = FreePorts.next();
            launch(candidate);
            try {
                awaitPing();
                return;
            } catch (AssertionError e) {
                boolean portTaken = !process.isAlive() && logTail(50).contains("Address already in use");
                if (!portTaken || attempt == PORT_ATTEMPTS) {
                    kill9();
                    throw e;
                }
            }
        }
    }

    private void launch(int newPort) {
        port = newPort;
        logFile = TestPaths.targetSubdir("test-redis").resolve(name + "-" + newPort + ".log");
        List<String> command = new ArrayList<>();
        command.add(RedisBinary.path().toString());
        command.addAll(argumentsForPort.apply(newPort));
        try {
            logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
            Files.writeString(logFile, "=== " + Instant.now() + " " + String.join(" ", command) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            ProcessReaper.register(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void awaitPing() {
        Process started = process;
        Poll.until(this + " to answer PING", START_TIMEOUT, () -> {
            if (!started.isAlive()) {
                throw new Poll.AbortPoll("redis-server exited with code " + started.exitValue());
            }
            try (RespClient client = new RespClient(port, Duration.ofMillis(500))) {
                return Optional.ofNullable("PONG".equals(client.call("PING")) ? Boolean.TRUE : null);
            }
        }, () -> "log " + logFile + ":\n" + logTail(30));
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(this + " did not exit within " + EXIT_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + this + " to exit", e);
        }
    }

    private static Path createTempDir(String name) {
        try {
            return Files.createTempDirectory("roomcast-" + name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for " + name, e);
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temp dir
        }
    }
}
