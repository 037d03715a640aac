package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * compare.sh measures roomcast as a user runs it: its default JVM options and environment are the README's run
 * command, and the image and the chart use the same settings.
 */
class RunSettingsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void compareShRunsRoomcastWithTheReadmeSettings() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md")).replace("\\\n", " ");
        Matcher run = Pattern.compile("\\n(\\S+=\\S+ )?java ((?:-X\\S+ +)+)\\s*-Dquarkus\\.redis\\.hosts=\\S+ -jar target/quarkus-app/quarkus-run\\.jar")
                .matcher(readme);
        assertTrue(run.find(), "the README's run command with its JVM options");
        String readmeEnv = run.group(1) == null ? "" : run.group(1).trim();
        String readmeOpts = run.group(2).trim().replaceAll("\\s+", " ");

        String compare = Files.readString(ROOT.resolve("bench/compare.sh"));
        assertEquals(readmeOpts, shellDefault(compare, "ROOMCAST_JAVA_OPTS"));
        assertEquals(readmeEnv, shellDefault(compare, "ROOMCAST_ENV"));

        String docker = Files.readString(ROOT.resolve("src/main/docker/Dockerfile.jvm"));
        assertTrue(docker.contains("GC_CONTAINER_OPTIONS=\"-XX:+UseSerialGC\""), "image: Serial GC");
        assertTrue(docker.contains("MALLOC_ARENA_MAX=2"), "image: 2 malloc arenas");
        assertTrue(Pattern.compile("JAVA_OPTS_APPEND=\"[^\"]*-Xmn16m").matcher(docker).find(), "image: 16 MiB young generation");
        assertTrue(Pattern.compile("JAVA_OPTS_APPEND=\"[^\"]*-XX:TrimNativeHeapInterval=5000").matcher(docker).find(),
                "image: native memory trimmed every 5 s");
        assertTrue(readmeOpts.contains("-XX:TrimNativeHeapInterval=5000"), readmeOpts);
        assertTrue(readmeOpts.contains("-XX:+UseSerialGC") && readmeOpts.contains("-Xmn16m"), readmeOpts);
        assertTrue(readmeEnv.equals("MALLOC_ARENA_MAX=2"), readmeEnv);

        String values = Files.readString(ROOT.resolve("helm/roomcast/values.yaml"));
        assertTrue(Pattern.compile("\\n  gc: Serial\\n").matcher(values).find(), "chart: jvm.gc Serial");
        assertTrue(Pattern.compile("\\n  youngGen: 16m\\n").matcher(values).find(), "chart: jvm.youngGen 16m");
        assertTrue(Pattern.compile("\\n  mallocArenaMax: 2\\n").matcher(values).find(), "chart: jvm.mallocArenaMax 2");
        assertTrue(Pattern.compile("\\n  trimNativeHeapIntervalMs: 5000\\n").matcher(values).find(), "chart: jvm.trimNativeHeapIntervalMs 5000");
    }

    /** The default of {@code NAME=${NAME-"default"}} in a shell script. */
    private static String shellDefault(String script, String name) {
        Matcher m = Pattern.compile("\\n" + name + "=\\$\\{" + name + "-\"([^\"]*)\"}").matcher(script);
        assertTrue(m.find(), name + " default in compare.sh");
        return m.group(1);
    }
}
