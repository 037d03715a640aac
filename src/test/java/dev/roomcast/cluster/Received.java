package dev.roomcast.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.testing.WsClient;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What a client received in a room: message sequence numbers and the epochs they came with. */
record Received(List<Integer> seqs, Set<String> epochs, Set<Boolean> recovered) {

    static Received in(WsClient client, String room) {
        List<JsonNode> messages = client.pending("message").stream()
                .filter(m -> room.equals(m.path("room").asText())).toList();
        Set<String> epochs = new LinkedHashSet<>();
        messages.forEach(m -> epochs.add(m.path("epoch").asText()));
        Set<Boolean> recovered = new LinkedHashSet<>();
        client.pending("ack").forEach(a -> {
            if (a.has("recovered")) {
                recovered.add(a.path("recovered").asBoolean());
            }
        });
        return new Received(messages.stream().map(m -> m.path("data").path("s").asInt()).toList(), epochs, recovered);
    }

    Set<Integer> distinct() {
        return new TreeSet<>(seqs);
    }

    boolean hasDuplicates() {
        return distinct().size() != seqs.size();
    }

    /** Acknowledged messages this client never received. */
    Set<Integer> missing(Set<Integer> acked) {
        Set<Integer> m = new TreeSet<>(acked);
        m.removeAll(distinct());
        return m;
    }
}
