package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Joins with since/epoch against Redis history bounded to 5 messages. */
class RecoveryEdgeCasesIT {

    static RedisServer redis;
    static AppInstance node;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        node = AppInstance.builder().name("edge").config("quarkus.redis.hosts", redis.uri())
                .config("roomcast.history.size", "5").start();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
        if (redis != null) redis.close();
    }

    /** Publishes n messages and returns the offsets, oldest first, plus the epoch at the end. */
    static List<String> publish(WsClient c, String room, int n) {
        List<String> offsets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            c.request("{\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":{\"s\":" + i + "}}");
            offsets.add(c.awaitType("message").path("offset").asText());
        }
        return offsets;
    }

    @Test
    void recoveryWithinTheHistoryReplaysExactlyWhatWasMissed() {
        try (WsClient c = WsClient.connect(node.wsUrl("user=a"))) {
            String epoch = c.join("ok").path("epoch").asText();
            List<String> offsets = publish(c, "ok", 4);
            try (WsClient again = WsClient.connect(node.wsUrl("user=a"))) {
                JsonNode ack = again.request("{\"type\":\"join\",\"room\":\"ok\",\"since\":\"" + offsets.get(1) + "\",\"epoch\":\"" + epoch + "\"}");
                assertThat(ack.path("recovered").asBoolean()).isTrue();
                assertThat(ack.path("offset").asText()).isEqualTo(offsets.get(3));
                assertThat(again.awaitType("message").path("offset").asText()).isEqualTo(offsets.get(2));
                assertThat(again.awaitType("message").path("offset").asText()).isEqualTo(offsets.get(3));
                assertThat(again.pending("message")).isEmpty();
            }
        }
    }

    @Test
    void sinceOlderThanTheHistoryIsNotRecovered() {
        try (WsClient c = WsClient.connect(node.wsUrl("user=b"))) {
            String epoch = c.join("trimmed").path("epoch").asText();
            List<String> offsets = publish(c, "trimmed", 10);
            try (WsClient again = WsClient.connect(node.wsUrl("user=b"))) {
                JsonNode ack = again.request("{\"type\":\"join\",\"room\":\"trimmed\",\"since\":\"" + offsets.get(0) + "\",\"epoch\":\"" + epoch + "\"}");
                assertThat(ack.path("type").asText()).isEqualTo("ack");
                assertThat(ack.path("recovered").asBoolean()).isFalse();
            }
        }
    }

    @Test
    void unknownEpochIsNotRecovered() {
        try (WsClient c = WsClient.connect(node.wsUrl("user=c"))) {
            c.join("epochs");
            List<String> offsets = publish(c, "epochs", 2);
            try (WsClient again = WsClient.connect(node.wsUrl("user=c"))) {
                JsonNode ack = again.request("{\"type\":\"join\",\"room\":\"epochs\",\"since\":\"" + offsets.get(0) + "\",\"epoch\":\"not-this-one\"}");
                assertThat(ack.path("recovered").asBoolean()).isFalse();
                assertThat(again.pending("message")).isEmpty();
            }
        }
    }

    @Test
    void sinceInTheFutureOrMalformedIsAnErrorAndTheConnectionStaysUsable() {
        try (WsClient c = WsClient.connect(node.wsUrl("user=d"))) {
            String epoch = c.join("future").path("epoch").asText();
            c.request("{\"type\":\"leave\",\"room\":\"future\"}");
            JsonNode future = c.request("{\"type\":\"join\",\"room\":\"future\",\"since\":\"99999999999999-0\",\"epoch\":\"" + epoch + "\"}");
            assertThat(future.path("type").asText()).isEqualTo("error");
            assertThat(future.path("code").asText()).isEqualTo("bad_request");
            for (String bad : List.of("\"abc\"", "\"1-2-3\"", "\"-5\"", "{}", "\"\"")) {
                JsonNode e = c.request("{\"type\":\"join\",\"room\":\"future\",\"since\":" + bad + ",\"epoch\":\"" + epoch + "\"}");
                assertThat(e.path("code").asText()).as("since %s", bad).isEqualTo("bad_request");
            }
            JsonNode noEpoch = c.request("{\"type\":\"join\",\"room\":\"future\",\"since\":\"1-0\"}");
            assertThat(noEpoch.path("code").asText()).isEqualTo("bad_request");
            // Nothing was joined by the refused frames, and the connection still works.
            assertThat(c.request("{\"type\":\"publish\",\"room\":\"future\",\"data\":1}").path("code").asText()).isEqualTo("not_joined");
            c.join("future");
            c.request("{\"type\":\"publish\",\"room\":\"future\",\"data\":1}");
            assertThat(c.awaitType("message").path("room").asText()).isEqualTo("future");
        }
    }
}
