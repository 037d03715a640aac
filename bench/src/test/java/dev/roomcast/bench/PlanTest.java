package dev.roomcast.bench;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanTest {

    @Test
    void everyRoomGetsTheSameNumberOfSubscribers() {
        Plan p = new Plan(2000, 20, 1, 4, 2, 0, 0);
        int[] count = new int[20];
        int[] perUrl = new int[2];
        for (int i = 0; i < 2000; i++) {
            for (int r : p.subRooms(i)) {
                count[r]++;
            }
            perUrl[p.subUrl(i)]++;
        }
        for (int c : count) {
            assertEquals(100, c);
        }
        assertArrayEquals(new int[] {1000, 1000}, perUrl);
    }

    @Test
    void multipleRoomsPerSubscriberAreDistinctAndEven() {
        Plan p = new Plan(20000, 1000, 2, 1, 1, 0, 0);
        int[] count = new int[1000];
        for (int i = 0; i < 20000; i++) {
            int[] rs = p.subRooms(i);
            assertEquals(2, rs.length);
            assertTrue(rs[0] != rs[1]);
            for (int r : rs) {
                count[r]++;
            }
        }
        for (int c : count) {
            assertEquals(40, c);
        }
    }

    @Test
    void publishersJoinTheRoomsTheyPublishTo() {
        for (int[] rp : new int[][] {{20, 4}, {20, 3}, {1, 4}, {3, 6}, {7, 7}}) {
            Plan p = new Plan(10, rp[0], 1, rp[1], 1, 0, 0);
            Set<Integer> covered = new HashSet<>();
            for (long k = 0; k < 1000; k++) {
                int room = p.roomOf(k);
                int pub = p.publisherOf(k);
                boolean member = false;
                for (int r : p.pubRooms(pub)) {
                    member |= r == room;
                }
                assertTrue(member, "publisher " + pub + " must be in room " + room);
                covered.add(room);
                assertEquals(k, p.publishIndex(room, p.seqOf(k)));
            }
            assertEquals(rp[0], covered.size());
        }
        assertEquals(5, new Plan(10, 20, 1, 4, 1, 0, 0).pubRooms(1).length);
    }

    @Test
    void measuredWindowPerRoom() {
        // warm-up 1000 publishes, 6000 measured, 20 rooms -> 300 per room
        Plan p = new Plan(10, 20, 1, 4, 1, 1000, 7000);
        long total = 0;
        for (int r = 0; r < 20; r++) {
            total += p.measuredPublishes(r);
            assertEquals(300, p.measuredPublishes(r));
            long lo = p.firstMeasuredSeq(r);
            assertTrue(p.measured(r, lo));
            assertFalse(p.measured(r, lo - 1));
            assertFalse(p.measured(r, p.endMeasuredSeq(r)));
        }
        assertEquals(6000, total);
        Plan q = new Plan(10, 7, 1, 1, 1, 3, 100);
        long sum = 0;
        for (int r = 0; r < 7; r++) {
            sum += q.measuredPublishes(r);
        }
        assertEquals(97, sum);
    }
}
