package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order, the same interpreted and compiled. The Vector API leaves the
 * order of {@code reduceLanes(ADD)} on floats unspecified, and it differs in practice: the interpreter's Java fallback
 * adds the lanes one after the other, C2's intrinsic in a tree; so one call gave results one ulp apart before and
 * after warm-up, and a quantised model (DynamicQuantizeLinear rounds to a step of its range) amplified that ulp to
 * 5e-3 in an embedding. Every float reduction whose result feeds a kernel's output uses this instead.
 *
 * <p>The order, for {@code L} lanes (a power of two): halve the vector {@code log2 L} times, each time adding the
 * upper half to the lower half lane by lane,
 * <pre>
 *   t⁰ = v;   tˢ⁺¹[i] = tˢ[i] + tˢ[i + L/2ˢ⁺¹]   (i &lt; L/2ˢ⁺¹);   sum = t^(log2 L)[0]
 * </pre>
 * ({@link #sumReference} is that order in scalar Java). It is computed as {@code log2 L} steps
 * {@code v = v + v.rearrange(i ↦ i xor d)}, {@code d = L/2, …, 1}: each lane's add is one IEEE float32 addition,
 * which rounds the same everywhere, and float addition commutes, so lane 0 ends as the tree sum above. Cost
 * {@code log2 L} permutes and adds, as the intrinsic.
 *
 * <pre>{@code
 * float s = LaneSum.sum(acc);   // instead of acc.reduceLanes(VectorOperators.ADD)
 * }</pre>
 * Loaded only where the Vector API is (by the fast kernels).
 */
public final class LaneSum {
    private LaneSum() {}

    // xor shuffles, d = L/2 … 1, per lane count 16, 8, 4, 2 (static finals: constants to the JIT)
    private static final VectorShuffle<Float>[] X16 = shuffles(FloatVector.SPECIES_512);
    private static final VectorShuffle<Float>[] X8 = shuffles(FloatVector.SPECIES_256);
    private static final VectorShuffle<Float>[] X4 = shuffles(FloatVector.SPECIES_128);
    private static final VectorShuffle<Float>[] X2 = shuffles(FloatVector.SPECIES_64);
    private static final VectorShuffle<Float> S16_8 = X16[0], S16_4 = X16[1], S16_2 = X16[2], S16_1 = X16[3];
    private static final VectorShuffle<Float> S8_4 = X8[0], S8_2 = X8[1], S8_1 = X8[2];
    private static final VectorShuffle<Float> S4_2 = X4[0], S4_1 = X4[1];
    private static final VectorShuffle<Float> S2_1 = X2[0];

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(VectorSpecies<Float> s) {
        int steps = Integer.numberOfTrailingZeros(s.length());
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int t = 0, d = s.length() / 2; t < steps; t++, d /= 2) {
            int dist = d;
            out[t] = VectorShuffle.fromOp(s, i -> i ^ dist);
        }
        return out;
    }

    /**
     * The sum of {@code v}'s lanes in the fixed tree order of the class comment.
     *
     * @param v a vector (its lane count is a power of two; 2 to 16 lanes run as shuffles, wider ones in scalar code)
     * @return its lanes' sum, the same bits in interpreted and compiled code
     */
    public static float sum(FloatVector v) {
        return switch (v.length()) {
            case 16 -> {
                v = v.add(v.rearrange(S16_8));
                v = v.add(v.rearrange(S16_4));
                v = v.add(v.rearrange(S16_2));
                yield v.add(v.rearrange(S16_1)).lane(0);
            }
            case 8 -> {
                v = v.add(v.rearrange(S8_4));
                v = v.add(v.rearrange(S8_2));
                yield v.add(v.rearrange(S8_1)).lane(0);
            }
            case 4 -> {
                v = v.add(v.rearrange(S4_2));
                yield v.add(v.rearrange(S4_1)).lane(0);
            }
            case 2 -> v.add(v.rearrange(S2_1)).lane(0);
            default -> sumOf(v.toArray());                              // wider vectors (SVE): the same order, in scalar code
        };
    }

    /**
     * The same fixed-order sum of lanes already stored in an array ({@code lanes.length} a power of two), in place:
     * for a call site where {@link #sum} would not be inlined (a vector argument of a method C2 does not inline is
     * boxed, which costs more than the store). Equal to {@code sum(v)} bit for bit when {@code lanes} holds
     * {@code v.toArray()}.
     *
     * @param lanes the lanes, overwritten
     * @return their sum
     */
    public static float sumOf(float[] lanes) {
        for (int h = lanes.length / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) lanes[i] = lanes[i] + lanes[i + h];
        }
        return lanes[0];
    }

    /**
     * The twin of {@link #sum} in scalar Java: {@code x[off, off + n)} ({@code n} a power of two) summed in the same
     * fixed tree order, so {@code sum(v) == sumReference(v.toArray(), 0, v.length())} bit for bit.
     *
     * @param x   the lanes
     * @param off index of lane 0
     * @param n   lanes, a power of two
     * @return the sum
     */
    public static float sumReference(float[] x, int off, int n) {
        if (n <= 0 || Integer.bitCount(n) != 1) {
            throw dev.heed.HeedException.invalid("LaneSum.sumReference", "n = " + n + " lanes; expected a power of two");
        }
        return sumOf(java.util.Arrays.copyOfRange(x, off, off + n));
    }
}
