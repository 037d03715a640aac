package dev.roomcast.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.http.TimedPost;
import dev.roomcast.outbox.Outbox;
import dev.roomcast.outbox.OutboxEvent;
import dev.roomcast.webhooks.WebhookMetrics.RequestOutcome;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * This node's share of the deliveries: one batch at a time, on one Vert.x context, never blocking. It takes a batch
 * from the outbox, POSTs it signed, and finishes it on a 2xx; otherwise it waits (exponential backoff with jitter),
 * renews its hold on the batch — dropping what another node took over meanwhile — and tries again, until a 2xx or
 * until an event is older than the retention (dropped, counted, logged). Memory: one batch.
 */
final class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);

    private final Context context;
    private final HttpClient http;
    private final Outbox outbox;
    private final WebhookSettings settings;
    private final ObjectMapper json;
    private final WebhookMetrics metrics;
    private final Signature signature;
    private final String node;
    private final LongSupplier clock;
    private volatile boolean stopped;
    private boolean failing;

    WebhookSender(Context context, HttpClient http, Outbox outbox, WebhookSettings settings, ObjectMapper json,
            WebhookMetrics metrics, String node, LongSupplier clock) {
        this.context = context;
        this.http = http;
        this.outbox = outbox;
        this.settings = settings;
        this.json = json;
        this.metrics = metrics;
        this.signature = new Signature(settings.secret());
        this.node = node;
        this.clock = clock;
    }

    void start() {
        context.runOnContext(v -> next());
    }

    /** Takes no new batch; a request in flight ends on its own, and what it held is claimed by another node. */
    void stop() {
        stopped = true;
    }

    private void next() {
        if (stopped) {
            return;
        }
        outbox.take(settings.batchSize()).whenComplete((taken, e) -> context.runOnContext(v -> {
            if (e != null) {
                LOG.debugf("webhook outbox not readable: %s", e.toString());
                later(settings.pollInterval().toMillis() * 5, this::next);
                return;
            }
            if (taken.lost() > 0) {
                metrics.trimmed(taken.lost());
                LOG.warnf("%d webhook events were trimmed from the full outbox before delivery "
                        + "(roomcast.webhooks.outbox.max-length); they are lost", taken.lost());
            }
            if (taken.events().isEmpty()) {
                later(settings.pollInterval().toMillis(), this::next);
            } else {
                attempt(taken.events(), 0);
            }
        }));
    }

    private void attempt(List<OutboxEvent> batch, int failures) {
        if (stopped) {
            return;
        }
        long oldestAllowed = clock.getAsLong() - settings.retention().toMillis();
        List<OutboxEvent> live = new ArrayList<>(batch.size());
        List<String> expired = new ArrayList<>();
        for (OutboxEvent e : batch) {
            if (e.time() < oldestAllowed) {
                expired.add(e.id());
            } else {
                live.add(e);
            }
        }
        if (!expired.isEmpty()) {
            metrics.expired(expired.size());
            LOG.warnf("dropped %d webhook events not delivered within the retention of %s (first id %s)",
                    expired.size(), settings.retention(), expired.get(0));
            outbox.finish(expired);
        }
        if (live.isEmpty()) {
            context.runOnContext(v -> next());
            return;
        }
        long start = System.nanoTime();
        post(live).whenComplete((ended, e) -> context.runOnContext(v -> {
            RequestOutcome result = e != null ? RequestOutcome.error : ended.outcome();
            metrics.request(result, start);
            List<String> ids = live.stream().map(OutboxEvent::id).toList();
            if (result == RequestOutcome.success) {
                if (failing) {
                    failing = false;
                    LOG.infof("webhook endpoint answers again: delivered %d events", live.size());
                }
                metrics.delivered(live.size());
                outbox.finish(ids).whenComplete((x, fe) -> context.runOnContext(w -> {
                    if (fe != null) {
                        LOG.warnf("delivered webhook events not marked done (%s): they will be sent again", fe.toString());
                    }
                    next();
                }));
                return;
            }
            metrics.retried(live.size());
            long wait = backoff(failures);
            if (!failing) {
                failing = true;
                LOG.warnf("webhook request failed (%s); retrying %d events with backoff",
                        e != null ? e.toString() : ended.detail(), live.size());
            }
            later(wait, () -> outbox.renew(ids).whenComplete((held, re) -> context.runOnContext(w -> {
                attempt(re != null ? live : stillHeld(live, held), failures + 1);
            })));
        }));
    }

    private static List<OutboxEvent> stillHeld(List<OutboxEvent> batch, Set<String> held) {
        return batch.stream().filter(e -> held.contains(e.id())).toList();
    }

    /** initial × 2^failures, at most max, ±20 % so that nodes retrying at once spread out. */
    private long backoff(int failures) {
        long initial = settings.initialBackoff().toMillis();
        long max = settings.maxBackoff().toMillis();
        long base = failures >= 30 ? max : Math.min(max, initial << failures);
        long jitter = base / 5;
        return Math.max(1, base - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    }

    private void later(long millis, Runnable action) {
        if (!stopped) {
            context.owner().setTimer(Math.max(1, millis), id -> action.run());
        }
    }

    /** How a request ended, and why, for the log. */
    private record Ended(RequestOutcome outcome, String detail) {
    }

    /** One signed POST; the stage never fails: it says how the request ended. */
    private CompletionStage<Ended> post(List<OutboxEvent> events) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(WebhookBody.of(events));
        } catch (Exception e) {
            return CompletableFuture.completedFuture(new Ended(RequestOutcome.error, e.toString()));
        }
        long timestamp = clock.getAsLong() / 1000;
        RequestOptions options = new RequestOptions().setAbsoluteURI(settings.url().toString())
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "roomcast-webhooks")
                .putHeader("X-Roomcast-Node", node)
                .putHeader(Signature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .putHeader(Signature.SIGNATURE_HEADER, signature.sign(timestamp, body));
        // The answer's body means nothing: read and dropped (0 bytes kept).
        return TimedPost.send(context.owner(), http, options, Buffer.buffer(body), settings.timeout().toMillis(), 0)
                .handle((answer, e) -> {
                    if (e != null) {
                        return e instanceof TimedPost.TimedOut ? new Ended(RequestOutcome.timeout, e.getMessage())
                                : new Ended(RequestOutcome.error, e.toString());
                    }
                    return answer.isSuccess() ? new Ended(RequestOutcome.success, null)
                            : new Ended(RequestOutcome.error, "status " + answer.status());
                });
    }
}
