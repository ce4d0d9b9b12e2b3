package dev.heed.kernel;

/**
 * One line of {@code heed selfcheck}: a fast kernel run on random data and compared with its float64
 * reference twin.
 *
 * @param kernel    what ran, with its shape, e.g. {@code "gemm 257x129x63 (A^T)"}
 * @param maxError  the largest error measured (relative or absolute, as {@code metric} says)
 * @param tolerance the error allowed for this kernel
 * @param metric    how {@code maxError} was measured, e.g. {@code "abs"} or {@code "rel"}
 * @param gflops    billions of floating-point operations per second of the fast kernel (NaN if not meaningful)
 */
public record KernelCheck(String kernel, double maxError, double tolerance, String metric, double gflops) {
    /** {@return true when the error is within tolerance (NaN errors fail)} */
    public boolean passed() {
        return maxError <= tolerance;
    }
}
