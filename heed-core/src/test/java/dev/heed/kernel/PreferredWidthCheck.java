package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;

/**
 * Run only by heed-core's {@code vector-128} and {@code vector-256} test executions (see its pom), which cap the
 * JVM's vector size with {@code -XX:MaxVectorSize}: proves that the cap took effect, i.e. that the kernels of that
 * run really used {@code heed.test.vector.bits}-bit vectors as their preferred species.
 */
class PreferredWidthCheck {
    @Test
    void preferredSpeciesHasTheCappedWidth() {
        String bits = System.getProperty("heed.test.vector.bits");
        assertNotNull(bits, "heed.test.vector.bits is set by the vector-width executions only");
        int expected = Integer.parseInt(bits);
        assertEquals(expected, FloatVector.SPECIES_PREFERRED.vectorBitSize(), "float species");
        assertEquals(expected, IntVector.SPECIES_PREFERRED.vectorBitSize(), "int species");
        assertEquals(expected / 32, VectorShapes.F.length(), "VectorShapes.F lanes");
    }
}
