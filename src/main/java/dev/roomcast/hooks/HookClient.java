package dev.roomcast.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.http.TimedPost;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One hook's HTTP calls: POST of a JSON body, the JSON object answered with 2xx back. Never waits past the
 * timeout, never has more than {@code maxConcurrency} calls out, and fails at once while its breaker is open.
 * Every call ends in one {@link Outcome}, timed in {@code roomcast.hook.duration{hook,outcome}}.
 */
final class HookClient {

    /** How a call ended; the bounded label set of the hook metrics. */
    enum Outcome {
        allowed, refused, replaced, timeout, error, invalid, busy, breaker_open
    }

    /** A call that did not yield a decision; {@link #outcome} says why. */
    static final class HookFailure extends RuntimeException {
        final Outcome outcome;

        HookFailure(Outcome outcome, String message) {
            super(message, null, false, false);
            this.outcome = outcome;
        }
    }

    /** Bodies larger than this are garbage, not a decision. */
    static final int MAX_RESPONSE_BYTES = 256 * 1024;

    private final String name;
    private final String url;
    private final HttpClient http;
    private final Vertx vertx;
    private final ObjectMapper json;
    private final long timeoutMillis;
    private final int maxConcurrency;
    private final String authorization;
    private final CircuitBreaker breaker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Outcome, Timer> timers = new EnumMap<>(Outcome.class);

    HookClient(String name, String url, HttpClient http, Vertx vertx, ObjectMapper json, HooksConfig config,
            MeterRegistry registry) {
        this.name = name;
        this.url = url;
        this.http = http;
        this.vertx = vertx;
        this.json = json;
        this.timeoutMillis = Math.max(1, config.timeout().toMillis());
        this.maxConcurrency = config.maxConcurrency();
        this.authorization = config.apiKey().map(k -> "Bearer " + k).orElse(null);
        this.breaker = new CircuitBreaker(config.breaker().failures(), config.breaker().openFor().toNanos(), System::nanoTime);
        for (Outcome o : Outcome.values()) {
            timers.put(o, Timer.builder("roomcast.hook.duration")
                    .description("Calls of a backend hook by how they ended")
                    .tag("hook", name).tag("outcome", o.name())
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(config.timeout().plusMillis(1))
                    .register(registry));
        }
        Gauge.builder("roomcast.hook.breaker.open", breaker, b -> b.isOpen() ? 1 : 0)
                .description("1 while the hook's circuit breaker is open").tag("hook", name).register(registry);
    }

    String name() {
        return name;
    }

    /**
     * Records how a call ended, and tells the breaker: a decision (allowed, refused, replaced) is a success;
     * a timeout, an error status or garbage is a failure.
     */
    private void record(long startNanos, Outcome outcome) {
        timers.get(outcome).record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        switch (outcome) {
            case allowed, refused, replaced -> breaker.succeeded();
            case timeout, error, invalid -> breaker.failed();
            case busy, breaker_open -> {
            }
        }
    }

    /** A decision read from an answer, and the outcome it is recorded as. */
    record Decided<T>(T value, Outcome outcome) {
    }

    /**
     * Reads a decision from an answer and records it: its outcome when it is one, or the {@link HookFailure}
     * (garbage) it threw, which is rethrown.
     */
    <T> T decide(long startNanos, java.util.function.Supplier<Decided<T>> decision) {
        try {
            Decided<T> decided = decision.get();
            record(startNanos, decided.outcome());
            return decided.value();
        } catch (HookFailure f) {
            record(startNanos, f.outcome);
            throw f;
        }
    }

    /**
     * POSTs {@code body}; the stage gives the JSON object answered with a 2xx or fails with a {@link HookFailure}
     * (already recorded). The caller records the decision with {@link #decide}.
     */
    CompletionStage<JsonNode> call(Object body, long startNanos) {
        if (!breaker.tryAcquire()) {
            return failed(startNanos, Outcome.breaker_open, "the breaker is open");
        }
        if (inFlight.incrementAndGet() > maxConcurrency) {
            inFlight.decrementAndGet();
            breaker.release(); // not the backend's fault; a trial call must not stay taken
            return failed(startNanos, Outcome.busy, maxConcurrency + " calls in flight");
        }
        byte[] payload;
        try {
            payload = json.writeValueAsBytes(body);
        } catch (Exception e) {
            inFlight.decrementAndGet();
            breaker.release();
            return failed(startNanos, Outcome.error, e.toString());
        }
        RequestOptions options = new RequestOptions().setAbsoluteURI(url)
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json");
        if (authorization != null) {
            options.putHeader("Authorization", authorization);
        }
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        TimedPost.send(vertx, http, options, Buffer.buffer(payload), timeoutMillis, MAX_RESPONSE_BYTES)
                .whenComplete((answer, e) -> {
                    try {
                        result.complete(decisionIn(answer, e));
                    } catch (HookFailure f) {
                        result.completeExceptionally(f);
                    }
                });
        return result.whenComplete((a, e) -> {
            inFlight.decrementAndGet();
            if (e instanceof HookFailure f) {
                record(startNanos, f.outcome);
            }
        });
    }

    /** The JSON object a 2xx answer carries, or the {@link HookFailure} saying why there is none. */
    private JsonNode decisionIn(TimedPost.Answer answer, Throwable e) {
        if (e instanceof TimedPost.TimedOut) {
            throw new HookFailure(Outcome.timeout, e.getMessage());
        }
        if (e instanceof TimedPost.AnswerTooLarge) {
            throw new HookFailure(Outcome.invalid, e.getMessage());
        }
        if (e != null) {
            throw new HookFailure(Outcome.error, e.toString());
        }
        if (!answer.isSuccess()) {
            throw new HookFailure(Outcome.error, "status " + answer.status());
        }
        JsonNode decision;
        try {
            decision = json.readTree(answer.body().getBytes());
        } catch (Exception notJson) {
            throw new HookFailure(Outcome.invalid, "answer is not JSON");
        }
        if (decision == null || !decision.isObject()) {
            throw new HookFailure(Outcome.invalid, "answer is not a JSON object");
        }
        return decision;
    }

    private CompletionStage<JsonNode> failed(long startNanos, Outcome outcome, String message) {
        timers.get(outcome).record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        return CompletableFuture.failedFuture(new HookFailure(outcome, name + " hook: " + message));
    }
}
