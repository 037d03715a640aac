package dev.roomcast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** CPU time and memory of processes from /proc (Linux). */
public final class ProcStats {
    private static volatile long clkTck = -1;

    private ProcStats() {
    }

    /** Clock ticks per second ({@code getconf CLK_TCK}, 100 on Linux when that fails). */
    public static long clkTck() {
        long t = clkTck;
        if (t > 0) {
            return t;
        }
        t = 100;
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                String s = new String(p.getInputStream().readAllBytes()).trim();
                t = Long.parseLong(s);
            } else {
                p.destroyForcibly();
            }
        } catch (Exception ignored) {
            // keep 100
        }
        clkTck = t;
        return t;
    }

    /** utime + stime of a process in ticks ({@code /proc/<pid>/stat} fields 14 and 15), or -1. */
    public static long cpuTicks(String pid) {
        try {
            return parseCpuTicks(Files.readString(Path.of("/proc", pid, "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long parseCpuTicks(String stat) {
        long[] us = parseUserSystemTicks(stat);
        return us[0] + us[1];
    }

    /** {utime, stime} of a process in ticks, or {-1, -1}. */
    public static long[] userSystemTicks(String pid) {
        try {
            return parseUserSystemTicks(Files.readString(Path.of("/proc", pid, "stat")));
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    static long[] parseUserSystemTicks(String stat) {
        // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'
        String rest = stat.substring(stat.lastIndexOf(')') + 2);
        String[] f = rest.trim().split("\\s+");
        // rest starts at field 3 (state); utime = field 14 -> f[11], stime = field 15 -> f[12]
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    public static double cpuSeconds(long ticks) {
        return ticks < 0 ? -1 : ticks / (double) clkTck();
    }

    /** VmRSS in KiB ({@code /proc/<pid>/status}), or -1. */
    public static long rssKb(String pid) {
        try {
            return parseStatusKb(Files.readAllLines(Path.of("/proc", pid, "status")), "VmRSS:");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long parseStatusKb(List<String> lines, String key) {
        for (String l : lines) {
            if (l.startsWith(key)) {
                String[] f = l.substring(key.length()).trim().split("\\s+");
                return Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    public static boolean alive(int pid) {
        return Files.exists(Path.of("/proc", Integer.toString(pid), "stat"));
    }

    /** Machine-wide {busy, total} jiffies from the first line of /proc/stat, or null. */
    public static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                long v = Long.parseLong(f[i]);
                total += v;
                if (i == 4 || i == 5) {
                    idle += v;
                }
            }
            return new long[] {total - idle, total};
        } catch (Exception e) {
            return null;
        }
    }

    /** A CPU reading of several processes plus the whole machine at one moment. */
    public static final class Sample {
        final long nanos = System.nanoTime();
        final long[] ticks;
        /** {utime, stime} ticks of each process: user-mode work is the server's own, kernel work is mostly I/O */
        final long[][] userSystem;
        final long self;
        /** this process' {utime, stime} ticks: the load generator's own cost, split to tell syscalls from Java */
        final long[] selfUserSystem;
        final long redis;
        final long[] machine;

        public Sample(List<Integer> pids, List<Integer> redisPids) {
            ticks = new long[pids.size()];
            userSystem = new long[pids.size()][];
            for (int i = 0; i < ticks.length; i++) {
                userSystem[i] = userSystemTicks(pids.get(i).toString());
                ticks[i] = userSystem[i][0] < 0 ? -1 : userSystem[i][0] + userSystem[i][1];
            }
            selfUserSystem = userSystemTicks("self");
            self = selfUserSystem[0] < 0 ? -1 : selfUserSystem[0] + selfUserSystem[1];
            long redisTicks = redisPids.isEmpty() ? -1 : 0;
            for (int redisPid : redisPids) {
                long t = cpuTicks(Integer.toString(redisPid));
                redisTicks = t < 0 || redisTicks < 0 ? -1 : redisTicks + t;
            }
            redis = redisTicks;
            machine = machineTicks();
        }
    }
}
