package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.ints;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Reductions (axes attribute vs input per opset, noop_with_empty_axes, integer inputs), ArgMax/ArgMin,
 * Resize (scales vs sizes, opset-18 axes and keep_aspect_ratio_policy), Upsample, and GridSample against
 * float64 formulas written here. Tolerances are stated per check.
 */
class ReduceSamplingOpsTest {

    private static Map<String, Tensor> run(int opset, Node n, Map<String, Tensor> feeds, String... outs) {
        List<ValueInfo> ins = feeds.keySet().stream().map(k -> new ValueInfo(k, null, null)).toList();
        List<ValueInfo> os = Arrays.stream(outs).map(k -> new ValueInfo(k, null, null)).toList();
        Model m = Fixtures.model(opset, List.of(n), ins, os);
        try (Session s = Session.open(m, SessionOptions.defaults().withExecution(new ExecutionOptions(2, 1 << 28)), OpRegistry.standard())) {
            return s.run(feeds);
        }
    }

    private static Tensor run1(int opset, Node n, Map<String, Tensor> feeds) {
        return run(opset, n, feeds, "y").get("y");
    }

    private static Map<String, Tensor> feeds(Object... kv) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put((String) kv[k], (Tensor) kv[k + 1]);
        return m;
    }

    private static Attribute f(String name, float v) {
        return new Attribute(name, Attribute.Type.FLOAT, v, 0, null, null, null, new float[0], new long[0], null, null, null);
    }

    private static Attribute floats(String name, float... v) {
        return new Attribute(name, Attribute.Type.FLOATS, 0, 0, null, null, null, v, new long[0], null, null, null);
    }

    private static Tensor random(SplittableRandom r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (r.nextDouble() * 4 - 2);
        return Tensor.of(v, dims);
    }

    private static void assertClose(String what, double[] want, float[] got, double abs, double rel) {
        assertEquals(want.length, got.length, what + ": length");
        for (int k = 0; k < want.length; k++) {
            double err = Math.abs(want[k] - got[k]);
            if (!(err <= abs + rel * Math.abs(want[k]))) fail(what + ": element " + k + " expected " + want[k] + " got " + got[k] + " (error " + err + ")");
        }
    }

    // ---------------------------------------------------------------- reductions

    /** Oracle: reduce x [A, B, C] over axis 1 in double with {@code acc = f(acc, v)} from {@code init}. */
    private static double[] overMiddle(Tensor x, double init, DoubleBinaryOperator f) {
        int a = x.dim(0), b = x.dim(1), c = x.dim(2);
        float[] v = x.toFloatArray();
        double[] out = new double[a * c];
        for (int p = 0; p < a; p++) {
            for (int q = 0; q < c; q++) {
                double acc = init;
                for (int k = 0; k < b; k++) acc = f.applyAsDouble(acc, v[(p * b + k) * c + q]);
                out[p * c + q] = acc;
            }
        }
        return out;
    }

    @Test
    void reduceSumAxesAttributeUntil12InputFrom13() {
        Tensor x = random(new SplittableRandom(1), 3, 5, 4);
        double[] want = overMiddle(x, 0, Double::sum);
        Tensor attr = run1(11, node("ReduceSum", List.of("x"), List.of("y"), ints("axes", -2)), feeds("x", x));
        Tensor input = run1(13, node("ReduceSum", List.of("x", "axes"), List.of("y")), feeds("x", x, "axes", Tensor.ofLongs(new long[] {1}, 1)));
        assertArrayEquals(new int[] {3, 1, 4}, attr.shape().dims());
        assertArrayEquals(new int[] {3, 1, 4}, input.shape().dims());
        assertClose("ReduceSum v11 attribute (tolerance 1e-6 + 1e-6 rel)", want, attr.toFloatArray(), 1e-6, 1e-6);
        assertArrayEquals(attr.toFloatArray(), input.toFloatArray(), "v13 input form equals v11 attribute form");
        HeedException e = assertThrows(HeedException.class, () -> run1(13, node("ReduceSum", List.of("x"), List.of("y"), ints("axes", 1)), feeds("x", x)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("reducesum_0") && e.getMessage().contains("second input"), e.getMessage());
    }

    @Test
    void otherReductionsAxesAttributeUntil17InputFrom18() {
        Tensor x = random(new SplittableRandom(2), 2, 6, 3);
        Tensor pos = Tensor.of(x.toFloatArray().clone(), 2, 6, 3);
        float[] pv = pos.floatArrayOrNull();
        for (int k = 0; k < pv.length; k++) pv[k] = Math.abs(pv[k]) + 0.25f;   // LogSum needs a positive sum
        record Case(String op, Tensor in, double[] want, double rel) {}
        double[] sumsq = overMiddle(x, 0, (a, v) -> a + v * v);
        List<Case> cases = List.of(
                new Case("ReduceMean", x, Arrays.stream(overMiddle(x, 0, Double::sum)).map(v -> v / 6).toArray(), 1e-6),
                new Case("ReduceMax", x, overMiddle(x, Double.NEGATIVE_INFINITY, Math::max), 0),
                new Case("ReduceMin", x, overMiddle(x, Double.POSITIVE_INFINITY, Math::min), 0),
                new Case("ReduceProd", x, overMiddle(x, 1, (a, v) -> a * v), 1e-6),
                new Case("ReduceL1", x, overMiddle(x, 0, (a, v) -> a + Math.abs(v)), 1e-6),
                new Case("ReduceL2", x, Arrays.stream(sumsq).map(Math::sqrt).toArray(), 1e-6),
                new Case("ReduceSumSquare", x, sumsq, 1e-6),
                new Case("ReduceLogSum", pos, Arrays.stream(overMiddle(pos, 0, Double::sum)).map(Math::log).toArray(), 1e-6),
                new Case("ReduceLogSumExp", x, Arrays.stream(overMiddle(x, 0, (a, v) -> a + Math.exp(v))).map(Math::log).toArray(), 1e-6));
        for (Case c : cases) {
            String what = c.op() + " (tolerance 1e-6 abs + " + c.rel() + " rel)";
            Tensor v13 = run1(13, node(c.op(), List.of("x"), List.of("y"), ints("axes", 1), i("keepdims", 0)), feeds("x", c.in()));
            Tensor v18 = run1(18, node(c.op(), List.of("x", "axes"), List.of("y"), i("keepdims", 0)),
                    feeds("x", c.in(), "axes", Tensor.ofLongs(new long[] {-2}, 1)));
            assertArrayEquals(new int[] {2, 3}, v13.shape().dims(), what);
            assertClose(what + " v13 attribute", c.want(), v13.toFloatArray(), 1e-6, c.rel());
            assertArrayEquals(v13.toFloatArray(), v18.toFloatArray(), what + ": v18 input form equals v13 attribute form");
        }
    }

    @Test
    void logSumExpIsStableForLargeValues() {
        Tensor x = Tensor.of(new float[] {1000, 1000, -1000, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2, 3);
        Tensor y = run1(18, node("ReduceLogSumExp", List.of("x", "axes"), List.of("y"), i("keepdims", 0)),
                feeds("x", x, "axes", Tensor.ofLongs(new long[] {1}, 1)));
        float[] v = y.toFloatArray();
        assertEquals(1000 + Math.log(2), v[0], 1e-4, "log(e^1000 + e^1000 + e^-1000) (tolerance 1e-4)");
        assertEquals(Float.NEGATIVE_INFINITY, v[1], "all -inf gives -inf");
    }

    @Test
    void noopWithEmptyAxes() {
        Tensor x = random(new SplittableRandom(3), 2, 3);
        Tensor same = run1(13, node("ReduceSum", List.of("x"), List.of("y"), i("noop_with_empty_axes", 1)), feeds("x", x));
        assertArrayEquals(new int[] {2, 3}, same.shape().dims());
        assertArrayEquals(x.toFloatArray(), same.toFloatArray());
        Tensor emptyAxes = run1(18, node("ReduceMax", List.of("x", "axes"), List.of("y"), i("noop_with_empty_axes", 1)),
                feeds("x", x, "axes", Tensor.ofLongs(new long[0], 0)));
        assertArrayEquals(x.toFloatArray(), emptyAxes.toFloatArray());
        Tensor all = run1(13, node("ReduceSum", List.of("x"), List.of("y"), i("keepdims", 0)), feeds("x", x));
        assertEquals(0, all.rank());
        double sum = 0;
        for (float v : x.toFloatArray()) sum += v;
        assertEquals(sum, all.getFloat(), 1e-6, "no axes, noop 0: reduce everything (tolerance 1e-6)");
        Tensor allKeep = run1(11, node("ReduceMean", List.of("x"), List.of("y")), feeds("x", x));
        assertArrayEquals(new int[] {1, 1}, allKeep.shape().dims());
        assertEquals(sum / 6, allKeep.toFloatArray()[0], 1e-6, "ReduceMean over all axes (tolerance 1e-6)");
    }

    @Test
    void integerReductionsAreExactAndOthersRefuseClearly() {
        Tensor x = Tensor.ofLongs(new long[] {1L << 40, 3, -5, 7, 2, 2}, 2, 3);
        Tensor sum = run1(13, node("ReduceSum", List.of("x", "axes"), List.of("y"), i("keepdims", 0)),
                feeds("x", x, "axes", Tensor.ofLongs(new long[] {1}, 1)));
        assertEquals(DType.INT64, sum.dtype());
        assertArrayEquals(new long[] {(1L << 40) - 2, 11}, sum.toLongArray());
        Tensor prod = run1(13, node("ReduceProd", List.of("x"), List.of("y"), ints("axes", 0), i("keepdims", 0)), feeds("x", x.to(DType.INT32)));
        assertEquals(DType.INT32, prod.dtype());
        assertArrayEquals(new long[] {0, 6, -10}, prod.toLongArray(), "int32 product (2^40 wraps to 0 in int32 first)");
        Tensor sq = run1(13, node("ReduceSumSquare", List.of("x"), List.of("y"), ints("axes", 1), i("keepdims", 0)),
                feeds("x", Tensor.ofLongs(new long[] {1, -2, 3, 4, 5, -6}, 2, 3)));
        assertArrayEquals(new long[] {14, 77}, sq.toLongArray());
        HeedException e = assertThrows(HeedException.class, () -> run1(13, node("ReduceL2", List.of("x"), List.of("y")), feeds("x", x)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("reducel2_0") && e.getMessage().contains("int64[2, 3]"), e.getMessage());
    }

    @Test
    void reductionErrorsNameTheNodeAndShape() {
        Tensor x = Tensor.of(new float[6], 2, 3);
        HeedException e = assertThrows(HeedException.class, () -> run1(13, node("ReduceSum", List.of("x", "axes"), List.of("y")),
                feeds("x", x, "axes", Tensor.ofLongs(new long[] {2}, 1))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("reducesum_0") && e.getMessage().contains("float32[2, 3]") && e.getMessage().contains("axis 2"), e.getMessage());
        e = assertThrows(HeedException.class, () -> run1(11, node("ReduceMean", List.of("x"), List.of("y"), ints("axes", 1, -1)), feeds("x", x)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(HeedException.class, () -> run1(13, node("ArgMax", List.of("x"), List.of("y"), i("axis", -3)), feeds("x", x)));
        assertTrue(e.getMessage().contains("argmax_0") && e.getMessage().contains("float32[2, 3]"), e.getMessage());
    }

    @Test
    void argMaxArgMinSelectLastIndex() {
        Tensor x = Tensor.of(new float[] {2, 5, 5, 1, 1, 0}, 2, 3);
        assertArrayEquals(new long[] {1, 0}, run1(12, node("ArgMax", List.of("x"), List.of("y"), i("axis", 1), i("keepdims", 0)), feeds("x", x)).toLongArray());
        Tensor last = run1(13, node("ArgMax", List.of("x"), List.of("y"), i("axis", -1), i("select_last_index", 1)), feeds("x", x));
        assertEquals(DType.INT64, last.dtype());
        assertArrayEquals(new int[] {2, 1}, last.shape().dims());
        assertArrayEquals(new long[] {2, 1}, last.toLongArray());
        assertArrayEquals(new long[] {1, 1, 1}, run1(11, node("ArgMin", List.of("x"), List.of("y"), i("keepdims", 0)), feeds("x", x)).toLongArray());
        assertArrayEquals(new long[] {1, 0, 1}, run1(13, node("ArgMin", List.of("x"), List.of("y"), i("keepdims", 0), i("select_last_index", 1)),
                feeds("x", Tensor.of(new float[] {1, 1, 1, 1, 3, 1}, 2, 3))).toLongArray());
    }

    // ---------------------------------------------------------------- Resize / Upsample

    /** 1-D linear interpolation taps in double: half_pixel (or asymmetric) source coordinate, clamped to the edges. */
    private static double[] linear1d(double[] in, int outLen, double scale, boolean halfPixel) {
        double[] out = new double[outLen];
        for (int o = 0; o < outLen; o++) {
            double src = halfPixel ? (o + 0.5) / scale - 0.5 : o / scale;
            src = Math.min(Math.max(src, 0), in.length - 1);
            int lo = (int) Math.floor(src), hi = Math.min(lo + 1, in.length - 1);
            double t = src - lo;
            out[o] = in[lo] * (1 - t) + in[hi] * t;
        }
        return out;
    }

    /** Bilinear resize of [H, W] planes in double, separably (rows, then columns). */
    private static double[] bilinear(Tensor x, int planes, int h, int w, int oh, int ow, double sh, double sw, boolean halfPixel) {
        float[] v = x.toFloatArray();
        double[] out = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++) {
            double[][] rows = new double[h][];
            for (int y = 0; y < h; y++) {
                double[] row = new double[w];
                for (int c = 0; c < w; c++) row[c] = v[(p * h + y) * w + c];
                rows[y] = linear1d(row, ow, sw, halfPixel);
            }
            for (int c = 0; c < ow; c++) {
                double[] col = new double[h];
                for (int y = 0; y < h; y++) col[y] = rows[y][c];
                double[] r = linear1d(col, oh, sh, halfPixel);
                for (int y = 0; y < oh; y++) out[(p * oh + y) * ow + c] = r[y];
            }
        }
        return out;
    }

    @Test
    void resizeWithSizesEqualsResizeWithScales() {
        Tensor x = random(new SplittableRandom(4), 1, 2, 3, 5);
        Node bySizes = node("Resize", List.of("x", "", "", "sizes"), List.of("y"), s("mode", "linear"));
        Node byScales = node("Resize", List.of("x", "", "scales"), List.of("y"), s("mode", "linear"));
        Tensor a = run1(13, bySizes, feeds("x", x, "sizes", Tensor.ofLongs(new long[] {1, 2, 6, 10}, 4)));
        Tensor b = run1(13, byScales, feeds("x", x, "scales", Tensor.of(new float[] {1, 1, 2, 2}, 4)));
        assertArrayEquals(new int[] {1, 2, 6, 10}, a.shape().dims());
        assertArrayEquals(a.shape().dims(), b.shape().dims());
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "sizes 2x == scales 2x");
        assertClose("bilinear half_pixel vs float64 formula (tolerance 1e-6)", bilinear(x, 2, 3, 5, 6, 10, 2, 2, true), a.toFloatArray(), 1e-6, 0);
        // opset 11 needs the roi input position; downscale by scales with a fractional output size (floor(5 · 0.5) = 2)
        Tensor c = run1(11, node("Resize", List.of("x", "roi", "scales"), List.of("y"), s("mode", "linear")),
                feeds("x", x, "roi", Tensor.of(new float[0], 0), "scales", Tensor.of(new float[] {1, 1, 0.5f, 0.5f}, 4)));
        assertArrayEquals(new int[] {1, 2, 1, 2}, c.shape().dims());
        assertClose("bilinear downscale vs float64 formula (tolerance 1e-6)", bilinear(x, 2, 3, 5, 1, 2, 0.5, 0.5, true), c.toFloatArray(), 1e-6, 0);
    }

    @Test
    void resize18AxesAndKeepAspectRatio() {
        Tensor x = random(new SplittableRandom(5), 1, 1, 4, 6);
        Tensor axes = run1(18, node("Resize", List.of("x", "", "", "sizes"), List.of("y"), s("mode", "linear"), ints("axes", 2, 3)),
                feeds("x", x, "sizes", Tensor.ofLongs(new long[] {8, 12}, 2)));
        Tensor full = run1(13, node("Resize", List.of("x", "", "", "sizes"), List.of("y"), s("mode", "linear")),
                feeds("x", x, "sizes", Tensor.ofLongs(new long[] {1, 1, 8, 12}, 4)));
        assertArrayEquals(full.toFloatArray(), axes.toFloatArray(), "axes [2, 3] with 2 sizes == all 4 sizes");
        // not_larger: scale = min(6/4, 6/6) = 1 -> unchanged [4, 6]; not_smaller: max(6/4, 6/6) = 1.5 -> [6, 9]
        Tensor notLarger = run1(18, node("Resize", List.of("x", "", "", "sizes"), List.of("y"), s("mode", "nearest"), ints("axes", -2, -1),
                s("keep_aspect_ratio_policy", "not_larger")), feeds("x", x, "sizes", Tensor.ofLongs(new long[] {6, 6}, 2)));
        assertArrayEquals(new int[] {1, 1, 4, 6}, notLarger.shape().dims());
        assertArrayEquals(x.toFloatArray(), notLarger.toFloatArray());
        Tensor notSmaller = run1(18, node("Resize", List.of("x", "", "", "sizes"), List.of("y"), s("mode", "linear"), ints("axes", 2, 3),
                s("keep_aspect_ratio_policy", "not_smaller")), feeds("x", x, "sizes", Tensor.ofLongs(new long[] {6, 6}, 2)));
        assertArrayEquals(new int[] {1, 1, 6, 9}, notSmaller.shape().dims());
        assertClose("not_smaller bilinear vs float64 formula (tolerance 1e-6)", bilinear(x, 1, 4, 6, 6, 9, 1.5, 1.5, true),
                notSmaller.toFloatArray(), 1e-6, 0);
        HeedException e = assertThrows(HeedException.class, () -> run1(18, node("Resize", List.of("x", "", "", "sizes"), List.of("y"), i("antialias", 1)),
                feeds("x", x, "sizes", Tensor.ofLongs(new long[] {1, 1, 2, 3}, 4))));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("resize_0") && e.getMessage().contains("antialias"), e.getMessage());
    }

    @Test
    void resizeErrorsNameTheNodeAndShapes() {
        Tensor x = random(new SplittableRandom(6), 1, 1, 2, 2);
        HeedException e = assertThrows(HeedException.class, () -> run1(13, node("Resize", List.of("x", "", "scales"), List.of("y")),
                feeds("x", x, "scales", Tensor.of(new float[] {2, 2}, 2))));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("resize_0") && e.getMessage().contains("float32[2]") && e.getMessage().contains("float32[1, 1, 2, 2]"), e.getMessage());
        e = assertThrows(HeedException.class, () -> run1(13, node("Resize", List.of("x", "", "scales", "sizes"), List.of("y")),
                feeds("x", x, "scales", Tensor.of(new float[] {1, 1, 2, 2}, 4), "sizes", Tensor.ofLongs(new long[] {1, 1, 4, 4}, 4))));
        assertTrue(e.getMessage().contains("exactly one of scales and sizes"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Session.open(Fixtures.model(13, List.of(node("Resize", List.of("x"), List.of("y"), s("mode", "area"))),
                List.of(new ValueInfo("x", null, null)), List.of(new ValueInfo("y", null, null))), SessionOptions.defaults(), OpRegistry.standard()));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("'area'") && e.getMessage().contains("cubic"), e.getMessage());
    }

    @Test
    void upsampleAttributeAndInputForms() {
        Tensor x = random(new SplittableRandom(7), 1, 1, 2, 3);
        Tensor v7 = run1(7, node("Upsample", List.of("x"), List.of("y"), floats("scales", 1, 1, 2, 3)), feeds("x", x));
        Tensor v9 = run1(9, node("Upsample", List.of("x", "scales"), List.of("y")), feeds("x", x, "scales", Tensor.of(new float[] {1, 1, 2, 3}, 4)));
        assertArrayEquals(new int[] {1, 1, 4, 9}, v7.shape().dims());
        assertArrayEquals(v7.toFloatArray(), v9.toFloatArray());
        float[] xv = x.toFloatArray(), y = v7.toFloatArray();
        for (int r = 0; r < 4; r++) for (int c = 0; c < 9; c++) assertEquals(xv[(r / 2) * 3 + c / 3], y[r * 9 + c], "nearest: source floor(o / scale)");
        Tensor lin = run1(9, node("Upsample", List.of("x", "scales"), List.of("y"), s("mode", "linear")),
                feeds("x", x, "scales", Tensor.of(new float[] {1, 1, 2, 2}, 4)));
        assertClose("Upsample linear (asymmetric) vs float64 formula (tolerance 1e-6)", bilinear(x, 1, 2, 3, 4, 6, 2, 2, false), lin.toFloatArray(), 1e-6, 0);
    }

    @Test
    void resize10NearestRoundsDownWhenGrowingAndUpWhenShrinking() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 1, 8);
        // shrink 0.6: out floor(4.8) = 4, source o / 0.6 = 0, 1.67, 3.33, 5 -> ceil 0, 2, 4, 5 (ONNX Runtime's Resize-10 rule)
        Tensor down = run1(10, node("Resize", List.of("x", "scales"), List.of("y")), feeds("x", x, "scales", Tensor.of(new float[] {1, 0.6f}, 2)));
        assertArrayEquals(new float[] {0, 2, 4, 5}, down.toFloatArray());
        // grow 1.5 on a 2-element axis: out 3, source 0, 0.67, 1.33 -> floor 0, 0, 1
        Tensor up = run1(10, node("Resize", List.of("x", "scales"), List.of("y")),
                feeds("x", Tensor.of(new float[] {10, 20}, 1, 2), "scales", Tensor.of(new float[] {1, 1.5f}, 2)));
        assertArrayEquals(new float[] {10, 10, 20}, up.toFloatArray());
    }

    @Test
    void resize19HalfPixelSymmetric() {
        Tensor x = Tensor.of(new float[] {0, 10, 20, 30, 40}, 1, 5);
        // in 5, scale 0.5 -> out 2; adjustment 2 / 2.5 = 0.8, offset 2.5 · 0.2 = 0.5: source 0.5 + (o + 0.5) / 0.5 - 0.5 = 1, 3
        Tensor y = run1(19, node("Resize", List.of("x", "", "scales"), List.of("y"), s("mode", "linear"),
                s("coordinate_transformation_mode", "half_pixel_symmetric")), feeds("x", x, "scales", Tensor.of(new float[] {1, 0.5f}, 2)));
        assertClose("half_pixel_symmetric (tolerance 1e-5)", new double[] {10, 30}, y.toFloatArray(), 1e-5, 0);
        // align_corners with a fractional resized length: ONNX uses in · scale = 2.4, source 1 · 3 / 1.4
        Tensor a = run1(13, node("Resize", List.of("x", "", "scales"), List.of("y"), s("mode", "linear"),
                s("coordinate_transformation_mode", "align_corners")), feeds("x", Tensor.of(new float[] {0, 10, 20, 30}, 1, 4),
                "scales", Tensor.of(new float[] {1, 0.6f}, 2)));
        double l = 4 * (double) 0.6f;
        assertClose("align_corners, unfloored length (tolerance 1e-5)", new double[] {0, 10 * 3 / (l - 1)}, a.toFloatArray(), 1e-5, 0);
    }

    // ---------------------------------------------------------------- GridSample

    /** PyTorch / ONNX grid_sample bilinear, zeros or border padding, in double, one output element at a time. */
    private static double[] gridSampleReference(Tensor x, Tensor grid, boolean border, boolean alignCorners) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3), ho = grid.dim(1), wo = grid.dim(2);
        float[] xv = x.toFloatArray(), gv = grid.toFloatArray();
        double[] out = new double[n * c * ho * wo];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        int g = ((b * ho + i) * wo + j) * 2;
                        double gx = gv[g], gy = gv[g + 1];
                        double px = alignCorners ? (gx + 1) / 2 * (w - 1) : ((gx + 1) * w - 1) / 2;
                        double py = alignCorners ? (gy + 1) / 2 * (h - 1) : ((gy + 1) * h - 1) / 2;
                        if (border) {
                            px = Math.min(Math.max(px, 0), w - 1);
                            py = Math.min(Math.max(py, 0), h - 1);
                        }
                        int x0 = (int) Math.floor(px), y0 = (int) Math.floor(py);
                        double acc = 0;
                        for (int dy = 0; dy <= 1; dy++) {
                            for (int dx = 0; dx <= 1; dx++) {
                                int xx = x0 + dx, yy = y0 + dy;
                                double wgt = (dx == 1 ? px - x0 : 1 - (px - x0)) * (dy == 1 ? py - y0 : 1 - (py - y0));
                                double val = xx >= 0 && xx < w && yy >= 0 && yy < h ? xv[((b * c + ch) * h + yy) * w + xx] : 0;
                                acc += wgt * val;
                            }
                        }
                        out[((b * c + ch) * ho + i) * wo + j] = acc;
                    }
                }
            }
        }
        return out;
    }

    private static Tensor grid(SplittableRandom r, int n, int ho, int wo, double range) {
        float[] g = new float[n * ho * wo * 2];
        for (int k = 0; k < g.length; k++) g[k] = (float) ((r.nextDouble() * 2 - 1) * range);
        return Tensor.of(g, n, ho, wo, 2);
    }

    @Test
    void gridSampleMatchesTheFloat64Formula() {
        SplittableRandom r = new SplittableRandom(8);
        Tensor x = random(r, 2, 3, 4, 5);
        Tensor g = grid(r, 2, 6, 7, 1.2);   // some points outside [-1, 1]
        for (boolean align : new boolean[] {false, true}) {
            for (String pad : new String[] {"zeros", "border"}) {
                Tensor y = run1(16, node("GridSample", List.of("x", "g"), List.of("y"), i("align_corners", align ? 1 : 0), s("padding_mode", pad)),
                        feeds("x", x, "g", g));
                assertArrayEquals(new int[] {2, 3, 6, 7}, y.shape().dims());
                assertClose("GridSample bilinear " + pad + " align_corners=" + align + " (tolerance 1e-6)",
                        gridSampleReference(x, g, pad.equals("border"), align), y.toFloatArray(), 1e-6, 0);
            }
        }
    }

    @Test
    void gridSampleOnRtDetrShapedInputs() {
        // deformable attention: value [B·heads, C, H, W] = [16, 32, 20, 20], sampling grid [B·heads, Lq, P, 2] = [16, 300, 4, 2]
        SplittableRandom r = new SplittableRandom(9);
        Tensor x = random(r, 16, 32, 20, 20);
        Tensor g = grid(r, 16, 300, 4, 1.0);
        Node n = node("GridSample", List.of("x", "g"), List.of("y"), s("padding_mode", "zeros"));
        Tensor y = run1(16, n, feeds("x", x, "g", g));
        assertArrayEquals(new int[] {16, 32, 300, 4}, y.shape().dims());
        assertClose("GridSample RT-DETR shape (tolerance 1e-6)", gridSampleReference(x, g, false, false), y.toFloatArray(), 1e-6, 0);
    }

    @Test
    void gridSampleBicubicMatchesTheOnnxExampleTo4Decimals() {
        // the ONNX GridSample bicubic example (align_corners 0, zeros): its expected values are printed to 4 decimals
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 3, 2);
        Tensor g = Tensor.of(new float[] {-1, -1, -0.5f, -0.5f, -0.2f, -0.2f, 0, 0, 0, 0, -0.2f, -0.2f, 0.5f, 0.5f, 1, 1}, 1, 2, 4, 2);
        Tensor y = run1(16, node("GridSample", List.of("x", "g"), List.of("y"), s("mode", "bicubic")), feeds("x", x, "g", g));
        assertArrayEquals(new int[] {1, 1, 2, 4}, y.shape().dims());
        assertClose("GridSample bicubic vs the 4-decimal ONNX example (tolerance 5e-5)",
                new double[] {-0.1406, 0.3828, 1.7556, 2.9688, 2.9688, 1.7556, 5.1445, 1.3906}, y.toFloatArray(), 5e-5, 0);
    }

    @Test
    void gridSampleShapeErrorsNameBothShapes() {
        HeedException e = assertThrows(HeedException.class, () -> run1(16, node("GridSample", List.of("x", "g"), List.of("y")),
                feeds("x", Tensor.of(new float[2 * 3 * 4 * 4], 2, 3, 4, 4), "g", Tensor.of(new float[5 * 2 * 2], 1, 5, 2, 2))));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("gridsample_0") && e.getMessage().contains("float32[2, 3, 4, 4]")
                && e.getMessage().contains("float32[1, 5, 2, 2]"), e.getMessage());
    }
}
