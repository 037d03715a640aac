package dev.roomcast.broker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot of a shard channel, as Redis Cluster computes it (CLUSTER KEYSLOT values from a real server). */
class ShardedPubSubSlotTest {

    @Test
    void crc16OfTheWholeKeyWithoutAHashTag() {
        assertThat(ShardedPubSub.slot("foo")).isEqualTo(12182);
        assertThat(ShardedPubSub.slot("bar")).isEqualTo(5061);
        assertThat(ShardedPubSub.slot("123456789")).isEqualTo(0x31C3 % 16384);
    }

    @Test
    void onlyTheFirstNonEmptyHashTagCounts() {
        assertThat(ShardedPubSub.slot("rc:{team}")).isEqualTo(ShardedPubSub.slot("team"));
        assertThat(ShardedPubSub.slot("rc:{team}:stream")).isEqualTo(ShardedPubSub.slot("rc:{team}"));
        assertThat(ShardedPubSub.slot("rc:user:{team}")).isEqualTo(ShardedPubSub.slot("rc:{team}"));
        assertThat(ShardedPubSub.slot("a{}{b}")).as("an empty tag hashes the whole key").isEqualTo(15033);
        assertThat(ShardedPubSub.slot("x{é}")).isEqualTo(ShardedPubSub.slot("é"));
    }
}
