package dev.roomcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * CPU time and memory of a running process, read from {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}
 * (Linux only). For benchmarks: sample before and after a load phase and compare.
 *
 * @param cpuTime      user + system CPU time consumed so far
 * @param rssBytes     current resident set size (VmRSS)
 * @param peakRssBytes highest resident set size so far (VmHWM)
 * @param threads      number of threads
 */
public record ProcessStats(long pid, Duration cpuTime, long rssBytes, long peakRssBytes, int threads) {

    private static final long CLOCK_TICKS_PER_SECOND = clockTicksPerSecond();

    public static ProcessStats of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime (14), stime (15)
            Duration cpu = Duration.ofNanos(ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND);

            String status = Files.readString(proc.resolve("status"), StandardCharsets.US_ASCII);
            return new ProcessStats(pid, cpu,
                    statusKilobytes(status, "VmRSS") * 1024,
                    statusKilobytes(status, "VmHWM") * 1024,
                    (int) statusNumber(status, "Threads"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + proc + " (is the process alive? is this Linux?)", e);
        }
    }

    /** CPU time this process used since {@code earlier}, a sample of the same process. */
    public Duration cpuSince(ProcessStats earlier) {
        return cpuTime.minus(earlier.cpuTime);
    }

    public long rssMegabytes() {
        return rssBytes / (1024 * 1024);
    }

    private static long statusKilobytes(String status, String key) {
        return statusNumber(status, key); // the kernel reports these in kB
    }

    private static long statusNumber(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key + ":")) {
                String value = line.substring(key.length() + 1).trim();
                int space = value.indexOf(' ');
                return Long.parseLong(space < 0 ? value : value.substring(0, space));
            }
        }
        return 0; // e.g. VmRSS is absent for a zombie
    }

    /** USER_HZ, almost always 100; asked once from getconf to be sure. */
    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String output = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return Long.parseLong(output);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the Linux default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
