package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * {@link LaneSum#sum} (and {@link LaneSum#sumOf}, its form for stored lanes) against its scalar twin, bit for bit (tolerance 0): the fixed tree order of its comment, at every
 * vector width, on inputs whose sum depends on the order; and the same bits on every one of 30,000 calls in a row on
 * one input, so before warm-up (interpreted, C1) and after C2 compiled it — the order {@code reduceLanes(ADD)} did not
 * keep.
 */
class LaneSumTest {
    private static final VectorSpecies<Float>[] SPECIES = species();

    @SuppressWarnings("unchecked")
    private static VectorSpecies<Float>[] species() {
        return new VectorSpecies[] {FloatVector.SPECIES_64, FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512};
    }

    @Test
    void equalsTheScalarTreeSumBitForBitAtEveryWidth() {
        assumeTrue(VectorSupport.available(), "the Vector API module is not in this JVM");
        SplittableRandom r = new SplittableRandom(41);
        for (VectorSpecies<Float> s : SPECIES) {
            int n = s.length();
            float[] x = new float[n];
            for (int t = 0; t < 2_000; t++) {
                for (int i = 0; i < n; i++) x[i] = spread(r);
                float got = LaneSum.sum(FloatVector.fromArray(s, x, 0));
                float want = LaneSum.sumReference(x, 0, n);
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), s + " " + java.util.Arrays.toString(x));
                float stored = LaneSum.sumOf(x.clone());
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(stored), "sumOf, " + s + " " + java.util.Arrays.toString(x));
            }
        }
    }

    @Test
    void scalarTwinIsTheDocumentedTreeOrder() {
        // 8 lanes: ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7))
        float[] x = {1e8f, 3f, -1e8f, 5f, 1f, 7f, 1f, 9f};
        float want = ((x[0] + x[4]) + (x[2] + x[6])) + ((x[1] + x[5]) + (x[3] + x[7]));
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(LaneSum.sumReference(x, 0, 8)));
        float sequential = 0;
        for (float v : x) sequential += v;
        assertNotEquals(sequential, want, "the input must tell the orders apart");
    }

    @Test
    void sameBitsBeforeAndAfterTheJitCompilesIt() {
        assumeTrue(VectorSupport.available(), "the Vector API module is not in this JVM");
        VectorSpecies<Float> s = VectorShapes.F;
        int n = s.length();
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(7);
        float sequential;
        do {                                                       // an input whose sum depends on the order
            for (int i = 0; i < n; i++) x[i] = spread(r);
            sequential = 0;
            for (float v : x) sequential += v;
        } while (n > 2 && sequential == LaneSum.sumReference(x, 0, n));
        int want = Float.floatToRawIntBits(LaneSum.sumReference(x, 0, n));
        FloatVector v = FloatVector.fromArray(s, x, 0);
        for (int call = 0; call < 30_000; call++) {
            int got = Float.floatToRawIntBits(LaneSum.sum(v));
            if (got != want) assertEquals(want, got, "call " + call + " on " + java.util.Arrays.toString(x));
        }
    }

    /** Values over many orders of magnitude and both signs, so rounding depends on the order of the additions. */
    private static float spread(SplittableRandom r) {
        return (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-3, 7)) * r.nextDouble());
    }
}
