package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The elementwise math ops (MathOps) on one-node graphs built in code: broadcasting, integer semantics, the Clip
 * forms per opset, variadic ops, the activations against their float64 definitions, and the error messages.
 */
class MathOpsTest {
    /** Activations vs their float64 definition: |y − r| ≤ REL·|r| + ABS (the kernels' own tolerances are tighter). */
    static final double REL = 1e-6, ABS = 1e-7;

    private static Map<String, Tensor> run(int opset, Node n, Map<String, Tensor> feeds) {
        List<ValueInfo> ins = feeds.keySet().stream().map(k -> new ValueInfo(k, null, null)).toList();
        List<ValueInfo> outs = n.outputs().stream().map(k -> new ValueInfo(k, null, null)).toList();
        Model m = Fixtures.model(opset, List.of(n), ins, outs);
        try (Session s = Session.open(m, SessionOptions.defaults().withExecution(new ExecutionOptions(1, 1 << 20)), OpRegistry.standard())) {
            return s.run(feeds);
        }
    }

    /** Runs a node with inputs named a, b, c, … fed in order and returns output y. */
    private static Tensor y(int opset, String op, Tensor[] in, Attribute... attrs) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        String[] names = new String[in.length];
        for (int k = 0; k < in.length; k++) {
            names[k] = String.valueOf((char) ('a' + k));
            feeds.put(names[k], in[k]);
        }
        return run(opset, node(op, List.of(names), List.of("y"), attrs), feeds).get("y");
    }

    private static Tensor y(int opset, String op, Tensor... in) {
        return y(opset, op, in, new Attribute[0]);
    }

    private static Attribute f(String name, float v) {
        return Attribute.ofFloat(name, v);
    }

    private static HeedException fails(Runnable r) {
        return assertThrows(HeedException.class, r::run);
    }

    // ---------------------------------------------------------------- broadcasting and integer arithmetic

    @Test
    void broadcastsSizeOneDimsAndRankDifferences() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 1, 3);         // [2, 1, 3]
        Tensor b = Tensor.of(new float[] {10, 20, 30, 40}, 4, 1);              // [4, 1]: rank 2 vs 3
        for (String op : new String[] {"Add", "Sub", "Mul", "Div"}) {
            Tensor r = y(14, op, a, b);
            assertArrayEquals(new int[] {2, 4, 3}, r.shape().dims(), op);
            for (int p = 0; p < 2; p++) for (int q = 0; q < 4; q++) for (int s = 0; s < 3; s++) {
                float x = a.getFloat(p, 0, s), z = b.getFloat(q, 0);
                float want = switch (op) { case "Add" -> x + z; case "Sub" -> x - z; case "Mul" -> x * z; default -> x / z; };
                assertEquals(want, r.getFloat(p, q, s), op + " at " + p + "," + q + "," + s);   // one IEEE op: exact
            }
        }
        // a rank-0 operand against a [3] one, either side, at the oldest broadcasting opset (7)
        assertArrayEquals(new float[] {-1, 0, 1}, y(7, "Sub", Tensor.of(new float[] {1, 2, 3}, 3), Tensor.scalar(2f)).toFloatArray());
        Tensor left = y(7, "Sub", Tensor.scalar(2f), Tensor.of(new float[] {1, 2, 3}, 3));
        assertArrayEquals(new int[] {3}, left.shape().dims());
        assertArrayEquals(new float[] {1, 0, -1}, left.toFloatArray());
    }

    @Test
    void integerArithmeticKeepsTheTypeAndDivisionTruncates() {
        Tensor a = Tensor.ofLongs(new long[] {-7, 7, -8, 9}, 2, 2), b = Tensor.ofLongs(new long[] {-2, 2}, 2);
        Tensor q = y(13, "Div", a, b);
        assertEquals(DType.INT64, q.dtype());
        assertArrayEquals(new long[] {3, 3, 4, 4}, q.toLongArray());                       // C truncation, not floor
        assertArrayEquals(new long[] {14, 14, 16, 18}, y(13, "Mul", a, b).toLongArray());
        assertArrayEquals(new long[] {-9, 9, -10, 11}, y(14, "Add", a, b).toLongArray());
        Tensor i = Tensor.ofInts(new int[] {-7, 7, Integer.MAX_VALUE}, 3), two = Tensor.ofInts(new int[] {2}, 1);
        Tensor qi = y(14, "Div", i, two);
        assertEquals(DType.INT32, qi.dtype());
        assertArrayEquals(new long[] {-3, 3, Integer.MAX_VALUE / 2}, qi.toLongArray());
        assertArrayEquals(new long[] {-5, 9, Integer.MIN_VALUE + 1}, y(14, "Add", i, two).toLongArray()); // wraps as int32
        HeedException e = fails(() -> y(14, "Div", a, Tensor.ofLongs(new long[] {0})));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("div_0") && e.getMessage().contains("division by zero"), e.getMessage());
        // Mod: fmod=0 takes the divisor's sign, fmod=1 the dividend's
        Tensor x = Tensor.ofLongs(new long[] {-4, 7, 5, -5}, 4), d = Tensor.ofLongs(new long[] {3, -3, 3, 3}, 4);
        assertArrayEquals(new long[] {2, -2, 2, 1}, y(13, "Mod", x, d).toLongArray());
        assertArrayEquals(new long[] {-1, 1, 2, -2}, y(13, "Mod", new Tensor[] {x, d}, i("fmod", 1)).toLongArray());
        Tensor fm = y(13, "Mod", new Tensor[] {Tensor.of(new float[] {-4.5f, 7.5f}, 2), Tensor.of(new float[] {2f, -2f}, 2)}, i("fmod", 1));
        assertArrayEquals(new float[] {-0.5f, 1.5f}, fm.toFloatArray());
        // Neg, Abs, Sign and Relu (v14) on integers
        assertArrayEquals(new long[] {4, -7, -5, 5}, y(13, "Neg", x).toLongArray());
        assertArrayEquals(new long[] {4, 7, 5, 5}, y(13, "Abs", x).toLongArray());
        assertArrayEquals(new long[] {-1, 1, 1, -1}, y(13, "Sign", x).toLongArray());
        Tensor relu = y(14, "Relu", Tensor.ofInts(new int[] {-3, 0, 4}, 3));
        assertEquals(DType.INT32, relu.dtype());
        assertArrayEquals(new long[] {0, 0, 4}, relu.toLongArray());
        HeedException r13 = fails(() -> y(13, "Relu", Tensor.ofInts(new int[] {-3}, 1)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, r13.code());
        assertTrue(r13.getMessage().contains("int32") && r13.getMessage().contains("supports float32"), r13.getMessage());
    }

    @Test
    void powMixesBaseAndExponentTypes() {
        Tensor base = Tensor.of(new float[] {2, -3, 0.5f}, 3);
        assertArrayEquals(new float[] {8, -27, 0.125f}, y(15, "Pow", base, Tensor.ofLongs(new long[] {3})).toFloatArray());
        assertArrayEquals(new float[] {4, 9, 0.25f}, y(15, "Pow", base, Tensor.ofInts(new int[] {2}, 1)).toFloatArray());
        float[] sq = y(7, "Pow", Tensor.of(new float[] {4, 2}, 2), Tensor.scalar(0.5f)).toFloatArray();
        assertEquals(2f, sq[0]);
        assertEquals((float) Math.sqrt(2), sq[1], 1.2e-7f);
        Tensor big = y(15, "Pow", Tensor.ofLongs(new long[] {3, -2, 7}, 3), Tensor.ofLongs(new long[] {20, 3, 0}, 3));
        assertEquals(DType.INT64, big.dtype());
        assertArrayEquals(new long[] {3486784401L, -8, 1}, big.toLongArray());     // exact, above float32's 2^24
        Tensor ib = y(15, "Pow", Tensor.ofInts(new int[] {2, 3}, 2), Tensor.ofLongs(new long[] {10}));
        assertEquals(DType.INT32, ib.dtype());
        assertArrayEquals(new long[] {1024, 59049}, ib.toLongArray());
        Tensor fe = y(15, "Pow", Tensor.ofInts(new int[] {2, 9}, 2), Tensor.scalar(0.5f));
        assertEquals(DType.INT32, fe.dtype());
        assertArrayEquals(new long[] {1, 3}, fe.toLongArray());                  // sqrt 2 = 1.41… truncates to 1
    }

    // ---------------------------------------------------------------- Clip per opset

    @Test
    void clipAttributeFormUpToOpset6() {
        Tensor x = Tensor.of(new float[] {-5, -0.5f, 0.5f, 5, Float.POSITIVE_INFINITY, Float.NaN}, 6);
        float[] c = y(6, "Clip", new Tensor[] {x}, f("min", -1f), f("max", 1f)).toFloatArray();
        assertArrayEquals(new float[] {-1, -0.5f, 0.5f, 1, 1}, Arrays.copyOf(c, 5));
        assertTrue(Float.isNaN(c[5]), "NaN stays NaN");
        // no attributes: the float range, so ±inf clamps to ±FLT_MAX as the spec's numeric_limits defaults say
        float[] d = y(6, "Clip", Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 3, Float.POSITIVE_INFINITY}, 3)).toFloatArray();
        assertArrayEquals(new float[] {-Float.MAX_VALUE, 3, Float.MAX_VALUE}, d);
        // opset 10 still resolves to the attribute form
        assertArrayEquals(new float[] {0, 0, 0.5f, 2, 2}, Arrays.copyOf(
                y(10, "Clip", new Tensor[] {x}, f("min", 0f), f("max", 2f)).toFloatArray(), 5));
    }

    @Test
    void clipInputFormFromOpset11WithOptionalBounds() {
        Tensor x = Tensor.of(new float[] {-5, -0.5f, 0.5f, 5}, 2, 2);
        Tensor lo = Tensor.scalar(-1f), hi = Tensor.of(new float[] {1f}, 1);      // a [1] bound is accepted as a scalar
        Tensor both = y(11, "Clip", x, lo, hi);
        assertArrayEquals(new int[] {2, 2}, both.shape().dims());                 // bounds never change the shape
        assertArrayEquals(new float[] {-1, -0.5f, 0.5f, 1}, both.toFloatArray());
        assertArrayEquals(new float[] {-1, -0.5f, 0.5f, 5}, y(11, "Clip", x, lo).toFloatArray());
        // max only: min is the empty name, as exporters write it
        Node maxOnly = node("Clip", List.of("x", "", "hi"), List.of("y"));
        assertArrayEquals(new float[] {-5, -0.5f, 0.5f, 1}, run(13, maxOnly, Map.of("x", x, "hi", hi)).get("y").toFloatArray());
        assertArrayEquals(x.toFloatArray(), y(13, "Clip", x).toFloatArray());
        // min > max: everything becomes max
        assertArrayEquals(new float[] {-2, -2, -2, -2}, y(13, "Clip", x, Tensor.scalar(3f), Tensor.scalar(-2f)).toFloatArray());
        // integers: refused at opset 11, exact from 12
        Tensor xi = Tensor.ofLongs(new long[] {-9, 0, 9, Long.MAX_VALUE}, 4);
        Tensor loI = Tensor.ofLongs(new long[] {-3}), hiI = Tensor.ofLongs(new long[] {4});
        HeedException e = fails(() -> y(11, "Clip", xi, loI, hiI));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("clip_0") && e.getMessage().contains("int64[4]") && e.getMessage().contains("float32"),
                e.getMessage());
        Tensor ci = y(12, "Clip", xi, loI, hiI);
        assertEquals(DType.INT64, ci.dtype());
        assertArrayEquals(new long[] {-3, 0, 4, 4}, ci.toLongArray());
        Node loOnly = node("Clip", List.of("x", "lo"), List.of("y"));
        assertArrayEquals(new long[] {-3, 0, 9, Long.MAX_VALUE}, run(13, loOnly, Map.of("x", xi, "lo", loI)).get("y").toLongArray());
        // bound errors: wrong dtype, not a scalar
        HeedException dt = fails(() -> y(13, "Clip", x, Tensor.ofLongs(new long[] {0})));
        assertEquals(ErrorCode.DTYPE_MISMATCH, dt.code());
        assertTrue(dt.getMessage().contains("'min'") && dt.getMessage().contains("int64[]") && dt.getMessage().contains("float32[2, 2]"),
                dt.getMessage());
        HeedException sh = fails(() -> y(13, "Clip", x, Tensor.of(new float[] {0, 1}, 2)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, sh.code());
        assertTrue(sh.getMessage().contains("must be a scalar") && sh.getMessage().contains("float32[2]"), sh.getMessage());
    }

    // ---------------------------------------------------------------- variadic

    @Test
    void variadicMaxMinSumMeanBroadcastThreeInputs() {
        Tensor a = Tensor.of(new float[] {1, 5, Float.NaN}, 3);            // [3]
        Tensor b = Tensor.of(new float[] {2, 4}, 2, 1);                    // [2, 1]
        Tensor c = Tensor.scalar(3f);                                      // []
        Tensor mx = y(13, "Max", a, b, c);
        assertArrayEquals(new int[] {2, 3}, mx.shape().dims());
        float[] m = mx.toFloatArray();
        assertArrayEquals(new float[] {3, 5, 4, 5}, new float[] {m[0], m[1], m[3], m[4]});
        assertTrue(Float.isNaN(m[2]) && Float.isNaN(m[5]), "NaN propagates through Max");
        float[] mn = y(8, "Min", a, b, c).toFloatArray();
        assertArrayEquals(new float[] {1, 2, 1, 3}, new float[] {mn[0], mn[1], mn[3], mn[4]});
        Tensor a2 = Tensor.of(new float[] {1, 5, 7}, 3);
        assertArrayEquals(new float[] {6, 10, 12, 8, 12, 14}, y(13, "Sum", a2, b, c).toFloatArray());
        float[] mean = y(13, "Mean", a2, b, c).toFloatArray();
        float[] want = {6f / 3, 10f / 3, 12f / 3, 8f / 3, 12f / 3, 14f / 3};
        for (int k = 0; k < 6; k++) assertEquals(want[k], mean[k], 1e-6f * Math.abs(want[k]), "mean " + k);
        // one input: a copy of it
        assertArrayEquals(a2.toFloatArray(), y(13, "Sum", a2).toFloatArray());
        Tensor one = y(13, "Max", Tensor.ofLongs(new long[] {4, -1}, 2));
        assertArrayEquals(new long[] {4, -1}, one.toLongArray());
        // integers (v12+) and an incompatible third shape, named with the node
        assertArrayEquals(new long[] {7, 7}, y(13, "Max", Tensor.ofLongs(new long[] {1, 3}, 2), Tensor.ofLongs(new long[] {7}, 1),
                Tensor.ofLongs(new long[] {-2, 0}, 2)).toLongArray());
        HeedException e = fails(() -> y(13, "Max", a, b, Tensor.of(new float[4], 4)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("max_0") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        HeedException s = fails(() -> y(13, "Sum", Tensor.ofLongs(new long[] {1}, 1), Tensor.ofLongs(new long[] {2}, 1)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, s.code());
        assertTrue(s.getMessage().contains("sum_0") && s.getMessage().contains("supports float32"), s.getMessage());
    }

    // ---------------------------------------------------------------- comparisons and predicates

    @Test
    void comparisonsAndPredicatesGiveBool() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, Float.NaN}, 4), b = Tensor.of(new float[] {2}, 1);
        Tensor g = y(13, "Greater", a, b);
        assertEquals(DType.BOOL, g.dtype());
        assertArrayEquals(new long[] {0, 0, 1, 0}, g.toLongArray());
        assertArrayEquals(new long[] {1, 0, 0, 0}, y(9, "Less", a, b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 1, 0}, y(12, "GreaterOrEqual", a, b).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0, 0}, y(16, "LessOrEqual", a, b).toLongArray());
        Tensor li = y(13, "Less", Tensor.ofLongs(new long[] {1, 5}, 2, 1), Tensor.ofLongs(new long[] {2, 6}, 2));
        assertArrayEquals(new int[] {2, 2}, li.shape().dims());
        assertArrayEquals(new long[] {1, 1, 0, 1}, li.toLongArray());
        Tensor x = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 0, Float.NaN, Float.POSITIVE_INFINITY, Float.MAX_VALUE}, 5);
        assertArrayEquals(new long[] {0, 0, 1, 0, 0}, y(13, "IsNaN", x).toLongArray());
        assertArrayEquals(new long[] {1, 0, 0, 1, 0}, y(10, "IsInf", x).toLongArray());
        assertArrayEquals(new long[] {1, 0, 0, 0, 0}, y(10, "IsInf", new Tensor[] {x}, i("detect_positive", 0)).toLongArray());
        assertArrayEquals(new long[] {0, 0, 0, 1, 0}, y(10, "IsInf", new Tensor[] {x}, i("detect_negative", 0)).toLongArray());
        assertArrayEquals(new long[5], y(10, "IsInf", new Tensor[] {x}, i("detect_negative", 0), i("detect_positive", 0)).toLongArray());
        OpRegistry reg = OpRegistry.standard();
        assertFalse(reg.supports("", "GreaterOrEqual", 11), "GreaterOrEqual exists from opset 12");
        assertFalse(reg.supports("", "HardSwish", 13), "HardSwish exists from opset 14");
        assertTrue(reg.supports("", "Clip", 17) && reg.supports("", "Add", 17) && reg.supports("", "Pow", 17));
    }

    // ---------------------------------------------------------------- activations vs float64 definitions

    private static void checkActivation(int opset, String op, DoubleUnaryOperator def, Attribute... attrs) {
        float[] v = {-100, -20, -3, -1, -0.3f, -1e-4f, 0, 1e-4f, 0.3f, 1, 2.5f, 3, 20, 100};
        float[] got = y(opset, op, new Tensor[] {Tensor.of(v, 2, 7)}, attrs).toFloatArray();
        for (int k = 0; k < v.length; k++) {
            double r = def.applyAsDouble(v[k]);
            assertTrue(Math.abs(got[k] - r) <= REL * Math.abs(r) + ABS, op + "(" + v[k] + ") = " + got[k] + ", want " + r);
        }
    }

    @Test
    void activationsMatchTheirDefinitions() {
        checkActivation(6, "Elu", x -> x < 0 ? 2 * Math.expm1(x) : x, f("alpha", 2f));
        checkActivation(6, "Elu", x -> x < 0 ? Math.expm1(x) : x);
        double sa = 1.67326319217681884765625, sg = 1.05070102214813232421875;
        checkActivation(6, "Selu", x -> sg * (x > 0 ? x : sa * Math.expm1(x)));
        checkActivation(6, "Selu", x -> 3 * (x > 0 ? x : 2 * Math.expm1(x)), f("alpha", 2f), f("gamma", 3f));
        checkActivation(1, "Softplus", x -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));   // no overflow at ±100
        checkActivation(1, "Softsign", x -> x / (1 + Math.abs(x)));
        checkActivation(16, "LeakyRelu", x -> x < 0 ? 0.1f * x : x, f("alpha", 0.1f));
        checkActivation(6, "LeakyRelu", x -> x < 0 ? 0.01f * x : x);
        checkActivation(6, "HardSigmoid", x -> Math.max(0, Math.min(1, 0.2f * x + 0.5f)));
        checkActivation(6, "HardSigmoid", x -> Math.max(0, Math.min(1, 0.3f * x + 0.1f)), f("alpha", 0.3f), f("beta", 0.1f));
        checkActivation(14, "HardSwish", x -> x * Math.max(0, Math.min(1, x / 6 + 0.5)));
        checkActivation(13, "Sigmoid", x -> 1 / (1 + Math.exp(-x)));
        checkActivation(13, "Tanh", Math::tanh);
        checkActivation(14, "Relu", x -> Math.max(x, 0));
        checkActivation(13, "Sign", Math::signum);
        checkActivation(13, "Neg", x -> -x);
        checkActivation(13, "Abs", Math::abs);
        checkActivation(13, "Floor", Math::floor);
        checkActivation(13, "Ceil", Math::ceil);
        checkActivation(11, "Round", Math::rint);
        // Round is half to even
        assertArrayEquals(new float[] {0, 2, 2, -2, -0f}, y(11, "Round", Tensor.of(new float[] {0.5f, 1.5f, 2.5f, -2.5f, -0.5f}, 5)).toFloatArray());
    }

    @Test
    void preluSlopeBroadcastsToXOnly() {
        Tensor x = Tensor.of(new float[] {-2, 3, -4, 5, -6, 7}, 2, 3);
        Tensor slope = Tensor.of(new float[] {0.5f, 2f, 0.25f}, 3);
        assertArrayEquals(new float[] {-1, 3, -1, 5, -12, 7}, y(16, "PRelu", x, slope).toFloatArray());
        assertArrayEquals(new float[] {-2 * 0.1f, 3, -4 * 0.1f, 5, -6 * 0.1f, 7}, y(9, "PRelu", x, Tensor.scalar(0.1f)).toFloatArray());
        assertArrayEquals(new long[] {-6, 3}, y(16, "PRelu", Tensor.ofLongs(new long[] {-2, 3}, 2), Tensor.ofLongs(new long[] {3})).toLongArray());
        HeedException e = fails(() -> y(16, "PRelu", Tensor.of(new float[3], 3), Tensor.of(new float[6], 2, 3)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("prelu_0") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("X [3]"), e.getMessage());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void errorsNameTheNodeDtypesAndShapes() {
        Tensor f = Tensor.of(new float[6], 2, 3), l = Tensor.ofLongs(new long[3], 3);
        HeedException dt = fails(() -> y(14, "Add", f, l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, dt.code());
        assertTrue(dt.getMessage().contains("Add 'add_0'") && dt.getMessage().contains("float32[2, 3]") && dt.getMessage().contains("int64[3]"),
                dt.getMessage());
        HeedException bc = fails(() -> y(14, "Mul", f, Tensor.of(new float[4], 4)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, bc.code());
        assertTrue(bc.getMessage().contains("Mul 'mul_0'") && bc.getMessage().contains("[2, 3]") && bc.getMessage().contains("[4]"),
                bc.getMessage());
        HeedException cmp = fails(() -> y(13, "Greater", f, l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, cmp.code());
        assertTrue(cmp.getMessage().contains("greater_0") && cmp.getMessage().contains("float32[2, 3]") && cmp.getMessage().contains("int64[3]"),
                cmp.getMessage());
        HeedException un = fails(() -> y(13, "Sqrt", l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, un.code());
        assertTrue(un.getMessage().contains("Sqrt 'sqrt_0'") && un.getMessage().contains("int64[3]") && un.getMessage().contains("supports float32"),
                un.getMessage());
        HeedException b8 = fails(() -> y(14, "Add", Tensor.ofBools(new byte[] {1}, 1), Tensor.ofBools(new byte[] {1}, 1)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, b8.code());
        assertTrue(b8.getMessage().contains("bool[1]") && b8.getMessage().contains("float32, int64, int32, uint8"), b8.getMessage());
        HeedException mod = fails(() -> y(13, "Mod", f, f));
        assertEquals(ErrorCode.INVALID_ARGUMENT, mod.code());
        assertTrue(mod.getMessage().contains("mod_0") && mod.getMessage().contains("fmod=1"), mod.getMessage());
        // an output over the memory limit (1 MiB here) is refused before the kernel allocates it
        HeedException mem = fails(() -> y(14, "Add", Tensor.of(new float[1024], 1024, 1), Tensor.of(new float[1024], 1, 1024)));
        assertEquals(ErrorCode.MEMORY_LIMIT, mem.code());
        assertTrue(mem.getMessage().contains("add_0") && mem.getMessage().contains("[1024, 1024]"), mem.getMessage());
    }
}
