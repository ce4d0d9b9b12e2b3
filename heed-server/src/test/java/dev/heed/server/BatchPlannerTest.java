package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batch planner against its definition: on small random queues, a brute force over every split of the
 * length-sorted inputs into consecutive runs finds the least total cost, and the run the planner picks must hold the
 * oldest input, respect the limits and belong to a split of that least cost.
 */
class BatchPlannerTest {

    @Test
    void examples() {
        assertArrayEquals(new int[] {0}, BatchPlanner.next(new int[] {17}, 64, 16384, 24));
        assertArrayEquals(new int[] {2, 0, 3}, BatchPlanner.next(new int[] {12, 40, 11, 13}, 64, 16384, 24));
        // the oldest is long: it goes with the other long one, the short ones wait
        assertArrayEquals(new int[] {0, 3}, BatchPlanner.next(new int[] {50, 10, 10, 50}, 64, 16384, 24));
        // like lengths: one run, up to the size limit, oldest first among equals
        assertArrayEquals(new int[] {0, 1, 2, 3}, BatchPlanner.next(new int[] {9, 9, 9, 9, 9, 9}, 4, 16384, 24));
        // the token limit cuts a run; a single input over it still runs alone
        assertEquals(2, BatchPlanner.next(new int[] {100, 100, 100}, 64, 250, 24).length);
        assertArrayEquals(new int[] {0}, BatchPlanner.next(new int[] {300, 300}, 64, 250, 24));
        // no overhead: padding is all that counts, so only equal lengths share a run
        assertArrayEquals(new int[] {0}, BatchPlanner.next(new int[] {8, 7, 9}, 64, 16384, 0));
    }

    @Test
    void pickedRunBelongsToACheapestSplit() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 3000; trial++) {
            int n = 1 + rnd.nextInt(9);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) lengths[i] = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 60);
            int maxSize = 1 + rnd.nextInt(6);
            long maxTokens = 1 + rnd.nextInt(200);
            int overhead = rnd.nextInt(40);
            int[] run = BatchPlanner.next(lengths, maxSize, maxTokens, overhead);
            String ctx = Arrays.toString(lengths) + " size<=" + maxSize + " tokens<=" + maxTokens + " overhead " + overhead
                    + " -> " + Arrays.toString(run);

            assertTrue(Arrays.stream(run).anyMatch(i -> i == 0), "holds the oldest: " + ctx);
            assertTrue(run.length <= maxSize, ctx);
            int longest = Arrays.stream(run).map(i -> lengths[i]).max().orElseThrow();
            assertTrue(run.length == 1 || (long) longest * run.length <= maxTokens, ctx);
            assertEquals(run.length, Arrays.stream(run).distinct().count(), ctx);

            // sorted order as the planner defines it: by length, then by age
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[a], lengths[b]) : Integer.compare(a, b));
            int from = -1;
            for (int k = 0; k < n; k++) if (order[k] == run[0]) from = k;
            for (int k = 0; k < run.length; k++) assertEquals(order[from + k], run[k], "a consecutive run of the sorted inputs: " + ctx);

            long cheapest = Long.MAX_VALUE, cheapestWithRun = Long.MAX_VALUE;
            for (int cuts = 0; cuts < 1 << (n - 1); cuts++) {          // bit k set: a run ends after sorted position k
                long cost = 0;
                boolean valid = true, hasRun = false;
                int start = 0;
                for (int k = 0; k < n && valid; k++) {
                    if (k == n - 1 || (cuts & (1 << k)) != 0) {
                        int size = k - start + 1;
                        long padded = (long) lengths[order[k]] * size;
                        if (size > maxSize || (size > 1 && padded > maxTokens)) valid = false;
                        cost += overhead + padded;
                        if (start == from && size == run.length) hasRun = true;
                        start = k + 1;
                    }
                }
                if (!valid) continue;
                cheapest = Math.min(cheapest, cost);
                if (hasRun) cheapestWithRun = Math.min(cheapestWithRun, cost);
            }
            assertEquals(cheapest, cheapestWithRun, "the run is part of a cheapest split: " + ctx);
        }
    }
}
