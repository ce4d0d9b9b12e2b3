package dev.heed.viz;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttentionMapsTest {
    /** Rollout in float32 (i-k-j matmul) against the float64 reference below. */
    static final double ROLLOUT_TOLERANCE = 2e-5;

    /** Float64 reference: A' = 0.5·mean_h(A) + 0.5·I, row-normalised, R = A'_l · … · A'_0. */
    static double[][] rolloutReference(List<float[][][]> maps, int n) {
        double[][] r = null;
        for (float[][][] layer : maps) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    double m = 0;
                    for (float[][] head : layer) m += head[i][j];
                    a[i][j] = 0.5 * m / layer.length + (i == j ? 0.5 : 0);
                    s += a[i][j];
                }
                for (int j = 0; j < n; j++) a[i][j] /= s;
            }
            if (r == null) { r = a; continue; }
            double[][] next = new double[n][n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += a[i][k] * r[k][j];
                    next[i][j] = s;
                }
            r = next;
        }
        return r;
    }

    @Test
    void rolloutMatchesFloat64Reference() {
        for (int n : new int[] {1, 2, 7, 33}) {
            var raw = Synthetic.maps(4, 3, n, 11 + n);
            AttentionMaps maps = AttentionMaps.ofArrays(Synthetic.tokens(n), raw);
            double[][] ref = rolloutReference(raw, n);
            float[] got = maps.rollout();
            for (int i = 0; i < n; i++) {
                double rowSum = 0;
                for (int j = 0; j < n; j++) {
                    assertEquals(ref[i][j], got[i * n + j], ROLLOUT_TOLERANCE, "n=" + n + " [" + i + "," + j + "]");
                    rowSum += got[i * n + j];
                }
                assertEquals(1.0, rowSum, 1e-4, "rollout rows stay distributions");
            }
            List<float[]> per = maps.rolloutPerLayer();
            assertEquals(4, per.size());
            assertArrayEquals(got, per.get(3));
            double[][] ref1 = rolloutReference(raw.subList(0, 1), n);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) assertEquals(ref1[i][j], per.get(0)[i * n + j], ROLLOUT_TOLERANCE);
        }
    }

    @Test
    void averageOverHeadsAndAccessors() {
        int n = 5;
        var raw = Synthetic.maps(2, 4, n, 3);
        AttentionMaps maps = AttentionMaps.ofArrays(Synthetic.tokens(n), raw);
        assertEquals(2, maps.layers());
        assertEquals(4, maps.heads());
        assertEquals(5, maps.length());
        float[] avg = maps.averageOverHeads(1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double m = 0;
                for (int h = 0; h < 4; h++) m += raw.get(1)[h][i][j];
                assertEquals(m / 4, avg[i * n + j], 1e-6);
                assertEquals(raw.get(1)[2][i][j], maps.get(1, 2, i, j));
            }
        assertEquals(raw.get(0)[3][4][1], maps.head(0, 3)[4 * n + 1]);
    }

    @Test
    void tensorFactoriesAgreeWithArrays() {
        int layers = 3, heads = 2, n = 6;
        var raw = Synthetic.maps(layers, heads, n, 5);
        float[] flat = new float[layers * heads * n * n];
        int p = 0;
        for (var l : raw) for (var h : l) for (var row : h) for (float v : row) flat[p++] = v;
        AttentionMaps a = AttentionMaps.ofArrays(Synthetic.tokens(n), raw);
        AttentionMaps b = AttentionMaps.of(Synthetic.tokens(n), Tensor.of(flat, layers, heads, n, n));
        AttentionMaps c = AttentionMaps.of(Synthetic.tokens(n), Tensor.of(flat, layers, 1, heads, n, n));
        // per layer [1, H, L, L] as a fused attention node returns it; also a transposed (strided) view
        Tensor t = Tensor.of(flat, layers, heads, n, n);
        AttentionMaps d = AttentionMaps.ofLayers(Synthetic.tokens(n),
                List.of(t.select(0, 0).unsqueeze(0), t.select(0, 1), t.select(0, 2).transpose(1, 2).contiguous().transpose(1, 2)));
        for (AttentionMaps m : List.of(b, c, d))
            for (int l = 0; l < layers; l++) assertArrayEquals(a.layerData(l), m.layerData(l));
    }

    @Test
    void validationNamesTheProblem() {
        var toks = Synthetic.tokens(4);
        var e = assertThrows(HeedException.class, () -> AttentionMaps.of(toks, Tensor.of(new float[2 * 3 * 5 * 5], 2, 3, 5, 5)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("[2, 3, 5, 5]") || e.getMessage().contains("[3, 5, 5]"), e.getMessage());
        assertTrue(e.getMessage().contains("4 tokens"), e.getMessage());
        e = assertThrows(HeedException.class, () -> AttentionMaps.of(toks, Tensor.of(new float[16], 4, 4)));
        assertTrue(e.getMessage().contains("rank 4"), e.getMessage());
        float[] bad = new float[16];
        bad[5] = Float.NaN;
        e = assertThrows(HeedException.class, () -> AttentionMaps.of(toks, Tensor.of(bad, 1, 1, 4, 4)));
        assertTrue(e.getMessage().contains("[1, 1] = NaN"), e.getMessage());
        var raw = Synthetic.maps(2, 3, 4, 1);
        raw.set(1, new float[2][4][4]);
        e = assertThrows(HeedException.class, () -> AttentionMaps.ofArrays(toks, raw));
        assertTrue(e.getMessage().contains("2 heads but layer 0 has 3"), e.getMessage());
        assertThrows(HeedException.class, () -> AttentionMaps.ofArrays(List.of(), List.of()));
        AttentionMaps ok = Synthetic.of(2, 3, 4, 1);
        e = assertThrows(HeedException.class, () -> ok.averageOverHeads(2));
        assertTrue(e.getMessage().contains("layer 2 is outside 0..1"), e.getMessage());
        assertThrows(HeedException.class, () -> ok.head(0, 3));
        assertThrows(HeedException.class, () -> ok.topAttended(4, 2, false));
    }

    @Test
    void wordsAndFocus() {
        AttentionMaps m = AttentionMaps.ofArrays(Synthetic.SENTENCE, Synthetic.maps(1, 1, Synthetic.SENTENCE.size(), 2));
        var words = m.words();
        assertEquals("didn't", words.get(2).text());
        assertEquals(3, words.get(2).first());
        assertEquals(5, words.get(2).end());
        assertEquals(9, m.focusIndex(null), "default focus is the last pronoun 'it'");
        assertEquals(9, m.focusIndex("  IT "));
        assertEquals(3, m.focusIndex("didn't"));
        assertEquals(6, m.focusIndex("the"), "the last occurrence");
        var e = assertThrows(HeedException.class, () -> m.focusIndex("zebra"));
        assertTrue(e.getMessage().contains("expected one of [the, animal, didn't"), e.getMessage());

        List<String> noPronoun = List.of("[CLS]", "the", "street", "was", "wide", "##ly", "paved", ".", "[SEP]", "[PAD]");
        AttentionMaps m2 = AttentionMaps.ofArrays(noPronoun, Synthetic.maps(1, 1, noPronoun.size(), 2));
        assertEquals(6, m2.focusIndex(""), "last word, skipping punctuation and specials");
        List<String> only = List.of("[CLS]", "[SEP]");
        assertEquals(1, AttentionMaps.ofArrays(only, Synthetic.maps(1, 1, 2, 2)).focusIndex(null));
    }

    @Test
    void topAttendedPerLayerAndRollout() {
        // 4 tokens, "it" (index 2) attends to "animal" (1) in layer 0 and to [SEP] in layer 1.
        List<String> toks = List.of("[CLS]", "animal", "it", "[SEP]");
        float[][] l0 = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0.1f, 0.7f, 0.2f, 0}, {0, 0, 0, 1}};
        float[][] l1 = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0.3f, 0.1f, 0.6f}, {0, 0, 0, 1}};
        AttentionMaps m = AttentionMaps.ofArrays(toks, List.of(new float[][][] {l0, l0}, new float[][][] {l1, l1}));
        var top = m.topAttended(2, 2, false);
        assertEquals(2, top.size());
        assertEquals(1, top.get(0).get(0).index());
        assertEquals(0.7f, top.get(0).get(0).weight(), 1e-6);
        assertEquals(3, top.get(1).get(0).index());
        var skip = m.topAttended(2, 5, true);
        assertEquals(List.of(1), skip.get(1).stream().map(AttentionMaps.Attended::index).toList(), "specials and self skipped");
        var roll = m.topAttendedRollout(2, 1, true);
        assertEquals("animal", roll.get(0).token());
        float[] r = m.rollout();
        assertEquals(r[2 * 4 + 1], roll.get(0).weight());
        assertTrue(m.topAttended(2, 0, false).get(0).isEmpty());
    }
}
