package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tolerances of the elementwise, reduction, softmax and normalisation kernels, and their
 * {@code heed selfcheck} lines: each fast kernel on ~1M random elements against its float64 reference.
 *
 * <p>An output {@code y} passes against the reference {@code r} when {@code |y - r| ≤ rel·|r| + abs}, NaN
 * matches NaN and infinities match exactly. One float32 ulp is {@code 2^-23 ≈ 1.19e-7} relative.
 *
 * <pre>{@code
 * for (KernelCheck c : ElementwiseChecks.selfCheck(ctx, 42)) System.out.println(c);
 * }</pre>
 */
public final class ElementwiseChecks {
    private ElementwiseChecks() {}

    /** A tolerance {@code |y - r| ≤ rel·|r| + abs}. */
    record Tol(double rel, double abs) {
        boolean ok(double y, double r) {
            return ratio(y, r) <= 1;
        }

        /** The error measured in units of this tolerance (≤ 1 passes); the correctly rounded float always passes. */
        double ratio(double y, double r) {
            if (Double.isNaN(r)) return Double.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
            if ((float) r == y) return 0;
            if (Double.isInfinite(r) || Double.isInfinite(y)) return y == r ? 0 : Double.POSITIVE_INFINITY;
            double d = Math.abs(y - r);
            return d / (rel * Math.abs(r) + abs);
        }
    }

    static final double ULP = 0x1p-23;
    /** Correctly rounded float ops (add, sub, mul, div, sqrt, reciprocal, pow via Math.pow, sin, cos). */
    static final Tol ROUNDED = new Tol(ULP, 0);
    /** Exact ops, output = the reference rounded to float (neg, abs, relu, leaky-relu, clip, floor, ceil, round, max, min, comparisons). */
    static final Tol EXACT = new Tol(0, 0);
    /** exp: own 2^k·p(r); below 2.4e-38 flushes to zero. */
    static final Tol EXP = new Tol(2 * ULP, 2.4e-38);
    /** log: own series. */
    static final Tol LOG = new Tol(2 * ULP, 1e-30);
    /** tanh: polynomial below 0.625, exp-based above. */
    static final Tol TANH = new Tol(3 * ULP, 1e-30);
    /** erf: own piecewise polynomial. */
    static final Tol ERF = new Tol(4 * ULP, 1e-30);
    /** sigmoid: 1/(1+exp(-x)); underflows to 0 below x ≈ -88.7 (true value < 3e-39). */
    static final Tol SIGMOID = new Tol(3 * ULP, 2.4e-38);
    /** silu: x·sigmoid(x); flushes to -0 below x ≈ -88.7 (true value > -1e-35). */
    static final Tol SILU = new Tol(3 * ULP, 1e-35);
    /** gelu (both forms): 1 + erf/tanh cancels for negative x, so an absolute part is inherent. */
    static final Tol GELU = new Tol(8 * ULP, 2e-7);
    /** hard-sigmoid / hard-swish: 1/6 is not a float, and alpha·x+beta may cancel. */
    static final Tol HARD = new Tol(2 * ULP, 1e-7);

    /**
     * elu / selu: Kahan's expm1 near 0 (relative, not absolute, accuracy), exp(x) − 1 beyond, times alpha (and gamma);
     * e^x flushes to 0 below −87, where expm1 is −1 to within 1e-38.
     */
    static final Tol ELU = new Tol(4 * ULP, 0);
    /** softplus: max(x, 0) + log1p(e^-|x|), both terms ≥ 0 so nothing cancels; e^-|x| flushes below 2.4e-38. */
    static final Tol SOFTPLUS = new Tol(4 * ULP, 2.4e-38);
    /** softsign: 1 + |x| and the division each round once. */
    static final Tol SOFTSIGN = new Tol(2 * ULP, 0);

    /** The tolerance of a unary op. */
    static Tol tolerance(UnaryOp.Kind k) {
        return switch (k) {
            case NEG, ABS, SIGN, RELU, LEAKY_RELU, CLIP, FLOOR, CEIL, ROUND -> EXACT;
            case SQRT, RECIPROCAL, SIN, COS -> ROUNDED;
            case ELU, SELU -> ELU;
            case SOFTPLUS -> SOFTPLUS;
            case SOFTSIGN -> SOFTSIGN;
            case EXP -> EXP;
            case LOG -> LOG;
            case TANH -> TANH;
            case ERF -> ERF;
            case SIGMOID -> SIGMOID;
            case SILU -> SILU;
            case GELU, GELU_TANH -> GELU;
            case HARD_SIGMOID, HARD_SWISH -> HARD;
        };
    }

    /** The tolerance of a binary op. */
    static Tol tolerance(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW -> ROUNDED;
            case MAX, MIN, FMOD, PRELU -> EXACT;   // fmod is exact in IEEE arithmetic; prelu is one product
            case MOD -> ROUNDED;                   // fmod, then + b once when the signs differ
        };
    }

    /** sum and mean: blocked float/double sums, error measured against Σ|x| (mean: Σ|x|/n). */
    static final double SUM_REL_TO_ABS_SUM = 24 * ULP;
    /** softmax: exp's 2 ulp plus rounding of x - max, sum and scale; tiny probabilities judged absolutely. */
    static final Tol SOFTMAX = new Tol(8 * ULP, 1e-9);
    /** log-softmax: (x - max) - log(sum); log(sum) inherits exp's ~2 ulp as an absolute error. */
    static final Tol LOG_SOFTMAX = new Tol(4 * ULP, 5e-7);
    /** layer norm with N(0,1)-scale gamma/beta: blocked statistics, output magnitude O(1..10). */
    static final Tol LAYER_NORM = new Tol(16 * ULP, 2e-6);
    /** batch norm: (x - mean)·a + bias, a rounded to float once. */
    static final Tol BATCH_NORM = new Tol(4 * ULP, 1e-6);

    // ---------------------------------------------------------------- selfcheck

    private static final int N = 1 << 20;

    /**
     * Runs each kernel family once on ~1M random elements and compares it with its float64 reference.
     * {@code maxError} is in units of the op's tolerance ({@code metric = "tol"}: ≤ 1 passes);
     * {@code gflops} is elements processed per nanosecond (billions of elements per second), best of 3 runs.
     *
     * @param ctx  the threads the fast kernels run on
     * @param seed seed of the random data
     * @return one check per kernel family
     */
    public static List<KernelCheck> selfCheck(ExecutionContext ctx, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<KernelCheck> out = new ArrayList<>();
        dev.heed.tensor.Tensor x = random(r, 3, 1024, 1024);
        dev.heed.tensor.Tensor bias = random(r, 1, 1024);
        out.add(check("add [1024, 1024] + [1024]", N, () -> Elementwise.binary(ctx, BinaryOp.ADD, x, bias),
                ElementwiseReference.binary(BinaryOp.ADD, x, bias), tolerance(BinaryOp.ADD)));
        out.add(check("mul [1024, 1024] · [1024, 1024]^T", N, () -> Elementwise.binary(ctx, BinaryOp.MUL, x, x.transpose(0, 1)),
                ElementwiseReference.binary(BinaryOp.MUL, x, x.transpose(0, 1)), tolerance(BinaryOp.MUL)));
        dev.heed.tensor.Tensor pos = Elementwise.unary(ctx, UnaryOp.EXP, random(r, 5, 1024, 1024));
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.ERF, UnaryOp.SIGMOID,
                UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU, UnaryOp.RELU, UnaryOp.ROUND}) {
            dev.heed.tensor.Tensor in = op.kind() == UnaryOp.Kind.LOG ? pos : x;
            out.add(check(op + " [1024, 1024]", N, () -> Elementwise.unary(ctx, op, in),
                    ElementwiseReference.unary(op, in), tolerance(op.kind())));
        }
        out.add(new KernelCheckBuilder("greater [1024, 1024] > [1024]", N).exact(ctx, () -> {
            dev.heed.tensor.Tensor y = Elementwise.compare(ctx, CompareOp.GREATER, x, bias);
            boolean[] ref = ElementwiseReference.compare(CompareOp.GREATER, x, bias);
            long[] got = y.toLongArray();
            int bad = 0;
            for (int i = 0; i < ref.length; i++) if ((ref[i] ? 1 : 0) != got[i]) bad++;
            return bad;
        }, () -> Elementwise.compare(ctx, CompareOp.GREATER, x, bias)));
        // sum over rows: error relative to Σ|x|
        {
            double[] ref = ReductionsReference.reduce(ReduceOp.SUM, x, new int[] {1});
            double[] abs = ReductionsReference.absSum(x, new int[] {1});
            float[] got = Reductions.reduce(ctx, ReduceOp.SUM, x, new int[] {1}, false).toFloatArray();
            double worst = 0;
            for (int i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (SUM_REL_TO_ABS_SUM * abs[i]));
            out.add(new KernelCheck("reduce_sum [1024, 1024] axis 1", worst, 1.0, "tol",
                    rate(N, () -> Reductions.reduce(ctx, ReduceOp.SUM, x, new int[] {1}, false))));
        }
        out.add(check("reduce_max [1024, 1024] axis 0 (columns)", N, () -> Reductions.reduce(ctx, ReduceOp.MAX, x, new int[] {0}, false),
                ReductionsReference.reduce(ReduceOp.MAX, x, new int[] {0}), EXACT));
        out.add(check("softmax [1024, 1024] axis -1", N, () -> Softmax.softmax(ctx, x, -1),
                SoftmaxReference.softmax(x, -1, false), SOFTMAX));
        out.add(check("log_softmax [1024, 1024] axis -1", N, () -> Softmax.logSoftmax(ctx, x, -1),
                SoftmaxReference.softmax(x, -1, true), LOG_SOFTMAX));
        dev.heed.tensor.Tensor g = random(r, 1, 1024), b = random(r, 1, 1024);
        out.add(check("layer_norm [1024, 1024] axis -1", N, () -> Norms.layerNorm(ctx, x, g, b, -1, 1e-5f),
                NormsReference.layerNorm(x, g, b, -1, 1e-5f), LAYER_NORM));
        dev.heed.tensor.Tensor img = random(r, 1, 4, 64, 64, 64);
        dev.heed.tensor.Tensor sc = random(r, 1, 64), bi = random(r, 1, 64), mu = random(r, 1, 64);
        dev.heed.tensor.Tensor va = Elementwise.unary(ctx, UnaryOp.ABS, random(r, 1, 64));
        out.add(check("batch_norm [4, 64, 64, 64]", N, () -> Norms.batchNorm(ctx, img, sc, bi, mu, va, 1e-5f),
                NormsReference.batchNorm(img, sc, bi, mu, va, 1e-5f), BATCH_NORM));
        return out;
    }

    private static KernelCheck check(String name, long elements, java.util.function.Supplier<dev.heed.tensor.Tensor> run,
                                     double[] ref, Tol tol) {
        float[] y = run.get().toFloatArray();
        double worst = 0;
        for (int i = 0; i < y.length; i++) worst = Math.max(worst, tol.ratio(y[i], ref[i]));
        return new KernelCheck(name, worst, 1.0, "tol", rate(elements, run::get));
    }

    /**
     * Billions of elements per second: best of 5 timed runs after a warm-up of at least 20 runs and 150 ms, so the
     * figure is the JIT-compiled steady state (each fast path is its own small method and compiles on its own).
     */
    private static double rate(long elements, Runnable run) {
        long warmEnd = System.nanoTime() + 150_000_000L;
        for (int i = 0; i < 20 || System.nanoTime() < warmEnd; i++) run.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            run.run();
            best = Math.min(best, System.nanoTime() - t);
        }
        return elements / (double) Math.max(1, best);
    }

    private record KernelCheckBuilder(String name, long elements) {
        KernelCheck exact(ExecutionContext ctx, java.util.function.IntSupplier mismatches, Runnable run) {
            return new KernelCheck(name, mismatches.getAsInt(), 0, "mismatches", rate(elements, run));
        }
    }

    private static dev.heed.tensor.Tensor random(SplittableRandom r, double scale, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(), w = r.nextDouble();
            v[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
        }
        return dev.heed.tensor.Tensor.of(v, dims);
    }
}
