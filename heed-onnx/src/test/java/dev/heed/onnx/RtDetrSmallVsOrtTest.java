package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.tensor.Tensor;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The small copy of the RT-DETR-l-sized benchmark detector ({@code rtdetr_hg_small_opset17.onnx}, written by
 * {@code heed-bench/src/main/python/make_vision_models.py --small}: the same HGNetv2 stem and stages, AIFI, CCFM neck,
 * 6-layer deformable decoder and 300 queries as the full-size model, with tiny widths) run by Heed and by ONNX
 * Runtime on the same 640² input: output0 [1, 300, 84] equal within 1e-4 · max(1, max |ORT|), rows compared as an
 * unordered set (TopK may order near-tied queries differently), with attention fusion on and off; every Conv +
 * Relu and Conv + SiLU (Sigmoid · Mul) pair runs as one fused convolution.
 */
class RtDetrSmallVsOrtTest {
    static final Path MODEL = ModelsVsOrtTest.MODELS.resolve("rtdetr_hg_small_opset17.onnx");
    /** AIFI's encoder layer + the six decoder self-attentions. */
    static final int FUSED = 7;

    @ParameterizedTest(name = "fusion {0}")
    @ValueSource(booleans = {true, false})
    void matchesOnnxRuntime(boolean fusion) {
        Map<String, Tensor> in = Map.of("images", ModelsVsOrtTest.uniform(new SplittableRandom(29), 1, 3, 640, 640));
        try (Session heed = Session.open(MODEL, ModelsVsOrtTest.options(fusion)); OrtReference ort = OrtReference.open(MODEL, 2)) {
            assertEquals(fusion ? FUSED : 0, heed.fusedAttention().size(), "fused attention nodes: " + heed.fusedAttention());
            // HGNetv2: 5 stem + 6 blocks × 8 ReLU convs; CCFM: 4 RepC3 × 5 + 2 lateral + 2 downsampling SiLU convs
            assertEquals(53, heed.graphFusions().get("conv_relu"), "Conv + Relu fused: " + heed.graphFusions());
            assertEquals(24, heed.graphFusions().get("conv_silu"), "Conv + SiLU fused: " + heed.graphFusions());
            Tensor want = ort.run(in).get("output0"), got = heed.run(in).get("output0");
            assertArrayEquals(new int[] {1, 300, 84}, want.shape().dims(), "ORT output0 shape");
            assertArrayEquals(want.shape().dims(), got.shape().dims(), "output0 shape");
            double err = ModelsVsOrtTest.unorderedRowError(want, got), scale = Math.max(1, ModelsVsOrtTest.maxAbs(want));
            System.out.printf(Locale.ROOT, "rtdetr_hg_small fusion %s: max |heed - ort| = %.3g (max |ort| %.3g)%n",
                    fusion, err, ModelsVsOrtTest.maxAbs(want));
            assertTrue(err <= 1e-4 * scale, "output0: max error " + err + " > " + 1e-4 * scale);
            assertTrue(ModelsVsOrtTest.spread(want) > 1e-2, "the reference output is nearly constant");
        }
    }
}
