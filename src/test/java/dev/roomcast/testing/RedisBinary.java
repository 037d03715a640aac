package dev.roomcast.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the redis-server executable for tests: the system property {@value #OVERRIDE_PROPERTY} if set,
 * else {@code redis-server} on PATH, else the binary bundled in the test-scoped embedded-redis jar
 * (extracted once per machine into java.io.tmpdir and reused).
 */
public final class RedisBinary {

    /** Points the harness at a specific binary, e.g. {@code -Droomcast.redis-server=/opt/redis-7.2/bin/redis-server}. */
    public static final String OVERRIDE_PROPERTY = "roomcast.redis-server";

    private static final String EMBEDDED_MARKER_CLASS = "redis/embedded/RedisServer.class";
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

    private static Path cachedPath;
    private static String cachedVersion;

    private RedisBinary() {
    }

    /** The executable to run, located once per JVM. */
    public static synchronized Path path() {
        if (cachedPath == null) {
            cachedPath = fromOverride().or(RedisBinary::fromPath).orElseGet(RedisBinary::extractFromEmbeddedRedis);
        }
        return cachedPath;
    }

    /** Major version of {@link #path()}: some options (e.g. enable-debug-command) only exist in Redis 7+. */
    public static int majorVersion() {
        return Integer.parseInt(version().split("\\.")[0]);
    }

    /** Version of {@link #path()}, e.g. "7.0.15". */
    public static synchronized String version() {
        if (cachedVersion == null) {
            cachedVersion = versionOf(path());
        }
        return cachedVersion;
    }

    /** {@code redis-server} on PATH, if any. */
    public static Optional<Path> fromPath() {
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return Optional.empty();
        }
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * Extracts the embedded-redis binary for this OS/architecture into java.io.tmpdir (once; later calls and
     * later test JVMs reuse it). Public so a test can prove the fallback works on a machine that has redis-server.
     */
    public static synchronized Path extractFromEmbeddedRedis() {
        URL marker = RedisBinary.class.getClassLoader().getResource(EMBEDDED_MARKER_CLASS);
        if (marker == null) {
            throw new IllegalStateException("redis-server is not on PATH and embedded-redis is not on the test classpath");
        }
        String platform = platformSuffix();
        try {
            JarURLConnection connection = (JarURLConnection) marker.openConnection();
            connection.setUseCaches(false); // our own JarFile, closed below
            try (JarFile jar = connection.getJarFile()) {
                JarEntry entry = jar.stream()
                        .filter(e -> !e.isDirectory() && e.getName().matches("redis-server-[^/]*-" + platform))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException(
                                "embedded-redis has no redis-server for " + platform + " in " + jar.getName()));
                return extract(jar, entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract redis-server from embedded-redis", e);
        }
    }

    private static Optional<Path> fromOverride() {
        String override = System.getProperty(OVERRIDE_PROPERTY, "").trim();
        if (override.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(override).toAbsolutePath();
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(OVERRIDE_PROPERTY + "=" + override + " is not an executable file");
        }
        return Optional.of(path);
    }

    private static Path extract(JarFile jar, JarEntry entry) throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"),
                "roomcast-embedded-redis-" + System.getProperty("user.name", "user")));
        Path target = dir.resolve(entry.getName());
        if (Files.isExecutable(target) && Files.size(target) == entry.getSize()) {
            return target;
        }
        // Write to a private temp file, then rename: parallel test JVMs never exec a half-written file
        // (which would fail with "Text file busy").
        Path partial = Files.createTempFile(dir, entry.getName(), ".part");
        try (InputStream in = jar.getInputStream(entry)) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** Matches the embedded-redis resource names, e.g. redis-server-6.2.6-v5-linux-amd64. */
    private static String platformSuffix() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : null;
        String archPart = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> null;
        };
        if (osPart == null || archPart == null) {
            throw new IllegalStateException("no embedded redis-server for os.name=" + os + " os.arch=" + arch);
        }
        return osPart + "-" + archPart;
    }

    /** Runs {@code <binary> --version} and returns e.g. "7.0.15". */
    public static String versionOf(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Matcher matcher = VERSION.matcher(output);
            if (!matcher.find()) {
                throw new IllegalStateException("cannot parse the version of " + binary + ": " + output);
            }
            return matcher.group(1) + "." + matcher.group(2) + "." + matcher.group(3);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + " --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
