package dev.heed.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.heed.tensor.io.Npy;
import java.io.ByteArrayInputStream;

/**
 * Fuzzes {@code .npy} reading: any bytes give a tensor or a HeedException (not INTERNAL) within 2 s. Seeds
 * and every input that once failed live in {@code NpyFuzzTestInputs/npy/} (run by every {@code bin/test}).
 */
class NpyFuzzTest {
    /** The memory limit given to the reader: big enough for every honest small input, small enough to refuse fast. */
    static final long LIMIT = 1 << 24;

    static String one(byte[] data) {
        return FuzzContract.check("npy", () -> Npy.read(new ByteArrayInputStream(data), "fuzz.npy", LIMIT));
    }

    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) {
        one(data);
    }
}
