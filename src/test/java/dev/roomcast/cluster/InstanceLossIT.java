package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.RedisServer;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of one instance: its clients reconnect to the other with since/epoch and receive every
 * message published in the meantime, in order, with no duplicate.
 */
class InstanceLossIT {

    @Test
    void clientsOfAKilledInstanceRecoverOnAnother() throws Exception {
        try (RedisServer redis = RedisServer.start();
             AppInstance a = ClusterNode.start("loss-a", redis);
             AppInstance b = ClusterNode.start("loss-b", redis)) {

            List<WsClient> victims = new ArrayList<>();
            Map<String, String> lastOffset = new HashMap<>();
            String epoch = null;
            for (int i = 0; i < 5; i++) {
                WsClient c = WsClient.connect(a.wsUrl("user=v" + i));
                JsonNode ack = c.join("doc-7");
                epoch = ack.path("epoch").asText();
                victims.add(c);
            }
            WsClient publisherClient = WsClient.connect(b.wsUrl("user=editor"));
            publisherClient.join("doc-7");
            SteadyPublisher publisher = new SteadyPublisher(publisherClient, "doc-7", Duration.ofMillis(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.ackedCount() >= 30);

            a.kill9();
            for (WsClient v : victims) {
                assertThat(v.awaitClose(Duration.ofSeconds(10))).isEqualTo(1006);
            }
            List<WsClient> reconnected = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.ackedCount() >= 100); // published meanwhile
            for (WsClient v : victims) {
                List<JsonNode> got = v.pending("message");
                String since = got.isEmpty() ? null : got.get(got.size() - 1).path("offset").asText();
                WsClient again = WsClient.connect(b.wsUrl("user=" + v.user()));
                String sinceJson = since == null ? "" : ",\"since\":\"" + since + "\",\"epoch\":\"" + epoch + "\"";
                JsonNode ack = again.request("{\"type\":\"join\",\"room\":\"doc-7\"" + sinceJson + "}");
                assertThat(ack.path("recovered").asBoolean()).as("recovered for %s", v.user()).isTrue();
                reconnected.add(again);
                lastOffset.put(v.user(), since);
            }
            publisher.close();
            publisherClient.request("{\"type\":\"publish\",\"room\":\"doc-7\",\"data\":{\"s\":-1}}");
            for (int i = 0; i < victims.size(); i++) {
                WsClient again = reconnected.get(i);
                await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(again, "doc-7").seqs().contains(-1));
                List<Integer> beforeKill = seqsOf(victims.get(i));
                List<Integer> afterReconnect = Received.in(again, "doc-7").seqs().stream().filter(n -> n >= 0).toList();
                List<Integer> all = new ArrayList<>(beforeKill);
                all.addAll(afterReconnect);
                assertThat(all).as("order and no duplicate across the reconnect for %s", again.user())
                        .isSorted().doesNotHaveDuplicates();
                Set<Integer> missing = new TreeSet<>(publisher.acked);
                missing.removeAll(all);
                assertThat(missing).as("missed by %s (since %s)", again.user(), lastOffset.get(again.user())).isEmpty();
            }
            System.out.printf("instance loss: %d acknowledged, every one delivered to all %d reconnected clients%n",
                    publisher.ackedCount(), reconnected.size());
            reconnected.forEach(WsClient::close);
            publisherClient.close();
        }
    }

    private static List<Integer> seqsOf(WsClient c) {
        return c.pending("message").stream().map(m -> m.path("data").path("s").asInt()).toList();
    }
}
