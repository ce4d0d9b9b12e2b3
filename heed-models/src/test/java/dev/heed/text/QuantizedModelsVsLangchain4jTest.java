package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue's 12-layer int8 models (bge-small-en-v1.5-q, e5-small-v2-q) opened by name against langchain4j's
 * in-process quantised models (ONNX Runtime, all graph optimisations) on every {@value #STEP}th line of the
 * tokenizer corpus, through embed and embedAll. bge pools [CLS], e5 the mean.
 *
 * <p><b>Open:</b> issue 15 asks for 2e-3 per component and cosine ≥ 0.9999 per sentence. These models are
 * dynamically quantised: every linear layer rounds its input to 256 levels, so one float ulp of difference before a
 * DynamicQuantizeLinear can move one value to the next level, and that change reaches many values of the next
 * layer's input — twelve layers turn single-ulp differences into differences of order 1e-2 (ONNX Runtime's own
 * optimised and unoptimised runs of all-MiniLM-L6-v2-q differ that much on a third of the corpus; README, int8
 * models). Heed follows the graph as written, so it cannot equal ONNX Runtime's fused kernels (LayerNormalization as
 * E[x²] − mean², MLAS's softmax and erf) at that level. The bounds below are the measured state as a regression
 * guard (median and worst line), not the acceptance.
 */
class QuantizedModelsVsLangchain4jTest {
    static final int STEP = 16;

    @TempDir
    Path cache;

    @Test
    void bgeSmallEnV15Quantized() throws Exception {
        compare("bge-small-en-v1.5-q", new BgeSmallEnV15QuantizedEmbeddingModel(Runnable::run), ModelCard.PoolingMode.CLS,
                BGE_MEDIAN_COSINE, BGE_MIN_COSINE);
    }

    @Test
    void e5SmallV2Quantized() throws Exception {
        compare("e5-small-v2-q", new E5SmallV2QuantizedEmbeddingModel(Runnable::run), ModelCard.PoolingMode.MEAN,
                E5_MEDIAN_COSINE, E5_MIN_COSINE);
    }

    // measured on 2026-12-07 (Intel Xeon family 6 model 207, ONNX Runtime 1.22.0): bge median 0.99927, min 0.99479
    static final double BGE_MEDIAN_COSINE = 0.999, BGE_MIN_COSINE = 0.99, E5_MEDIAN_COSINE = 0.999, E5_MIN_COSINE = 0.99;   // e5 median 0.99929, min 0.99513
    static final double EMBED_VS_EMBED_ALL_COSINE = 0.999;

    private void compare(String name, EmbeddingModel lc, ModelCard.PoolingMode pooling, double medianBound, double minBound)
            throws Exception {
        List<String> corpus = TextEncoderVsLangchain4jTest.corpus();
        try (TextEncoder heed = ModelCatalog.open(name, TextEncoderOptions.defaults(cache))) {
            assertEquals(pooling, heed.card().pooling());
            assertTrue(heed.session().graphFusions().getOrDefault("quantized_linear", 0) == 72,
                    "12 layers × 6 quantised linear layers: " + heed.session().graphFusions());
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < corpus.size(); i += STEP) {
                if (heed.tokenizer().encode(corpus.get(i)).length() > 2) lines.add(corpus.get(i));
            }
            List<float[]> all = heed.embedAll(lines);
            List<Double> cosines = new ArrayList<>();
            double maxDiff = 0;
            int within = 0;
            for (int i = 0; i < lines.size(); i++) {
                float[] want = lc.embed(lines.get(i)).content().vector();
                double d = TextEncoderVsLangchain4jTest.maxDiff(all.get(i), want), c = TextEncoder.cosine(all.get(i), want);
                maxDiff = Math.max(maxDiff, d);
                cosines.add(c);
                if (d <= 2e-3 && c >= 0.9999) within++;
                if (i % 4 == 0) {
                    // one text per run either way, the same tokens; what differs is the JIT state (embedAll ran
                    // first, cold): the Vector API's exp / tanh round differently interpreted and compiled, and the
                    // quantisation amplifies it (measured: up to 3.9e-3 on one emoji line of e5-small-v2-q)
                    float[] single = heed.embed(lines.get(i));
                    double s = TextEncoder.cosine(single, all.get(i));
                    assertTrue(s >= EMBED_VS_EMBED_ALL_COSINE, name + " embed vs embedAll '" + lines.get(i) + "': cosine " + s
                            + ", max |diff| " + TextEncoderVsLangchain4jTest.maxDiff(single, all.get(i)));
                }
            }
            List<Double> sorted = new ArrayList<>(cosines);
            sorted.sort(null);
            double median = sorted.get(sorted.size() / 2), min = sorted.getFirst();
            System.out.printf(Locale.ROOT, "%s vs langchain4j: %d lines, %d within 2e-3 and cosine 0.9999, max |diff| %.3g, "
                    + "median cosine %.6f, min cosine %.6f%n", name, lines.size(), within, maxDiff, median, min);
            assertTrue(lines.size() >= 70, "compared only " + lines.size() + " lines");
            assertTrue(median >= medianBound, name + ": median cosine " + median + " < " + medianBound);
            assertTrue(min >= minBound, name + ": min cosine " + min + " < " + minBound);
        }
    }
}
