package dev.roomcast.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.roomcast.outbox.OutboxEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * A request's body: {@code {"events":[…]}}, each event with only its type's fields (docs/integration.md). Written by
 * Jackson, so registered for reflection in a native image.
 */
@RegisterForReflection
record WebhookBody(List<Event> events) {

    static WebhookBody of(List<OutboxEvent> events) {
        return new WebhookBody(events.stream().map(Event::of).toList());
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Event(String id, String type, long time, String room, String user, String from, String offset, String epoch,
            @JsonRawValue String data) {

        static Event of(OutboxEvent e) {
            return new Event(e.id(), e.type().wireName(), e.time(), e.room(), e.user(), e.from(), e.offset(), e.epoch(),
                    e.data());
        }
    }
}
