package dev.roomcast.api;

import dev.roomcast.protocol.ErrorCode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The API's answer to a body over {@code quarkus.http.limits.max-body-size}: 413 with the documented
 * {@code {"error":"too_large",...}}, not the empty 413 Quarkus' HTTP layer sends before RESTEasy sees the
 * request (bodies up to that size but over {@code roomcast.limits.max-message-size} get the same error from
 * the resource).
 * <p>
 * Runs on {@code /api/*} just before Quarkus' own limit handler (order -2). A declared {@code Content-Length}
 * over the limit is refused at once, nothing read. A body without one (chunked) is read here by Vert.x'
 * {@link BodyHandler} up to the limit — RESTEasy then takes the buffered body — and refused when it goes over.
 * Either way the connection is closed after the answer: the rest of the body is not read.
 */
@ApplicationScoped
public class BodySizeLimit {

    /** Before Quarkus' max-body-size handler (order -2), after its security filters. */
    static final int ORDER = -3;

    private final long limit;

    public BodySizeLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                         MemorySize maxBodySize) {
        this.limit = maxBodySize.asLongValue();
    }

    void register(@Observes Router router) {
        BodyHandler chunked = BodyHandler.create(false).setBodyLimit(limit);
        router.route("/api/*").order(ORDER).handler(rc -> {
            HttpMethod method = rc.request().method();
            if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
                rc.next();
                return;
            }
            String length = rc.request().getHeader(HttpHeaderNames.CONTENT_LENGTH);
            if (length == null) {
                if (rc.request().headers().contains(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true)) {
                    rc.response().writeContinue(); // the body handler reads at once; RESTEasy would have asked for it
                }
                chunked.handle(rc); // fails the request with 413 when the body goes over the limit
                return;
            }
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                rc.next(); // Vert.x' HTTP codec has already refused a malformed Content-Length
                return;
            }
            if (declared > limit) {
                tooLarge(rc);
            } else {
                rc.next();
            }
        }).failureHandler(rc -> {
            if (rc.statusCode() == 413 && !rc.response().headWritten()) {
                tooLarge(rc);
            } else {
                rc.next();
            }
        });
    }

    private void tooLarge(RoutingContext rc) {
        rc.response().setStatusCode(413)
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .end(ApiError.body(ErrorCode.too_large.name(), "the body is larger than " + limit
                        + " bytes (quarkus.http.limits.max-body-size)"));
    }
}
