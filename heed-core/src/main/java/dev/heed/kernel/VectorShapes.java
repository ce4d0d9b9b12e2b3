package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API species used by the fast kernels. Loaded only when {@link VectorSupport#available()}.
 * {@link NormsVector}, {@link ReductionsVector}, {@link SoftmaxVector} (and the attention tile kernels) take their width as a subclass
 * constant instead, {@code of(bits)} for 64…512 bits, so their tests run every width on any machine; the other
 * kernels use {@link #F}.
 */
final class VectorShapes {
    private VectorShapes() {}

    /** The widest float species the CPU runs natively (16 lanes on AVX-512). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    static String describe() {
        return F.vectorBitSize() + "-bit float vectors (" + F.length() + " lanes)";
    }
}
