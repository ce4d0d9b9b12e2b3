package dev.heed.server;

import java.util.Arrays;

/**
 * Which waiting inputs make the next model run. A run costs its padded tokens (inputs × longest) plus a fixed
 * overhead, so the waiting inputs are sorted by length (older first among equals), as {@code TextEncoder.embedAll}
 * sorts them, and split into consecutive runs of least total cost by dynamic programming over the sorted order, each run
 * within the size and token limits (one input alone always fits). The run holding the oldest input goes next, so
 * nothing starves; the others wait for the next free runner, when later arrivals may join them.
 *
 * <pre>{@code
 * int[] next = BatchPlanner.next(new int[] {12, 40, 11, 13}, 64, 16384, 24);   // {2, 0, 3}: the short ones
 * }</pre>
 *
 * Cost: O(n log n + n · maxBatchSize) for n waiting inputs.
 */
final class BatchPlanner {
    private BatchPlanner() {}

    /**
     * The next run.
     *
     * @param lengths        the waiting inputs' token counts, oldest first (index 0 is the oldest)
     * @param maxBatchSize   inputs per run, ≥ 1
     * @param maxBatchTokens padded tokens per run, ≥ 1 (a single longer input still runs alone)
     * @param overhead       what a run costs beyond its padded tokens, in tokens, ≥ 0
     * @return indices into {@code lengths} of the run holding index 0, shortest first; never empty when
     *         {@code lengths} is not
     */
    static int[] next(int[] lengths, int maxBatchSize, long maxBatchTokens, int overhead) {
        int n = lengths.length;
        if (n == 0) return new int[0];
        long[] keys = new long[n];                    // length << 32 | arrival position: sorts by length, then age
        for (int i = 0; i < n; i++) keys[i] = ((long) lengths[i] << 32) | i;
        Arrays.sort(keys);
        long[] best = new long[n + 1];                // best[j]: least cost of the first j sorted inputs
        int[] cut = new int[n + 1];                   // cut[j]: where the last run of that split starts
        for (int j = 1; j <= n; j++) {
            best[j] = Long.MAX_VALUE;
            long longest = keys[j - 1] >>> 32;
            for (int i = j - 1; i >= 0 && j - i <= maxBatchSize; i--) {
                long padded = longest * (j - i);
                if (j - i > 1 && padded > maxBatchTokens) break;      // a run reaching further back only pads more
                long c = best[i] + overhead + padded;
                if (c < best[j]) {
                    best[j] = c;
                    cut[j] = i;
                }
            }
        }
        int oldest = 0;
        while ((int) keys[oldest] != 0) oldest++;
        int to = n, from = cut[n];
        while (from > oldest) {
            to = from;
            from = cut[to];
        }
        int[] run = new int[to - from];
        for (int k = from; k < to; k++) run[k - from] = (int) keys[k];
        return run;
    }
}
