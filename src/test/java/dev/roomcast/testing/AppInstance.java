package dev.roomcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code java -jar quarkus-run.jar}) as a separate OS process on a free HTTP port,
 * for multi-node and crash tests (failsafe, *IT). Output goes to {@code target/it-logs/<name>.log}.
 * <pre>
 * try (AppInstance node = AppInstance.builder().name("node-a")
 *         .config("quarkus.redis.hosts", redis.uri())
 *         .start()) {
 *     URI ws = node.wsUri("user=alice");
 * }
 * </pre>
 */
public final class AppInstance implements AutoCloseable {

    /** Set by failsafe in pom.xml to the runner jar of this build. */
    public static final String RUNNER_JAR_PROPERTY = "roomcast.runner.jar";
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 3;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Path logFile;
    private final int port;
    private final Process process;
    private final long logOffset;

    private AppInstance(String name, Path logFile, int port, Process process, long logOffset) {
        this.name = name;
        this.logFile = logFile;
        this.port = port;
        this.process = process;
        this.logOffset = logOffset;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:P} */
    public String httpUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code ws://127.0.0.1:P/ws?query}; a null or empty query gives {@code ws://127.0.0.1:P/ws}. */
    public String wsUrl(String query) {
        String base = "ws://127.0.0.1:" + port + "/ws";
        return query == null || query.isEmpty() ? base : base + "?" + query;
    }

    /** The body of {@code GET path} on this instance (e.g. {@code /q/metrics}); fails unless 200. */
    /** One readiness probe: true on 200, false on 503 (not ready yet), for polling after a disruption. */
    public boolean isReady() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public String get(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(httpUrl() + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + " on " + name + ": " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public URI wsUri(String query) {
        return URI.create(wsUrl(query));
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Last lines this instance wrote (earlier runs with the same name are skipped). */
    public String logTail(int lines) {
        return TestPaths.tail(logFile, logOffset, lines);
    }

    /** CPU time and RSS of the process right now. */
    public ProcessStats stats() {
        return ProcessStats.of(pid());
    }

    /** A crash: SIGKILL, no shutdown hooks; waits until the process is gone. */
    public void kill9() {
        process.destroyForcibly();
        awaitExit(GRACEFUL_STOP_TIMEOUT);
    }

    /** A graceful stop request (SIGTERM on Linux); returns at once, see {@link #awaitExit(Duration)}. */
    public void sigterm() {
        process.destroy();
    }

    /** Waits for the process to end and returns its exit code (143 = ended by SIGTERM, 137 = by SIGKILL). */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout.toMillis() + " ms; log tail:\n"
                        + logTail(40));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name + " to exit", e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited after 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        ProcessReaper.forget(process);
    }

    @Override
    public String toString() {
        return name + "@" + port + " (pid " + process.pid() + ")";
    }

    /** Options of one instance; every setter returns this builder. */
    public static final class Builder {
        private String name = "app";
        private final Map<String, String> config = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
        private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
        private int fdLimit;
        private Path jar = Path.of(System.getProperty(RUNNER_JAR_PROPERTY,
                TestPaths.target().resolve("quarkus-app/quarkus-run.jar").toString()));

        private Builder() {
            config.put("roomcast.auth.mode", "none");
        }

        /** Also the log file name: target/it-logs/&lt;name&gt;.log. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /** A config property, passed as {@code -Dkey=value} (system properties win over application.properties). */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** Leaves a key to the application's own configuration, e.g. the default {@code roomcast.auth.mode=none}. */
        public Builder unset(String key) {
            config.remove(key);
            return this;
        }

        public Builder config(Map<String, String> values) {
            config.putAll(values);
            return this;
        }

        /** A JVM option such as {@code -Xmx512m} (a later -Xmx wins over the default -Xmx256m). */
        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /** Runs the JVM with this open-file limit ({@code prlimit --nofile}), to reach it in a test. */
        public Builder fdLimit(int fdLimit) {
            this.fdLimit = fdLimit;
            return this;
        }

        public Builder readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        public Builder jar(Path jar) {
            this.jar = jar;
            return this;
        }

        /** Starts the process and returns once {@code GET /q/health/ready} answers 200. */
        public AppInstance start() {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("no runner jar at " + jar.toAbsolutePath()
                        + ": package the application first (./mvnw verify runs failsafe after package)");
            }
            if (config.containsKey("quarkus.http.port")) {
                return launch(Integer.parseInt(config.get("quarkus.http.port")));
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    return launch(FreePorts.next());
                } catch (PortTaken e) {
                    if (attempt == PORT_ATTEMPTS) {
                        throw new AssertionError(e.getMessage());
                    }
                }
            }
        }

        private AppInstance launch(int port) {
            Path logFile = TestPaths.targetSubdir("it-logs").resolve(name + ".log");
            List<String> command = new ArrayList<>();
            if (fdLimit > 0) {
                command.addAll(List.of("prlimit", "--nofile=" + fdLimit + ":" + fdLimit, "--"));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            command.add("-Dquarkus.http.port=" + port);
            config.forEach((key, value) -> {
                if (!key.equals("quarkus.http.port")) {
                    command.add("-D" + key + "=" + value);
                }
            });
            command.add("-jar");
            command.add(jar.toAbsolutePath().toString());

            Process process;
            long logOffset;
            try {
                logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
                Files.writeString(logFile, "=== " + Instant.now() + " " + String.join(" ", command) + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                process = new ProcessBuilder(command)
                        .directory(TestPaths.target().toFile()) // keeps files the app may write out of the source tree
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
                ProcessReaper.register(process);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
            AppInstance instance = new AppInstance(name, logFile, port, process, logOffset);
            try {
                instance.awaitReady(readyTimeout);
                return instance;
            } catch (AssertionError e) {
                instance.close();
                String tail = instance.logTail(60);
                if (tail.contains("Port already bound") || tail.contains("Address already in use")) {
                    throw new PortTaken(name + ": port " + port + " was taken\n" + tail);
                }
                throw e;
            }
        }
    }

    private void awaitReady(Duration timeout) {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(httpUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        Poll.until(name + " to be ready at " + ready.uri(), timeout, () -> {
            if (!process.isAlive()) {
                throw new Poll.AbortPoll("the process exited with code " + process.exitValue() + " before it was ready");
            }
            int status = HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 ? Optional.of(Boolean.TRUE) : Optional.empty();
        }, () -> "log " + logFile + " (tail):\n" + logTail(60));
    }

    /** The chosen port was grabbed by another process between our probe and Quarkus' bind. */
    private static final class PortTaken extends RuntimeException {
        PortTaken(String message) {
            super(message);
        }
    }
}
