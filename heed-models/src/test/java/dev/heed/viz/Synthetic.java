package dev.heed.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Attention-like test data: per head a softmax over random logits plus one structural pattern. */
final class Synthetic {
    private Synthetic() {}

    static final List<String> SENTENCE = List.of("[CLS]", "the", "animal", "didn", "##'t", "cross", "the", "street",
            "because", "it", "was", "too", "tired", ".", "[SEP]");

    /** {@code n} tokens: a sentence, repeated words, WordPiece pieces, [CLS] … [SEP]. */
    static List<String> tokens(int n) {
        List<String> t = new ArrayList<>(n);
        t.add("[CLS]");
        String[] words = {"the", "animal", "didn", "##'t", "cross", "the", "street", "because", "it", "was", "too",
            "tired", ",", "and", "a", "very", "long", "##er", "sentence", "follows", "<tag>", "\"quoted\"", "it", "."};
        for (int i = 0; t.size() < n - 1; i++) t.add(words[i % words.length]);
        if (n > 1) t.add("[SEP]");
        return t.subList(0, n);
    }

    /** [layers][heads][n][n] rows summing to one. */
    static List<float[][][]> maps(int layers, int heads, int n, long seed) {
        Random rnd = new Random(seed);
        List<float[][][]> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            float[][][] a = new float[heads][n][n];
            for (int h = 0; h < heads; h++) {
                int pattern = (l * heads + h) % 5;
                for (int i = 0; i < n; i++) {
                    double[] z = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double v = rnd.nextGaussian() * 1.2;
                        switch (pattern) {
                            case 0 -> v += (j == 0 || j == n - 1) ? 4 : 0;       // sinks
                            case 1 -> v += (j == i - 1) ? 5 : 0;                  // previous token
                            case 2 -> v += (j == i) ? 4 : 0;                      // self
                            case 3 -> v += -Math.abs(i - j) * 0.6;                // local band
                            default -> v += (j == i + 1) ? 5 : 0;                 // next token
                        }
                        z[j] = v;
                        max = Math.max(max, v);
                    }
                    double s = 0;
                    for (int j = 0; j < n; j++) { z[j] = Math.exp(z[j] - max); s += z[j]; }
                    for (int j = 0; j < n; j++) a[h][i][j] = (float) (z[j] / s);
                }
            }
            out.add(a);
        }
        return out;
    }

    static AttentionMaps of(int layers, int heads, int n, long seed) {
        return AttentionMaps.ofArrays(tokens(n), maps(layers, heads, n, seed));
    }
}
