package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.ints;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quantisation ops against ONNX Runtime on random inputs, models built in code: integer outputs must be equal
 * bit for bit, float outputs (DequantizeLinear, the dynamic scale) too, since both compute the same float32
 * expression. Rounding ties (x/scale exactly k + 0.5) and saturation are in the inputs on purpose.
 */
class QuantOpsVsOrtTest {
    @TempDir
    Path dir;

    final SplittableRandom r = new SplittableRandom(2026);

    @Test
    void quantizeLinearPerTensorAndPerAxis() {
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            Tensor x = tiesAndRandom(3 * 5 * 7, 0.05f, 3, 5, 7);
            compare(13, "QuantizeLinear", List.of(), feeds("x", x, "s", Tensor.scalar(0.05f), "z", quant(t, 1, 1)),
                    elem(t));
            Tensor scales = Tensor.of(new float[] {0.05f, 0.1f, 0.02f, 0.5f, 0.01f}, 5);
            compare(13, "QuantizeLinear", List.of(i("axis", 1)), feeds("x", x, "s", scales, "z", quant(t, 5, 5)), elem(t));
        }
    }

    @Test
    void dequantizeLinearPerTensorAndPerAxis() {
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            Tensor x = quant(t, 4 * 6, 4, 6);
            compare(13, "DequantizeLinear", List.of(), feeds("x", x, "s", Tensor.scalar(0.037f), "z", quant(t, 1, 1)), ElemType.FLOAT);
            Tensor scales = Tensor.of(new float[] {0.1f, 0.25f, 0.013f, 3f}, 4);
            compare(13, "DequantizeLinear", List.of(i("axis", 0)), feeds("x", x, "s", scales, "z", quant(t, 4, 4)), ElemType.FLOAT);
        }
    }

    @Test
    void dynamicQuantizeLinear() {
        for (float shift : new float[] {0f, 2f, -2f}) {
            float[] v = new float[4 * 33];
            for (int k = 0; k < v.length; k++) v[k] = (float) (r.nextDouble() * 6 - 3) + shift;
            Model m = model(11, List.of(node("DynamicQuantizeLinear", List.of("x"), List.of("y", "ys", "yz"))),
                    List.of(value("x", ElemType.FLOAT, 4, 33)),
                    List.of(value("y", ElemType.UINT8, 4, 33), value("ys", ElemType.FLOAT), value("yz", ElemType.UINT8)));
            assertSame(m, Map.of("x", Tensor.of(v, 4, 33)));
        }
    }

    @Test
    void matMulIntegerAllSignednessesAndZeroPoints() {
        DType[][] pairs = {{DType.UINT8, DType.INT8}, {DType.UINT8, DType.UINT8}, {DType.INT8, DType.INT8}};
        for (DType[] p : pairs) {
            Tensor a = quant(p[0], 2 * 7 * 45, 2, 7, 45), b = quant(p[1], 45 * 19, 45, 19);
            compare(10, "MatMulInteger", List.of(), feeds("a", a, "b", b, "az", quant(p[0], 1, 1), "bz", quant(p[1], 1, 1)),
                    ElemType.INT32);
            compare(10, "MatMulInteger", List.of(), feeds("a", a, "b", b, "az", quant(p[0], 1, 1), "bz", quant(p[1], 19, 19)),
                    ElemType.INT32);
        }
        // batched B, no zero points
        Tensor a = quant(DType.UINT8, 3 * 5 * 16, 3, 5, 16), b = quant(DType.INT8, 3 * 16 * 9, 3, 16, 9);
        compare(10, "MatMulInteger", List.of(), feeds("a", a, "b", b), ElemType.INT32);
    }

    @Test
    void qlinearMatMul() {
        Tensor a = quant(DType.UINT8, 6 * 40, 6, 40), b = quant(DType.UINT8, 40 * 11, 40, 11);
        compare(10, "QLinearMatMul", List.of(), feeds("a", a, "as", Tensor.scalar(0.02f), "az", quant(DType.UINT8, 1, 1),
                "b", b, "bs", Tensor.scalar(0.013f), "bz", quant(DType.UINT8, 1, 1), "ys", Tensor.scalar(0.9f),
                "yz", quant(DType.UINT8, 1, 1)), ElemType.UINT8);
    }

    @Test
    void convIntegerAndQLinearConv() {
        Tensor x = quant(DType.UINT8, 2 * 4 * 9 * 8, 2, 4, 9, 8), w = quant(DType.UINT8, 6 * 2 * 3 * 3, 6, 2, 3, 3);
        List<dev.heed.onnx.ir.Attribute> attrs = List.of(i("group", 2), ints("pads", 1, 0, 1, 2), ints("strides", 2, 1),
                ints("dilations", 1, 2));
        compare(10, "ConvInteger", attrs, feeds("x", x, "w", w, "xz", quant(DType.UINT8, 1, 1), "wz", quant(DType.UINT8, 1, 1)),
                ElemType.INT32);
        Tensor ws = quant(DType.INT8, 6 * 4 * 3 * 3, 6, 4, 3, 3);
        float[] wsc = new float[6];
        int[] bias = new int[6];
        for (int k = 0; k < 6; k++) { wsc[k] = 0.005f + 0.01f * k; bias[k] = r.nextInt(2000) - 1000; }
        compare(10, "QLinearConv", List.of(ints("pads", 1, 1, 1, 1)), feeds("x", x, "xs", Tensor.scalar(0.03f),
                "xz", quant(DType.UINT8, 1, 1), "w", ws, "ws", Tensor.of(wsc, 6), "wz", Tensor.ofInt8(new byte[6], 6),
                "ys", Tensor.scalar(0.2f), "yz", quant(DType.UINT8, 1, 1), "B", Tensor.ofInts(bias, 6)), ElemType.UINT8);
    }

    // ------------------------------------------------------------------ helpers

    private static ElemType elem(DType t) {
        return ElemType.of(t);
    }

    private static Map<String, Tensor> feeds(Object... kv) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put((String) kv[k], (Tensor) kv[k + 1]);
        return m;
    }

    /** Random int8 / uint8 values over the whole range; {@code n} elements, {@code dims} (none: a scalar). */
    private Tensor quant(DType t, int n, int... dims) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) b[k] = (byte) r.nextInt(256);
        int[] d = dims.length == 2 && dims[0] == dims[1] && n == dims[0] ? new int[] {n} : dims;
        if (n == 1 && dims.length == 2 && dims[0] == 1) d = new int[0];
        return t == DType.INT8 ? Tensor.ofInt8(b, d) : Tensor.ofUint8(b, d);
    }

    /** Random values with exact halves of the scale (rounding ties) and values far outside the range (saturation). */
    private Tensor tiesAndRandom(int n, float scale, int... dims) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = switch (k % 4) {
                case 0 -> (r.nextInt(40) - 20 + 0.5f) * scale;
                case 1 -> (float) (r.nextDouble() * 400 - 200) * scale;
                default -> (float) (r.nextDouble() * 20 - 10);
            };
        }
        return Tensor.of(v, dims);
    }

    /** One node whose inputs are the feeds in order, one output {@code y} of {@code outType}. */
    private void compare(int opset, String op, List<dev.heed.onnx.ir.Attribute> attrs, Map<String, Tensor> feeds, ElemType outType) {
        List<ValueInfo> ins = new ArrayList<>();
        feeds.forEach((name, t) -> ins.add(new ValueInfo(name, ElemType.of(t.dtype()),
                java.util.Arrays.stream(t.shape().dims()).mapToObj(d -> (dev.heed.onnx.ir.Dim) new dev.heed.onnx.ir.Dim.Fixed(d)).toList())));
        Node n = node(op, List.copyOf(feeds.keySet()), List.of("y"), attrs.toArray(dev.heed.onnx.ir.Attribute[]::new));
        Model m = model(opset, List.of(n), ins, List.of(new ValueInfo("y", outType, null)));
        assertSame(m, feeds);
    }

    private static Model model(int opset, List<Node> nodes, List<ValueInfo> inputs, List<ValueInfo> outputs) {
        Graph g = new Graph("quant", nodes, inputs, outputs, List.of(), List.of());
        return new Model(8, Map.of("", (long) opset), "test", "", "", 0, "", Map.of(), g);
    }

    private void assertSame(Model m, Map<String, Tensor> feeds) {
        byte[] bytes = ModelWriter.write(m);
        Path file = dir.resolve("m" + System.nanoTime() + ".onnx");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String what = m.graph().nodes().getFirst().opType() + " " + m.graph().nodes().getFirst().attributes().keySet();
        Map<String, Tensor> want;
        try (OrtReference ort = OrtReference.open(file, 1)) {
            want = ort.run(feeds);
        }
        try (Session s = Session.open(bytes, SessionOptions.defaults())) {
            Map<String, Tensor> got = s.run(feeds);
            for (String k : want.keySet()) {
                Tensor w = want.get(k), g = got.get(k);
                assertEquals(w.dtype(), g.dtype(), what + " '" + k + "' dtype");
                assertArrayEquals(w.shape().dims(), g.shape().dims(), what + " '" + k + "' shape");
                if (w.dtype() == DType.FLOAT32) {
                    float[] wf = w.toFloatArray(), gf = g.toFloatArray();
                    for (int e = 0; e < wf.length; e++) {
                        assertEquals(Float.floatToIntBits(wf[e]), Float.floatToIntBits(gf[e]),
                                what + " '" + k + "' element " + e + ": ORT " + wf[e] + ", Heed " + gf[e]);
                    }
                } else {
                    assertArrayEquals(w.toLongArray(), g.toLongArray(), what + " '" + k + "'");
                }
            }
        }
    }
}
