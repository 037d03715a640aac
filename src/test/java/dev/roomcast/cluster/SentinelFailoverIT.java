package dev.roomcast.cluster;

import dev.roomcast.testing.AppInstance;
import dev.roomcast.testing.ClusterNode;
import dev.roomcast.testing.SentinelTopology;
import dev.roomcast.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 1 master + 1 replica + 3 Sentinels, two instances in sentinel mode, steady acknowledged publishing,
 * then kill -9 of the master: delivery resumes within 5 s of the promotion, no client is disconnected,
 * and every acknowledged message reaches every member — or that member sees the epoch change.
 */
class SentinelFailoverIT {

    @Test
    void masterLossIsSurvivedWithoutSilentGaps() throws Exception {
        try (SentinelTopology redis = SentinelTopology.builder().downAfter(Duration.ofMillis(1000)).start();
             AppInstance a = ClusterNode.start("sentinel-a", redis);
             AppInstance b = ClusterNode.start("sentinel-b", redis)) {

            List<WsClient> members = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                WsClient c = WsClient.connect((i % 2 == 0 ? a : b).wsUrl("user=m" + i));
                c.join("steady");
                members.add(c);
            }
            WsClient publisherClient = WsClient.connect(b.wsUrl("user=pub"));
            publisherClient.join("steady");
            SteadyPublisher publisher = new SteadyPublisher(publisherClient, "steady", Duration.ofMillis(20));
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.ackedCount() >= 20);

            long killedAt = System.nanoTime();
            redis.killMaster();
            SentinelTopology.Failover failover = redis.awaitFailover(Duration.ofSeconds(30));
            long promotedAt = System.nanoTime();
            int ackedAtPromotion = publisher.ackedCount();
            // Delivery resumes: a message acknowledged after the promotion reaches a member on each node.
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.ackedCount() > ackedAtPromotion + 5);
            long resumedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.ackedCount() > ackedAtPromotion + 25);
            publisher.close();

            publisherClient.request("{\"type\":\"publish\",\"room\":\"steady\",\"data\":{\"s\":-1}}");
            for (WsClient m : members) {
                await().atMost(Duration.ofSeconds(10)).until(() -> Received.in(m, "steady").seqs().contains(-1));
                Received r = Received.in(m, "steady");
                boolean told = r.epochs().size() > 1;
                if (!told) {
                    assertThat(r.missing(publisher.acked)).as("silent gap at %s", m.user()).isEmpty();
                }
                assertThat(m.isClosed()).as("%s disconnected", m.user()).isFalse();
            }
            System.out.printf("sentinel failover: detect+promote %d ms after kill, delivery resumed %d ms after promotion; "
                            + "%d published, %d acknowledged, %d refused%n",
                    failover.elapsed().toMillis(), (resumedAt - promotedAt) / 1_000_000,
                    publisher.published(), publisher.ackedCount(), publisher.refused.size());
            assertThat((resumedAt - killedAt) / 1_000_000).isLessThan(failover.elapsed().toMillis() + 5_000);
            members.forEach(WsClient::close);
            publisherClient.close();
        }
    }
}
