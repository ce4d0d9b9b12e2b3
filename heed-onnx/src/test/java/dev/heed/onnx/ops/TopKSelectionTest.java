package dev.heed.onnx.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/** TopK's heap selection ({@link IndexOps#best}) against its reference: a full sort of every index by the same order. */
class TopKSelectionTest {
    @Test
    void heapSelectionEqualsAFullSort() {
        Random r = new Random(7);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + r.nextInt(trial < 200 ? 40 : 3000);
            float[] v = new float[n];
            int distinct = 1 + r.nextInt(n + 1);      // few distinct values: many ties
            for (int i = 0; i < n; i++) {
                v[i] = r.nextInt(distinct) - distinct / 2f;
                if (r.nextInt(50) == 0) v[i] = Float.NaN;
                if (r.nextInt(50) == 0) v[i] = r.nextBoolean() ? Float.POSITIVE_INFINITY : -0f;
            }
            boolean largest = r.nextBoolean();
            IntBinaryOperator rank = (p, q) -> {
                int cmp = Float.compare(v[p], v[q]);
                if (largest) cmp = -cmp;
                return cmp != 0 ? cmp : Integer.compare(p, q);
            };
            Integer[] all = new Integer[n];
            for (int i = 0; i < n; i++) all[i] = i;
            Arrays.sort(all, rank::applyAsInt);
            for (int k : new int[] {0, 1, Math.min(n, 3), n / 2, n}) {
                int[] got = new int[k];
                IndexOps.best(n, k, rank, got);
                int[] want = new int[k];
                for (int j = 0; j < k; j++) want[j] = all[j];
                assertArrayEquals(want, got, "n=" + n + " k=" + k + " largest=" + largest);
            }
        }
    }
}
