package dev.roomcast.bench;

/**
 * Deterministic layout of a fan-out run.
 *
 * <ul>
 *   <li>Subscriber {@code i} connects to URL {@code i % K} and joins rooms {@code (i*M + j) % R}, j &lt; M: every room
 *       gets {@code N*M/R} subscribers (±1 when it does not divide).</li>
 *   <li>Publish number {@code k} (0, 1, 2, ... at the fixed total rate) goes to room {@code k % R} with per-room
 *       sequence {@code k / R}, sent by publisher {@code k % P}. Publisher {@code p} therefore publishes to (and
 *       joins) the rooms {@code r} with {@code r % g == p % g}, {@code g = gcd(R, P)}.</li>
 *   <li>Publishes {@code k} in {@code [firstMeasured, endMeasured)} form the measurement window; the warm-up ones
 *       come before it.</li>
 * </ul>
 */
public final class Plan {
    public final int subscribers;
    public final int rooms;
    public final int roomsPerSub;
    public final int publishers;
    public final int urls;
    public final long firstMeasured;
    public final long endMeasured;

    public Plan(int subscribers, int rooms, int roomsPerSub, int publishers, int urls, long firstMeasured, long endMeasured) {
        this.subscribers = subscribers;
        this.rooms = rooms;
        this.roomsPerSub = roomsPerSub;
        this.publishers = publishers;
        this.urls = urls;
        this.firstMeasured = firstMeasured;
        this.endMeasured = endMeasured;
    }

    public static Plan of(Options o) {
        long first = Math.round(o.rate * o.warmupMs / 1000.0);
        long end = first + Math.round(o.rate * o.durationMs / 1000.0);
        return new Plan(o.subscribers, o.rooms, o.roomsPerSub, o.publishers, o.urls.size(), first, end);
    }

    public int subUrl(int i) {
        return i % urls;
    }

    public int pubUrl(int p) {
        return p % urls;
    }

    public int[] subRooms(int i) {
        int[] r = new int[roomsPerSub];
        long base = (long) i * roomsPerSub;
        for (int j = 0; j < roomsPerSub; j++) {
            r[j] = (int) ((base + j) % rooms);
        }
        return r;
    }

    public int[] pubRooms(int p) {
        int g = gcd(rooms, publishers);
        int n = 0;
        int[] tmp = new int[rooms];
        for (int r = 0; r < rooms; r++) {
            if (r % g == p % g) {
                tmp[n++] = r;
            }
        }
        return java.util.Arrays.copyOf(tmp, n);
    }

    /** Whether each room is published to by one connection only, so that its deliveries have one defined order. */
    public boolean onePublisherPerRoom() {
        return gcd(rooms, publishers) == publishers;
    }

    public int roomOf(long k) {
        return (int) (k % rooms);
    }

    public long seqOf(long k) {
        return k / rooms;
    }

    public int publisherOf(long k) {
        return (int) (k % publishers);
    }

    public long publishIndex(int room, long seq) {
        return seq * rooms + room;
    }

    public boolean measured(int room, long seq) {
        long k = seq * rooms + room;
        return k >= firstMeasured && k < endMeasured;
    }

    /** First measured sequence number of a room (inclusive). */
    public long firstMeasuredSeq(int room) {
        return ceilDiv(firstMeasured - room, rooms);
    }

    /** End of the measured sequence numbers of a room (exclusive). */
    public long endMeasuredSeq(int room) {
        return ceilDiv(endMeasured - room, rooms);
    }

    /** Number of measured publishes into a room. */
    public long measuredPublishes(int room) {
        return Math.max(0, endMeasuredSeq(room) - firstMeasuredSeq(room));
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
