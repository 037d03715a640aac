package dev.roomcast.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.hub.Hub;
import dev.roomcast.testing.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 1,000 connections in 10 rooms and 500 publishes from 5 publishers: every member receives every
 * message of its room exactly once, and each publisher's messages in the order they were sent.
 */
@QuarkusTest
class FanOutLoadTest {

    static final int MEMBERS = 1000, ROOMS = 10, PUBLISHERS = 5, PUBLISHES = 500;

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    Hub hub;

    @Test
    void everyMemberGetsEveryMessageOnceAndInOrder() {
        String base = ws.toString().replaceFirst("^http", "ws");
        List<WsClient> members = new ArrayList<>();
        List<WsClient> publishers = new ArrayList<>();
        try {
            for (int i = 0; i < MEMBERS; i++) {
                WsClient c = WsClient.connect(base + "?user=m" + i);
                c.join("load-" + (i % ROOMS));
                members.add(c);
            }
            for (int p = 0; p < PUBLISHERS; p++) {
                WsClient c = WsClient.connect(base + "?user=pub" + p);
                for (int r = 0; r < ROOMS; r++) {
                    c.join("load-" + r);
                }
                publishers.add(c);
            }
            // Publisher p sends its k-th message to room k % ROOMS, numbered k; no acks awaited.
            for (int k = 0; k < PUBLISHES / PUBLISHERS; k++) {
                for (int p = 0; p < PUBLISHERS; p++) {
                    publishers.get(p).send("{\"type\":\"publish\",\"room\":\"load-" + (k % ROOMS)
                            + "\",\"data\":{\"p\":" + p + ",\"k\":" + k + "}}");
                }
            }
            int perRoom = PUBLISHES / ROOMS;
            for (int i = 0; i < MEMBERS; i++) {
                WsClient c = members.get(i);
                String room = "load-" + (i % ROOMS);
                Map<Integer, Integer> lastByPublisher = new HashMap<>();
                for (int n = 0; n < perRoom; n++) {
                    JsonNode m = c.awaitType("message");
                    assertThat(m.path("room").asText()).isEqualTo(room);
                    int p = m.path("data").path("p").asInt(), k = m.path("data").path("k").asInt();
                    Integer last = lastByPublisher.put(p, k);
                    assertThat(last == null || k > last).as("publisher %d order at member %d: %d after %s", p, i, k, last).isTrue();
                }
                // Exactly once: the marker published below is the next message, nothing is left over.
            }
            publishers.get(0).request("{\"type\":\"publish\",\"room\":\"load-0\",\"data\":\"end\"}");
            for (int i = 0; i < MEMBERS; i += ROOMS) {
                assertThat(members.get(i).awaitType("message").path("data").asText()).isEqualTo("end");
                assertThat(members.get(i).pending("message")).isEmpty();
            }
            for (int i = 1; i < MEMBERS; i++) {
                if (i % ROOMS != 0) {
                    assertThat(members.get(i).pending("message")).isEmpty();
                }
            }
        } finally {
            members.forEach(WsClient::close);
            publishers.forEach(WsClient::close);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> hub.connectionCount() == 0 && hub.roomCount() == 0);
    }
}
