package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quantised-linear fusion on the pattern ONNX Runtime's dynamic quantiser writes — two linear layers sharing one
 * DynamicQuantizeLinear, one with a bias Add, one with a per-column weight zero point and scale — fused vs unfused
 * (bit for bit) and vs ONNX Runtime (within 1e-5 relative to the output's scale: ORT fuses the pattern itself); and
 * the activation (GELU, Relu) that the fusion takes into the op's epilogue.
 */
class QuantizedLinearFusionTest {
    @TempDir
    Path dir;

    @Test
    void fusesBothLayersAndTheSharedQuantizer() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        int k = 48, n1 = 20, n2 = 13;
        List<TensorData> inits = new ArrayList<>();
        inits.add(int8("w1", r, k, n1));
        inits.add(int8("w2", r, k, n2));
        inits.add(floats("ws1", new float[] {0.0123f}));
        float[] ws2 = new float[n2];
        for (int j = 0; j < n2; j++) ws2[j] = 0.001f + 0.002f * j;
        inits.add(floats("ws2", ws2, n2));
        byte[] z2 = new byte[n2];
        for (int j = 0; j < n2; j++) z2[j] = (byte) (r.nextInt(11) - 5);
        inits.add(new TensorData("wz2", ElemType.INT8, new long[] {n2}, new TensorData.Data.Raw(MemorySegment.ofArray(z2))));
        float[] b1 = new float[n1];
        for (int j = 0; j < n1; j++) b1[j] = (float) r.nextDouble() - 0.5f;
        inits.add(floats("b1", b1, n1));
        List<Node> nodes = List.of(
                node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")),
                named(node("Mul", List.of("xs", "ws1"), List.of("s1")), "s1"),
                named(node("MatMulInteger", List.of("xq", "w1", "xz"), List.of("i1")), "mm1"),
                named(node("Cast", List.of("i1"), List.of("f1"), i("to", 1)), "c1"),
                named(node("Mul", List.of("f1", "s1"), List.of("m1")), "m1"),
                named(node("Add", List.of("b1", "m1"), List.of("y1")), "a1"),
                named(node("Mul", List.of("ws2", "xs"), List.of("s2")), "s2"),
                named(node("MatMulInteger", List.of("xq", "w2", "xz", "wz2"), List.of("i2")), "mm2"),
                named(node("Cast", List.of("i2"), List.of("f2"), i("to", 1)), "c2"),
                named(node("Mul", List.of("s2", "f2"), List.of("y2")), "m2"));
        Graph g = new Graph("ql", nodes, List.of(value("x", ElemType.FLOAT, 2, 5, k)),
                List.of(value("y1", ElemType.FLOAT, 2, 5, n1), value("y2", ElemType.FLOAT, 2, 5, n2)), List.of(), inits);
        Model m = new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g);
        float[] xv = new float[2 * 5 * k];
        for (int e = 0; e < xv.length; e++) xv[e] = (float) (r.nextDouble() * 4 - 1.5);
        Map<String, Tensor> feeds = Map.of("x", Tensor.of(xv, 2, 5, k));
        byte[] bytes = ModelWriter.write(m);
        Path file = dir.resolve("ql.onnx");
        Files.write(file, bytes);
        Map<String, Tensor> want;
        try (OrtReference ort = OrtReference.open(file, 1)) {
            want = ort.run(feeds);
        }
        try (Session on = Session.open(bytes, GraphFusionTest.options(true)); Session off = Session.open(bytes, GraphFusionTest.options(false))) {
            assertEquals(Map.of("quantized_linear", 2, "quantized_linear_bias", 1), on.graphFusions());
            assertEquals(2, on.plannedNodes(), "two fused nodes; the shared DynamicQuantizeLinear and both scale Muls went with them");
            Map<String, Tensor> fused = on.run(feeds), plain = off.run(feeds);
            for (String y : List.of("y1", "y2")) {
                assertArrayEquals(plain.get(y).toFloatArray(), fused.get(y).toFloatArray(), y + ": fused vs unfused");
                assertNearOrt(want, fused, y);
            }
        }
    }

    /**
     * K = 1536 with activations at both ends of their range and weights near ±127: the partial sums exceed what the
     * float formulation represents exactly (2^24) in one pass, so the fused op must cut K into exact chunks (the
     * integer kernel without the Vector API); with small activations it takes the single float product. Both equal
     * the unfused graph bit for bit.
     */
    @Test
    void largeSumsStayExact() throws IOException {
        SplittableRandom r = new SplittableRandom(8);
        int k = 1536, n = 40;
        byte[] w = new byte[k * n];
        for (int e = 0; e < w.length; e++) w[e] = (byte) (r.nextBoolean() ? 127 : 126);
        List<TensorData> inits = List.of(
                new TensorData("w", ElemType.INT8, new long[] {k, n}, new TensorData.Data.Raw(MemorySegment.ofArray(w))),
                floats("ws", new float[] {0.01f}));
        List<Node> nodes = List.of(
                node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")),
                named(node("Mul", List.of("xs", "ws"), List.of("s")), "s"),
                named(node("MatMulInteger", List.of("xq", "w", "xz"), List.of("i")), "mm"),
                named(node("Cast", List.of("i"), List.of("f"), i("to", 1)), "c"),
                named(node("Mul", List.of("f", "s"), List.of("y")), "m"));
        Graph g = new Graph("big", nodes, List.of(value("x", ElemType.FLOAT, 3, k)), List.of(value("y", ElemType.FLOAT, 3, n)),
                List.of(), inits);
        byte[] bytes = ModelWriter.write(new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g));
        float[][] inputs = new float[2][3 * k];
        for (int e = 0; e < 3 * k; e++) {
            inputs[0][e] = e % 2 == 0 ? 100f : -1f;                     // a' = 255 − zp or −zp: sums ≈ 1536·250·127
            inputs[1][e] = e < k ? (e % 2 == 0 ? 100f : -1f) : (float) r.nextDouble() * 0.5f;   // one big row, two small
        }
        try (Session on = Session.open(bytes, GraphFusionTest.options(true)); Session off = Session.open(bytes, GraphFusionTest.options(false))) {
            assertEquals(1, on.graphFusions().get("quantized_linear"));
            for (float[] xv : inputs) {
                Map<String, Tensor> feeds = Map.of("x", Tensor.of(xv, 3, k));
                assertArrayEquals(off.run(feeds).get("y").toFloatArray(), on.run(feeds).get("y").toFloatArray(), "fused vs unfused");
            }
            float[] small = new float[3 * k];
            for (int e = 0; e < small.length; e++) small[e] = (float) r.nextGaussian();
            Map<String, Tensor> feeds = Map.of("x", Tensor.of(small, 3, k));
            assertArrayEquals(off.run(feeds).get("y").toFloatArray(), on.run(feeds).get("y").toFloatArray(), "fused vs unfused (float product)");
        }
    }

    /** A model written to {@code dir}, its random inputs and ONNX Runtime's outputs on them. */
    private record Case(byte[] bytes, Map<String, Tensor> feeds, Map<String, Tensor> want) {}

    /** Writes {@code g} as {@code name.onnx}, draws x ~ N(0, 1.5²) of shape {@code xDims} and runs ONNX Runtime on it. */
    private Case written(String name, Graph g, SplittableRandom r, int... xDims) throws IOException {
        byte[] bytes = ModelWriter.write(new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g));
        Path file = dir.resolve(name + ".onnx");
        Files.write(file, bytes);
        int size = 1;
        for (int d : xDims) size *= d;
        float[] xv = new float[size];
        for (int e = 0; e < xv.length; e++) xv[e] = (float) (r.nextGaussian() * 1.5);
        Map<String, Tensor> feeds = Map.of("x", Tensor.of(xv, xDims));
        try (OrtReference ort = OrtReference.open(file, 1)) {
            return new Case(bytes, feeds, ort.run(feeds));
        }
    }

    /**
     * Every fused value within {@link dev.heed.kernel.IntGemm#EPILOGUE_TOLERANCE} of the unfused one (relative to
     * 1 + |value|); returns how many fused values are negative (a GELU test needs inputs below zero).
     */
    private static int assertWithinEpilogueTolerance(float[] plain, float[] fused, String what) {
        assertEquals(plain.length, fused.length, what + ": length");
        int negative = 0;
        for (int e = 0; e < plain.length; e++) {
            assertTrue(Math.abs(plain[e] - fused[e]) <= dev.heed.kernel.IntGemm.EPILOGUE_TOLERANCE * (1 + Math.abs(plain[e])),
                    what + " [" + e + "]: fused " + fused[e] + " vs unfused " + plain[e]);
            if (fused[e] < 0) negative++;
        }
        return negative;
    }

    /**
     * An activation after the layer joins the fused op's epilogue: the exported erf GELU (Div √2, Erf, Add 1, Mul x,
     * Mul 0.5, which the GELU pass makes one node first) after a bias Add, and a Relu straight after the scale Mul
     * (no bias). One fused node per layer; the Relu layer equals the unfused graph bit for bit, the GELU layer is
     * within {@link dev.heed.kernel.IntGemm#EPILOGUE_TOLERANCE} of it (the unfused graph rounds after each of Div,
     * Erf, Add, Mul, Mul; the epilogue runs the one-pass GELU kernel of the fused Gelu node), and both equal ONNX
     * Runtime within 1e-5 relative to the output's scale.
     */
    @Test
    void foldsAFollowingGeluOrReluIntoTheEpilogue() throws IOException {
        SplittableRandom r = new SplittableRandom(9);
        int k = 64, n1 = 37, n2 = 19;
        List<TensorData> inits = new ArrayList<>();
        inits.add(int8("w1", r, k, n1));
        inits.add(int8("w2", r, k, n2));
        inits.add(floats("ws1", new float[] {0.0087f}));
        float[] ws2 = new float[n2];
        for (int j = 0; j < n2; j++) ws2[j] = 0.002f + 0.001f * j;
        inits.add(floats("ws2", ws2, n2));
        float[] b1 = new float[n1];
        for (int j = 0; j < n1; j++) b1[j] = (float) r.nextDouble() * 2 - 1;
        inits.add(floats("b1", b1, n1));
        inits.add(floats("sqrt2", new float[] {1.4142135f}));
        inits.add(floats("one", new float[] {1f}));
        inits.add(floats("half", new float[] {0.5f}));
        List<Node> nodes = List.of(
                node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")),
                named(node("Mul", List.of("xs", "ws1"), List.of("s1")), "s1"),
                named(node("MatMulInteger", List.of("xq", "w1", "xz"), List.of("i1")), "mm1"),
                named(node("Cast", List.of("i1"), List.of("f1"), i("to", 1)), "c1"),
                named(node("Mul", List.of("f1", "s1"), List.of("m1")), "m1"),
                named(node("Add", List.of("m1", "b1"), List.of("a1")), "a1"),
                named(node("Div", List.of("a1", "sqrt2"), List.of("d1")), "gelu_div"),
                named(node("Erf", List.of("d1"), List.of("e1")), "gelu_erf"),
                named(node("Add", List.of("e1", "one"), List.of("p1")), "gelu_add"),
                named(node("Mul", List.of("a1", "p1"), List.of("q1")), "gelu_mul"),
                named(node("Mul", List.of("q1", "half"), List.of("y1")), "gelu_half"),
                named(node("Mul", List.of("ws2", "xs"), List.of("s2")), "s2"),
                named(node("MatMulInteger", List.of("xq", "w2", "xz"), List.of("i2")), "mm2"),
                named(node("Cast", List.of("i2"), List.of("f2"), i("to", 1)), "c2"),
                named(node("Mul", List.of("s2", "f2"), List.of("m2")), "m2"),
                named(node("Relu", List.of("m2"), List.of("y2")), "relu2"));
        Graph g = new Graph("qla", nodes, List.of(value("x", ElemType.FLOAT, 3, 7, k)),
                List.of(value("y1", ElemType.FLOAT, 3, 7, n1), value("y2", ElemType.FLOAT, 3, 7, n2)), List.of(), inits);
        Case c = written("qla", g, r, 3, 7, k);
        Map<String, Tensor> feeds = c.feeds(), want = c.want();
        try (Session on = Session.open(c.bytes(), GraphFusionTest.options(true)); Session off = Session.open(c.bytes(), GraphFusionTest.options(false))) {
            Map<String, Integer> f = on.graphFusions();
            assertEquals(2, f.get("quantized_linear"), f.toString());
            assertEquals(1, f.get("quantized_linear_bias"), f.toString());
            assertEquals(1, f.get("quantized_linear_gelu_erf"), f.toString());
            assertEquals(1, f.get("quantized_linear_relu"), f.toString());
            assertEquals(2, on.plannedNodes(), "one node per layer: the GELU and the Relu went into the epilogues");
            Map<String, Tensor> fused = on.run(feeds), plain = off.run(feeds);
            assertArrayEquals(plain.get("y2").toFloatArray(), fused.get("y2").toFloatArray(), "y2 (Relu): fused vs unfused");
            int negative = assertWithinEpilogueTolerance(plain.get("y1").toFloatArray(), fused.get("y1").toFloatArray(), "y1 (GELU)");
            assertTrue(negative > 0, "the GELU inputs must reach below zero for the test to mean something");
            for (String y : List.of("y1", "y2")) {
                assertNearOrt(want, fused, y);
            }
        }
    }

    /**
     * The tanh form of GELU (GPT-2's gelu_new, x³ as Pow) goes into the epilogue as GELU_TANH; an erf GELU whose input
     * has a second reader (a Relu) stays a node of its own, as in the float fusion. Fused vs unfused within
     * {@link dev.heed.kernel.IntGemm#EPILOGUE_TOLERANCE} (relative to 1 + |value|), and vs ONNX Runtime.
     */
    @Test
    void foldsTheTanhGeluAndKeepsAGeluWhoseInputIsReadTwice() throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        int k = 40, n1 = 29, n2 = 11;
        List<TensorData> inits = new ArrayList<>();
        inits.add(int8("w1", r, k, n1));
        inits.add(int8("w2", r, k, n2));
        inits.add(floats("ws1", new float[] {0.0071f}));
        inits.add(floats("ws2", new float[] {0.0093f}));
        float[] b1 = new float[n1], b2 = new float[n2];
        for (int j = 0; j < n1; j++) b1[j] = (float) r.nextDouble() * 2 - 1;
        for (int j = 0; j < n2; j++) b2[j] = (float) r.nextDouble() * 2 - 1;
        inits.add(floats("b1", b1, n1));
        inits.add(floats("b2", b2, n2));
        inits.add(floats("sqrt2", new float[] {1.4142135f}));
        inits.add(floats("sqrt2pi", new float[] {0.7978846f}));
        inits.add(floats("c044", new float[] {0.044715f}));
        inits.add(floats("three", new float[] {3f}));
        inits.add(floats("one", new float[] {1f}));
        inits.add(floats("half", new float[] {0.5f}));
        List<Node> nodes = List.of(
                node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")),
                named(node("Mul", List.of("xs", "ws1"), List.of("s1")), "s1"),
                named(node("MatMulInteger", List.of("xq", "w1", "xz"), List.of("i1")), "mm1"),
                named(node("Cast", List.of("i1"), List.of("f1"), i("to", 1)), "c1"),
                named(node("Mul", List.of("f1", "s1"), List.of("m1")), "m1"),
                named(node("Add", List.of("m1", "b1"), List.of("a1")), "a1"),
                named(node("Pow", List.of("a1", "three"), List.of("cube1")), "t_pow"),
                named(node("Mul", List.of("c044", "cube1"), List.of("k1")), "t_k"),
                named(node("Add", List.of("a1", "k1"), List.of("u1")), "t_u"),
                named(node("Mul", List.of("sqrt2pi", "u1"), List.of("v1")), "t_v"),
                named(node("Tanh", List.of("v1"), List.of("h1")), "t_tanh"),
                named(node("Add", List.of("h1", "one"), List.of("p1")), "t_p"),
                named(node("Mul", List.of("a1", "half"), List.of("q1")), "t_half"),
                named(node("Mul", List.of("q1", "p1"), List.of("y1")), "t_y"),
                named(node("Mul", List.of("xs", "ws2"), List.of("s2")), "s2"),
                named(node("MatMulInteger", List.of("xq", "w2", "xz"), List.of("i2")), "mm2"),
                named(node("Cast", List.of("i2"), List.of("f2"), i("to", 1)), "c2"),
                named(node("Mul", List.of("f2", "s2"), List.of("m2")), "m2"),
                named(node("Add", List.of("b2", "m2"), List.of("a2")), "a2"),
                named(node("Div", List.of("a2", "sqrt2"), List.of("d2")), "e_div"),
                named(node("Erf", List.of("d2"), List.of("e2")), "e_erf"),
                named(node("Add", List.of("e2", "one"), List.of("p2")), "e_add"),
                named(node("Mul", List.of("a2", "p2"), List.of("q2")), "e_mul"),
                named(node("Mul", List.of("q2", "half"), List.of("y2")), "e_half"),
                named(node("Relu", List.of("a2"), List.of("r2")), "relu2"));
        Graph g = new Graph("qlt", nodes, List.of(value("x", ElemType.FLOAT, 2, 9, k)),
                List.of(value("y1", ElemType.FLOAT, 2, 9, n1), value("y2", ElemType.FLOAT, 2, 9, n2), value("r2", ElemType.FLOAT, 2, 9, n2)),
                List.of(), inits);
        Case c = written("qlt", g, r, 2, 9, k);
        Map<String, Tensor> feeds = c.feeds(), want = c.want();
        try (Session on = Session.open(c.bytes(), GraphFusionTest.options(true)); Session off = Session.open(c.bytes(), GraphFusionTest.options(false))) {
            Map<String, Integer> f = on.graphFusions();
            assertEquals(2, f.get("quantized_linear"), f.toString());
            assertEquals(2, f.get("quantized_linear_bias"), f.toString());
            assertEquals(1, f.get("gelu_tanh"), f.toString());
            assertEquals(1, f.get("gelu"), f.toString());
            assertEquals(1, f.get("quantized_linear_gelu_tanh"), f.toString());
            assertEquals(null, f.get("quantized_linear_gelu_erf"), "a2 has two readers: its GELU stays apart " + f);
            assertEquals(4, on.plannedNodes(), "two layers, the erf Gelu and the Relu");
            Map<String, Tensor> fused = on.run(feeds), plain = off.run(feeds);
            for (String y : List.of("y1", "y2", "r2")) {
                int negative = assertWithinEpilogueTolerance(plain.get(y).toFloatArray(), fused.get(y).toFloatArray(), y);
                if (!y.equals("r2")) assertTrue(negative > 0, y + ": the GELU inputs must reach below zero for the test to mean something");
                assertNearOrt(want, fused, y);
            }
        }
    }

    /** A GELU whose input is also a graph output stays a node of its own: the epilogue would lose that value. */
    @Test
    void keepsTheActivationApartWhenItsInputIsAlsoAnOutput() throws IOException {
        SplittableRandom r = new SplittableRandom(10);
        int k = 16, n = 8;
        List<TensorData> inits = List.of(int8("w", r, k, n), floats("ws", new float[] {0.01f}));
        List<Node> nodes = List.of(
                node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")),
                named(node("Mul", List.of("xs", "ws"), List.of("s")), "s"),
                named(node("MatMulInteger", List.of("xq", "w", "xz"), List.of("i")), "mm"),
                named(node("Cast", List.of("i"), List.of("f"), i("to", 1)), "c"),
                named(node("Mul", List.of("f", "s"), List.of("m")), "m"),
                named(node("Relu", List.of("m"), List.of("y")), "relu"));
        Graph g = new Graph("qlo", nodes, List.of(value("x", ElemType.FLOAT, 2, k)),
                List.of(value("m", ElemType.FLOAT, 2, n), value("y", ElemType.FLOAT, 2, n)), List.of(), inits);
        byte[] bytes = ModelWriter.write(new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g));
        float[] xv = new float[2 * k];
        for (int e = 0; e < xv.length; e++) xv[e] = (float) r.nextGaussian();
        Map<String, Tensor> feeds = Map.of("x", Tensor.of(xv, 2, k));
        try (Session on = Session.open(bytes, GraphFusionTest.options(true)); Session off = Session.open(bytes, GraphFusionTest.options(false))) {
            assertEquals(1, on.graphFusions().get("quantized_linear"));
            assertEquals(null, on.graphFusions().get("quantized_linear_relu"), on.graphFusions().toString());
            assertEquals(2, on.plannedNodes(), "the fused layer and the Relu");
            Map<String, Tensor> fused = on.run(feeds), plain = off.run(feeds);
            for (String y : List.of("m", "y")) assertArrayEquals(plain.get(y).toFloatArray(), fused.get(y).toFloatArray(), y);
        }
    }

    private static Node named(Node n, String name) {
        return new Node(name, n.opType(), n.domain(), n.inputs(), n.outputs(), n.attributes());
    }

    private static TensorData int8(String name, SplittableRandom r, int k, int n) {
        byte[] b = new byte[k * n];
        for (int e = 0; e < b.length; e++) b[e] = (byte) (r.nextInt(255) - 127);
        return new TensorData(name, ElemType.INT8, new long[] {k, n}, new TensorData.Data.Raw(MemorySegment.ofArray(b)));
    }

    private static TensorData floats(String name, float[] v, long... dims) {
        return new TensorData(name, ElemType.FLOAT, dims, new TensorData.Data.Floats(v));
    }


    /** {@code fused[y]} equals ONNX Runtime's {@code want[y]} within 1e-5 relative to the output's largest magnitude (at least 1). */
    private static void assertNearOrt(Map<String, Tensor> want, Map<String, Tensor> fused, String y) {
        double scale = 0, err = 0;
        float[] w = want.get(y).toFloatArray(), got = fused.get(y).toFloatArray();
        for (int e = 0; e < w.length; e++) {
            scale = Math.max(scale, Math.abs(w[e]));
            err = Math.max(err, Math.abs(w[e] - got[e]));
        }
        assertTrue(err <= 1e-5 * Math.max(1, scale), y + ": vs ONNX Runtime max |diff| " + err + " (scale " + scale + ")");
    }
}
