package dev.roomcast.bench;

import io.vertx.core.http.WebSocket;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes at a fixed total rate from one pacing thread. Publish {@code k} is due at {@code start + k/rate}; on each
 * wake-up every publish that is due is sent (so a late wake-up is caught up, never lost or drifting), then the
 * thread parks until the next due time. The timestamp in a publish is its scheduled time by default, so a stalled
 * generator shows up as latency instead of silently lowering the rate (no coordinated omission).
 */
public final class Publisher implements Runnable {
    private final Options options;
    private final Plan plan;
    private final Conn[] publishers;
    private final String[] prefix;
    private final String[] roomPart;
    private final String suffix;
    private final String pad;
    private final long total;
    private final long hardStopNs;
    final AtomicLong sent = new AtomicLong();
    volatile long startNs;
    volatile long maxLagNs;
    volatile long backpressured;
    volatile long skipped;
    volatile Throwable failure;

    Publisher(Options options, Plan plan, Conn[] publishers, long hardStopNs) {
        this.options = options;
        this.plan = plan;
        this.publishers = publishers;
        this.total = plan.endMeasured;
        this.hardStopNs = hardStopNs;
        this.prefix = new String[plan.rooms];
        this.roomPart = new String[plan.rooms];
        for (int r = 0; r < plan.rooms; r++) {
            prefix[r] = options.protocol == Options.Protocol.SOCKETIO
                    ? "42[\"publish\",{\"room\":\"" + options.room(r) + "\",\"data\":"
                    : "{\"type\":\"publish\",\"room\":\"" + options.room(r) + "\",\"data\":";
            roomPart[r] = ",\"r\":" + r + ",\"p\":\"";
        }
        this.suffix = options.protocol == Options.Protocol.SOCKETIO ? "}]" : "}";
        this.pad = "x".repeat(Math.max(0, options.payloadBytes));
    }

    /** The {@code data} object: {"t":micros,"s":seq,"r":room,"p":"xxx"} padded to {@code --payload-bytes}. */
    static String data(long t, long s, String roomPart, String pad, int payloadBytes) {
        StringBuilder sb = new StringBuilder(payloadBytes + 64);
        sb.append("{\"t\":").append(t).append(",\"s\":").append(s).append(roomPart);
        int fixed = sb.length() + 2; // closing "}
        int n = Math.max(0, Math.min(pad.length(), payloadBytes - fixed));
        sb.append(pad, 0, n).append("\"}");
        return sb.toString();
    }

    String frame(long k, long tMicros) {
        int r = plan.roomOf(k);
        return prefix[r] + data(tMicros, plan.seqOf(k), roomPart[r], pad, options.payloadBytes) + suffix;
    }

    @Override
    public void run() {
        try {
            double intervalNs = 1e9 / options.rate;
            long start = System.nanoTime();
            startNs = start;
            long k = 0;
            while (k < total) {
                long now = System.nanoTime();
                if (now >= hardStopNs) {
                    skipped = total - k;
                    break;
                }
                long due = Math.min(total, (long) ((now - start) / intervalNs) + 1);
                while (k < due) {
                    long intended = start + (long) (k * intervalNs);
                    long lag = now - intended;
                    if (lag > maxLagNs) {
                        maxLagNs = lag;
                    }
                    long t = options.latencyFrom == Options.LatencyFrom.INTENDED
                            ? Clock.microsAt(intended) : Clock.nowMicros();
                    Conn c = publishers[plan.publisherOf(k)];
                    WebSocket ws = c.ws;
                    if (ws == null || c.closed) {
                        skipped++;
                    } else {
                        if (ws.writeQueueFull()) {
                            backpressured++;
                        }
                        ws.writeTextMessage(frame(k, t));
                    }
                    k++;
                    sent.set(k);
                }
                if (k >= total) {
                    break;
                }
                long next = start + (long) (k * intervalNs);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }
}
