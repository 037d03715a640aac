package dev.roomcast.bench;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * roomcast load generator. See bench/README.md.
 *
 * <pre>
 * java -jar bench/target/roomcast-bench.jar --urls ws://127.0.0.1:8081/ws,ws://127.0.0.1:8082/ws \
 *      --subscribers 2000 --rooms 20 --publishers 4 --rate 200 --duration 30s --pids 123,456
 * </pre>
 *
 * Prints a table and, as the last line of stdout, the same result as one JSON object.
 * Exit status: 0 run completed and clean, 2 completed but not clean (see "verdict": loss, failed joins, errors...),
 * 1 run could not be done (e.g. no publisher could join), 64 bad options.
 */
public final class Bench {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("roomcast-bench: " + e.getMessage());
            System.err.println();
            System.err.print(Options.USAGE);
            System.exit(64);
            return;
        }
        if (o.help) {
            System.out.print(Options.USAGE);
            return;
        }
        for (String host : o.urls.stream().map(java.net.URI::getHost).toList()) {
            if (!isLoopback(host)) {
                System.err.println("roomcast-bench: refusing to load a non-loopback address: " + host);
                System.exit(64);
            }
        }
        Report rep = switch (o.mode) {
            case FANOUT -> FanoutRun.run(o);
            case CHURN -> ChurnRun.run(o);
            case IDLE -> IdleRun.run(o);
        };
        rep.print(System.out);
        String json = rep.json();
        System.out.println(json);
        rep.writeTo(o.out);
        Object verdict = rep.root.get("verdict");
        System.exit(rep.root.containsKey("error") ? 1 : verdict != null && !"clean".equals(verdict) ? 2 : 0);
    }

    /** This tool only ever loads servers on this machine. */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }

    static void log(String fmt, Object... args) {
        System.err.println("[bench " + LocalTime.now().format(TS) + "] " + String.format(java.util.Locale.ROOT, fmt, args));
    }
}
