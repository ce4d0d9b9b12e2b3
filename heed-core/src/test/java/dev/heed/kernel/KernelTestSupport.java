package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random tensors, view makers and tolerance assertions shared by the kernel tests. */
final class KernelTestSupport {
    private KernelTestSupport() {}

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (nextGaussian(r) * scale);
        return v;
    }

    static double nextGaussian(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    static Tensor random(SplittableRandom r, double scale, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return Tensor.of(gaussian(r, n, scale), dims);
    }

    /** The same values as {@code t} but laid out transposed in memory (a non-contiguous view). */
    static Tensor asTransposedView(Tensor t) {
        int r = t.rank();
        if (r < 2) return t;
        return t.transpose(r - 2, r - 1).contiguous().transpose(r - 2, r - 1);
    }

    /** The same values as {@code t} read in place from a little-endian memory segment. */
    static Tensor asSegment(Tensor t, Arena arena) {
        float[] v = t.toFloatArray();
        MemorySegment seg = arena.allocate(Math.max(4L, 4L * v.length), 4);
        for (int i = 0; i < v.length; i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v[i]);
        }
        return Tensor.ofSegment(seg, DType.FLOAT32, t.shape().dims());
    }

    static void assertClose(String what, float[] y, double[] ref, ElementwiseChecks.Tol tol) {
        if (y.length != ref.length) fail(what + ": length " + y.length + " != reference " + ref.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < y.length; i++) {
            double q = tol.ratio(y[i], ref[i]);
            if (q > worst || Double.isNaN(q)) {
                worst = q;
                at = i;
            }
        }
        if (worst > 1 || Double.isNaN(worst)) {
            fail(what + ": element " + at + " is " + y[at] + " but the reference is " + ref[at] + " (error "
                    + Math.abs(y[at] - ref[at]) + " = " + worst + "× tolerance " + tol + ")");
        }
    }
}
