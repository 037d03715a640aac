package dev.roomcast.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Command-line options. {@code --name value} or {@code --name=value}; durations like 500ms, 30s, 2m, 1h. */
public final class Options {

    public enum Mode { FANOUT, CHURN, IDLE }

    public enum LatencyFrom { INTENDED, SEND }

    /** What the servers speak: roomcast's JSON frames, or Socket.IO v5 over Engine.IO v4 on a plain WebSocket. */
    public enum Protocol { ROOMCAST, SOCKETIO }

    public Mode mode = Mode.FANOUT;
    public List<URI> urls = List.of(URI.create("ws://127.0.0.1:8080/ws"));
    public int subscribers = 100;
    public int rooms = 10;
    public int roomsPerSub = 1;
    public int publishers = 1;
    public double rate = 100;
    public long durationMs = 30_000;
    public long warmupMs = 5_000;
    public long drainMs = 5_000;
    public int payloadBytes = 100;
    public double connectRate = 2000;
    public int maxConnecting = 512;
    public int maxJoining = 1000;
    public long connectTimeoutMs = 10_000;
    public long setupTimeoutMs = 120_000;
    public long joinTimeoutMs = 60_000;
    public int joinRetries = 8;
    public boolean nativeTransport = true;
    public boolean vertxFrames;
    public int eventLoops = Runtime.getRuntime().availableProcessors();
    public List<Integer> pids = List.of();
    public List<Integer> redisPids = List.of();
    /** JVMs among the servers whose per-thread allocation is read at both ends of the window (jcmd) */
    public List<Integer> allocPids = List.of();
    public String out;
    public String roomPrefix = "r";
    public String query = "";
    public String label = "";
    public int concurrency = 64;
    public long holdMs = 10_000;
    public boolean heap = true;
    public LatencyFrom latencyFrom = LatencyFrom.INTENDED;
    public boolean joinAfterWelcome;
    public boolean presenceEvents = true;
    public Protocol protocol = Protocol.ROOMCAST;
    public boolean help;

    static final String USAGE = String.join("\n",
            "usage: java -jar roomcast-bench.jar [--mode fanout|churn|idle] [options]",
            "",
            "common:",
            "  --urls U1,U2,...        WebSocket endpoints, connections spread round-robin (default ws://127.0.0.1:8080/ws)",
            "  --subscribers N         subscriber connections (fanout, idle) (default 100)",
            "  --rooms R               number of rooms r0..r<R-1> (default 10)",
            "  --rooms-per-sub M       rooms each subscriber joins, M <= R (default 1)",
            "  --connect-rate N/s      connection-open rate limit (default 2000)",
            "  --max-connecting N      connection attempts in flight at most (default 512)",
            "  --max-joining N         connections whose joins are not all answered yet, at most: paces the opens to the",
            "                          rate the servers join at instead of queueing thousands of joins (default 1000, 0 = no limit)",
            "  --connect-timeout D     per-connection handshake timeout (default 10s)",
            "  --setup-timeout D       time allowed for all connects + joins (default 120s)",
            "  --join-timeout D        a connection whose joins are not all answered by then counts as failed (default 60s)",
            "  --join-retries N        a join refused with 'unavailable' is retried N times, backoff 100ms doubling, jittered (default 8)",
            "  --no-presence-events    join with \"presence\":false: no joined/left events to the bench's connections",
            "  --join-after-welcome    send the joins only once the welcome frame arrived (default: right after the upgrade)",
            "  --vertx-frames          receive through Vert.x's frame handler instead of a Netty handler in front of it (slower)",
            "  --nio                   Java NIO instead of the native epoll transport (default: epoll when it loads)",
            "  --event-loops N         client event loops (default: number of CPUs)",
            "  --pids P1,P2            server PIDs (same order as --urls): CPU, RSS, heap",
            "  --alloc-pids P1,P2      JVM servers whose per-thread allocation counters (jcmd Thread.print -e) are read at",
            "                          both ends of the fan-out window: bytes allocated per delivery",
            "  --redis-pid P[,P...]    redis-server PID(s), e.g. a cluster's masters: their CPU, summed, is reported too (not in the per-message figure)",
            "  --query STR             extra query string appended to every URL, e.g. token=abc",
            "  --room-prefix STR       room name prefix (default r)",
            "  --protocol roomcast|socketio  roomcast JSON frames (default; also the ws peer in bench/peers), or Socket.IO v5",
            "                          over Engine.IO v4 on a WebSocket (events join/publish/message, join acked; URL path",
            "                          e.g. /socket.io/, EIO=4&transport=websocket is added)",
            "  --label STR             free text copied into the report",
            "  --out FILE              also write the JSON result to FILE",
            "fanout (default mode):",
            "  --publishers P          publisher connections (default 1)",
            "  --rate N                total publishes per second over all publishers (default 100)",
            "  --warmup D              publishing before the measurement window (default 5s)",
            "  --duration D            measurement window (default 30s)",
            "  --drain D               max wait for in-flight deliveries afterwards (default 5s)",
            "  --payload-bytes N       size of the JSON 'data' object of each publish (default 100)",
            "  --latency-from intended|send  timestamp = scheduled send time (default, no coordinated omission)",
            "                          or the time the frame was actually written",
            "churn:",
            "  --duration D            how long to churn (default 30s)",
            "  --concurrency N         connect+join+close loops running in parallel (default 64)",
            "idle:",
            "  --hold D                hold the connections this long before measuring (default 10s)",
            "  --no-heap               do not force a GC (jcmd) and read heap from /q/metrics",
            "");

    public static Options parse(String... args) {
        Options o = new Options();
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (isFlag(name)) {
                value = "true";
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for --" + name);
                }
                value = args[++i];
            }
            kv.put(name, value);
        }
        for (Map.Entry<String, String> e : kv.entrySet()) {
            o.set(e.getKey(), e.getValue());
        }
        if (!o.help) {
            o.validate();
        }
        return o;
    }

    private static boolean isFlag(String name) {
        return name.equals("help") || name.equals("no-heap") || name.equals("join-after-welcome")
                || name.equals("no-presence-events") || name.equals("nio") || name.equals("vertx-frames");
    }

    private void set(String name, String v) {
        try {
            switch (name) {
                case "mode" -> mode = Mode.valueOf(v.trim().toUpperCase(Locale.ROOT));
                case "urls", "url" -> urls = parseUrls(v);
                case "subscribers", "subs" -> subscribers = posInt(v, true);
                case "rooms" -> rooms = posInt(v, false);
                case "rooms-per-sub" -> roomsPerSub = posInt(v, false);
                case "publishers" -> publishers = posInt(v, false);
                case "rate" -> rate = posDouble(v);
                case "duration" -> durationMs = duration(v);
                case "warmup" -> warmupMs = duration(v);
                case "drain" -> drainMs = duration(v);
                case "payload-bytes" -> payloadBytes = posInt(v, true);
                case "connect-rate" -> connectRate = posDouble(v);
                case "max-connecting" -> maxConnecting = posInt(v, false);
                case "max-joining" -> maxJoining = posInt(v, true);
                case "connect-timeout" -> connectTimeoutMs = duration(v);
                case "setup-timeout" -> setupTimeoutMs = duration(v);
                case "join-timeout" -> joinTimeoutMs = duration(v);
                case "join-retries" -> joinRetries = posInt(v, true);
                case "nio" -> nativeTransport = !Boolean.parseBoolean(v);
                case "vertx-frames" -> vertxFrames = Boolean.parseBoolean(v);
                case "event-loops" -> eventLoops = posInt(v, false);
                case "pids" -> pids = parsePids(v);
                case "redis-pid" -> redisPids = parsePids(v);
                case "alloc-pids" -> allocPids = parsePids(v);
                case "out" -> out = v;
                case "room-prefix" -> roomPrefix = v;
                case "query" -> query = v.startsWith("&") || v.startsWith("?") ? v.substring(1) : v;
                case "label" -> label = v;
                case "protocol" -> protocol = Protocol.valueOf(v.trim().toUpperCase(Locale.ROOT).replace(".", "").replace("-", ""));
                case "concurrency" -> concurrency = posInt(v, false);
                case "hold" -> holdMs = duration(v);
                case "no-heap" -> heap = !Boolean.parseBoolean(v);
                case "heap" -> heap = Boolean.parseBoolean(v);
                case "latency-from" -> latencyFrom = LatencyFrom.valueOf(v.trim().toUpperCase(Locale.ROOT));
                case "no-presence-events" -> presenceEvents = !Boolean.parseBoolean(v);
                case "presence-events" -> presenceEvents = Boolean.parseBoolean(v);
                case "join-after-welcome" -> joinAfterWelcome = Boolean.parseBoolean(v);
                case "help" -> help = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown option --" + name);
            }
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("unknown option")) {
                throw e;
            }
            throw new IllegalArgumentException("bad value for --" + name + ": '" + v + "'"
                    + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""), e);
        }
    }

    private void validate() {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("--urls: at least one URL");
        }
        if (roomsPerSub > rooms) {
            throw new IllegalArgumentException("--rooms-per-sub (" + roomsPerSub + ") must be <= --rooms (" + rooms + ")");
        }
        if (!pids.isEmpty() && pids.size() != urls.size() && mode == Mode.IDLE && heap) {
            throw new IllegalArgumentException("--pids must list one PID per URL (same order) for the heap figures");
        }
        if (protocol == Protocol.SOCKETIO && mode == Mode.CHURN) {
            throw new IllegalArgumentException("--mode churn speaks the roomcast protocol only");
        }
        if (durationMs <= 0) {
            throw new IllegalArgumentException("--duration must be > 0");
        }
    }

    static List<URI> parseUrls(String v) {
        List<URI> list = new ArrayList<>();
        for (String s : v.split(",")) {
            s = s.trim();
            if (s.isEmpty()) {
                continue;
            }
            URI u = URI.create(s);
            if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme())) {
                throw new IllegalArgumentException("not a ws:// or wss:// URL: " + s);
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException("no host in " + s);
            }
            list.add(u);
        }
        return List.copyOf(list);
    }

    static List<Integer> parsePids(String v) {
        List<Integer> list = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                list.add(posInt(s.trim(), false));
            }
        }
        return List.copyOf(list);
    }

    static int posInt(String v, boolean zeroOk) {
        int n = Integer.parseInt(v.trim().replace("_", ""));
        if (n < 0 || (n == 0 && !zeroOk)) {
            throw new IllegalArgumentException("must be " + (zeroOk ? ">= 0" : "> 0"));
        }
        return n;
    }

    static double posDouble(String v) {
        double d = Double.parseDouble(v.trim().replace("_", ""));
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("must be > 0");
        }
        return d;
    }

    /** Parses 250ms, 30s, 2m, 1h, or a plain number of seconds (fractions allowed). */
    static long duration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        double mult;
        if (s.endsWith("ms")) {
            mult = 1;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            mult = 1000;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            mult = 60_000;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("h")) {
            mult = 3_600_000;
            s = s.substring(0, s.length() - 1);
        } else {
            mult = 1000;
        }
        double d = Double.parseDouble(s.trim());
        if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("must be >= 0");
        }
        return Math.round(d * mult);
    }

    /** Room name of index r. */
    public String room(int r) {
        return roomPrefix + r;
    }
}
