package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
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

    /**
     * One byte per 32-bit lane of {@link #F}, for kernels that widen bytes to int or float lanes. At 4 lanes (128-bit
     * vectors) that would be 32 bits, below the smallest byte vector (64 bits): the species is then 64 bits wide and
     * read under {@link #BYTE_LANES} ({@link #BYTES_PARTIAL}).
     */
    static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.length() * 8)));
    /** The first {@code F.length()} lanes of {@link #BYTES}. */
    static final VectorMask<Byte> BYTE_LANES = BYTES.indexInRange(0, F.length());
    /** True when {@link #BYTES} has more lanes than {@link #F}, so its loads need {@link #BYTE_LANES}. */
    static final boolean BYTES_PARTIAL = BYTES.length() > F.length();

    static String describe() {
        return F.vectorBitSize() + "-bit float vectors (" + F.length() + " lanes)";
    }
}
