package dev.heed.kernel;

import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;

/**
 * Float64 reference twin of the elementwise kernels: the oracle of the tests and the scalar fallback
 * when the Vector API is absent.
 *
 * <p>Catalogue: {@link #apply(UnaryOp, double)} / {@link #apply(BinaryOp, double, double)} — the
 * definitions, in double; {@link #erf(double)} — Maclaurin series for {@code |x| < 1.5}, Laplace's continued
 * fraction for erfc beyond (≈1e-16 absolute); run kernels with the same signatures as
 * {@link ElementwiseVector} (float in, double arithmetic, float out); and whole-tensor oracles
 * ({@link #unary(UnaryOp, Tensor)}, …) that share no indexing code with the fast path (they use
 * {@link Tensor#expand} + {@link Tensor#toFloatArray}).
 */
final class ElementwiseReference {
    private ElementwiseReference() {}

    // ---------------------------------------------------------------- definitions

    static double apply(UnaryOp op, double x) {
        return switch (op.kind()) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RECIPROCAL -> 1.0 / x;
            case TANH -> Math.tanh(x);
            case ERF -> erf(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case RELU -> Math.max(x, 0.0);
            case LEAKY_RELU -> x < 0 ? x * op.alpha() : x;
            case GELU -> 0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SILU -> x / (1.0 + Math.exp(-x));
            case HARD_SIGMOID -> Math.max(0.0, Math.min(1.0, (double) op.alpha() * x + op.beta()));
            case HARD_SWISH -> x * Math.max(0.0, Math.min(1.0, x / 6.0 + 0.5));
            case CLIP -> Math.min(Math.max(x, op.alpha()), op.beta());
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
            case ROUND -> Math.rint(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ELU -> x < 0 ? op.alpha() * Math.expm1(x) : x;
            case SELU -> op.beta() * (x > 0 ? x : op.alpha() * Math.expm1(x));
            case SOFTPLUS -> Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
            case SOFTSIGN -> x / (1.0 + Math.abs(x));
        };
    }

    static double apply(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case MOD -> {
                double r = a % b;
                yield r != 0 && (r < 0) != (b < 0) ? r + b : r;
            }
            case FMOD -> a % b;
            case PRELU -> a < 0 ? a * b : a;
        };
    }

    /** Integer arithmetic as ONNX/C: division truncates toward zero; pow by repeated squaring; mod by the divisor's sign, fmod by the dividend's. */
    static long apply(BinaryOp op, long a, long b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) throw dev.heed.HeedException.invalid("div", "integer division by zero");
                yield a / b;
            }
            case POW -> ipow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case MOD, FMOD -> {
                if (b == 0) throw dev.heed.HeedException.invalid("mod", "integer modulo by zero");
                yield op == BinaryOp.MOD ? Math.floorMod(a, b) : a % b;
            }
            case PRELU -> a < 0 ? a * b : a;
        };
    }

    private static long ipow(long base, long e) {
        if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) == 0 ? 1 : -1) : 0;
        long r = 1, b = base;
        while (e > 0) {
            if ((e & 1) != 0) r *= b;
            b *= b;
            e >>= 1;
        }
        return r;
    }

    /** The error function in double precision. */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        double r;
        if (a < 1.5) {
            // erf(a) = 2/√π · Σ (-1)^n a^(2n+1) / (n! (2n+1))
            double z = a * a, term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -z / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = sum * 2.0 / Math.sqrt(Math.PI);
        } else if (a < 10.0) {
            // erfc(a) = e^{-a²}/√π · 1/(a + (1/2)/(a + (2/2)/(a + (3/2)/(a + …))))
            double f = a;
            for (int k = 100; k >= 1; k--) f = a + (k / 2.0) / f;
            r = 1.0 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    // ---------------------------------------------------------------- run kernels (scalar fallback)

    static void unary(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = (float) apply(op, x[xo + i]);
    }

    static void binary(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = (float) apply(op, a[ao + i * sa], b[bo + i * sb]);
    }

    // ---------------------------------------------------------------- whole-tensor oracles

    private static double[] broadcastToDouble(Tensor t, Shape out) {
        float[] f = t.expand(out.dims()).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** {@code op(x)} in double, row-major. */
    static double[] unary(UnaryOp op, Tensor x) {
        double[] v = broadcastToDouble(x, x.shape());
        for (int i = 0; i < v.length; i++) v[i] = apply(op, v[i]);
        return v;
    }

    /** {@code a op b} in double over the broadcast shape, row-major. */
    static double[] binary(BinaryOp op, Tensor a, Tensor b) {
        Shape out = Shape.broadcast(op.toString(), a.shape(), b.shape());
        double[] x = broadcastToDouble(a, out), y = broadcastToDouble(b, out);
        for (int i = 0; i < x.length; i++) x[i] = apply(op, x[i], y[i]);
        return x;
    }

    /** {@code a op b} over the broadcast shape, row-major (floats compared as float, integers as long). */
    static boolean[] compare(CompareOp op, Tensor a, Tensor b) {
        Shape out = Shape.broadcast(op.toString(), a.shape(), b.shape());
        boolean[] r = new boolean[out.numelInt()];
        if (a.dtype() == dev.heed.tensor.DType.FLOAT32) {
            double[] x = broadcastToDouble(a, out), y = broadcastToDouble(b, out);
            for (int i = 0; i < r.length; i++) r[i] = op.test(x[i], y[i]);
        } else {
            long[] x = a.expand(out.dims()).toLongArray(), y = b.expand(out.dims()).toLongArray();
            for (int i = 0; i < r.length; i++) r[i] = op.test(x[i], y[i]);
        }
        return r;
    }
}
