package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vector API species used by the fast kernels. Loaded only when {@link VectorSupport#available()}. */
final class VectorShapes {
    private VectorShapes() {}

    /** The widest float species the CPU runs natively (16 lanes on AVX-512). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    static String describe() {
        return F.vectorBitSize() + "-bit float vectors (" + F.length() + " lanes)";
    }
}
