package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

/** GridSample and Resize against PyTorch's grid_sample / interpolate (float64 there, fixtures from make_sampling_fixtures.py). */
class SamplingTest {
    /** Both kernels interpolate in double and round once; PyTorch's double result rounded to float is the oracle. */
    static final double TOLERANCE = 2e-6;

    static ExecutionContext ctx;

    @BeforeAll
    static void start() {
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    static Tensor npy(String name) {
        try (InputStream in = SamplingTest.class.getResourceAsStream("/sampling/" + name)) {
            assertNotNull(in, "missing fixture " + name + " (run heed-core/src/test/python/make_sampling_fixtures.py)");
            return Npy.read(in, name, Long.MAX_VALUE);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static double maxAbs(Tensor a, Tensor b) {
        assertEquals(b.shape(), a.shape());
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    static Stream<Arguments> gridCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (GridSample.Mode m : GridSample.Mode.values())
            for (GridSample.Padding p : GridSample.Padding.values())
                for (boolean ac : new boolean[] {false, true}) b.add(Arguments.of(m, p, ac));
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1} alignCorners={2}")
    @MethodSource("gridCases")
    void gridSampleMatchesPyTorch(GridSample.Mode mode, GridSample.Padding padding, boolean alignCorners) {
        Tensor x = npy("gs_x.npy"), grid = npy("gs_grid.npy");
        String name = "gs_" + mode.name().toLowerCase() + "_" + padding.name().toLowerCase() + "_" + (alignCorners ? 1 : 0) + ".npy";
        Tensor got = GridSample.sample(ctx, x, grid, mode, padding, alignCorners);
        double err = maxAbs(got, npy(name));
        assertTrue(err <= TOLERANCE, name + ": max abs error " + err);
        // Same answer from a strided (transposed-back) view of the input.
        Tensor strided = x.permute(0, 1, 3, 2).contiguous().permute(0, 1, 3, 2);
        assertEquals(0.0, maxAbs(GridSample.sample(ctx, strided, grid, mode, padding, alignCorners), got));
    }

    @Test
    void gridSampleRejectsBadShapes() {
        HeedException e = assertThrows(HeedException.class, () -> GridSample.sample(ctx, Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 2, 3, 4),
                Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 5, 5, 3), GridSample.Mode.BILINEAR, GridSample.Padding.ZEROS, false));
        assertTrue(e.getMessage().contains("[1, 5, 5, 3]"), e.getMessage());
    }

    @Test
    void resizeMatchesPyTorchInterpolate() {
        Tensor x = npy("rs_x.npy");
        record Case(String name, Resize.Params params) {}
        // PyTorch's align_corners=False is ONNX's half_pixel (linear clamps negative coordinates to 0 either way);
        // ONNX's pytorch_half_pixel differs only for an output length of 1, where it samples coordinate 0.
        List<Case> cases = List.of(
                new Case("nearest", Resize.Params.defaults(Resize.Mode.NEAREST)
                        .withCoordinateMode(Resize.CoordinateMode.ASYMMETRIC).withNearestMode(Resize.NearestMode.FLOOR)),
                new Case("bilinear_ac0", Resize.Params.defaults(Resize.Mode.LINEAR).withCoordinateMode(Resize.CoordinateMode.HALF_PIXEL)),
                new Case("bilinear_ac1", Resize.Params.defaults(Resize.Mode.LINEAR).withCoordinateMode(Resize.CoordinateMode.ALIGN_CORNERS)),
                new Case("bicubic_ac0", Resize.Params.defaults(Resize.Mode.CUBIC).withCoordinateMode(Resize.CoordinateMode.HALF_PIXEL)));
        int[][] sizes = {{9, 4}, {10, 14}, {1, 3}};
        for (Case c : cases) {
            for (int[] s : sizes) {
                int[] out = {1, 2, s[0], s[1]};
                double[] scales = {1, 1, s[0] / 5.0, s[1] / 7.0};
                Tensor got = Resize.resize(ctx, x, out, scales, c.params());
                String name = "rs_" + c.name() + "_" + s[0] + "x" + s[1] + ".npy";
                double err = maxAbs(got, npy(name));
                assertTrue(err <= TOLERANCE, name + ": max abs error " + err);
            }
        }
    }

    @Test
    void pytorchHalfPixelSamplesZeroForLengthOne() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 5);
        Resize.Params p = Resize.Params.defaults(Resize.Mode.LINEAR).withCoordinateMode(Resize.CoordinateMode.PYTORCH_HALF_PIXEL);
        assertArrayEquals(new float[] {1}, Resize.resize(ctx, x, new int[] {1, 1}, new double[] {1, 0.2}, p).toFloatArray());
        Resize.Params h = p.withCoordinateMode(Resize.CoordinateMode.HALF_PIXEL);
        assertArrayEquals(new float[] {3}, Resize.resize(ctx, x, new int[] {1, 1}, new double[] {1, 0.2}, h).toFloatArray());
    }

    /** An empty input (found by the ONNX fuzzer: Resize on float32[1, 1, 0, 0] with sizes) is a clear error, not an NPE. */
    @Test
    void emptyInputResizesToEmptyOrIsRefused() {
        Tensor empty = Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 1, 0, 0);
        Resize.Params p = Resize.Params.defaults(Resize.Mode.LINEAR).withCoordinateMode(Resize.CoordinateMode.PYTORCH_HALF_PIXEL);
        Tensor none = Resize.resize(ctx, empty, new int[] {1, 1, 0, 3}, new double[] {1, 1, 1, 1}, p);
        assertArrayEquals(new int[] {1, 1, 0, 3}, none.shape().dims());
        HeedException e = assertThrows(HeedException.class,
                () -> Resize.resize(ctx, empty, new int[] {1, 1, 2, 3}, new double[] {1, 1, 1, 1}, p));
        assertEquals(dev.heed.ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("x[1, 1, 0, 0] is empty"), e.getMessage());
    }

    @Test
    void nearestRoundingModes() {
        assertEquals(2, Resize.nearest(2.5, Resize.NearestMode.ROUND_PREFER_FLOOR));
        assertEquals(3, Resize.nearest(2.5, Resize.NearestMode.ROUND_PREFER_CEIL));
        assertEquals(3, Resize.nearest(2.6, Resize.NearestMode.ROUND_PREFER_FLOOR));
        assertEquals(-1, Resize.nearest(-0.5, Resize.NearestMode.ROUND_PREFER_FLOOR));
        assertEquals(2, Resize.nearest(2.9, Resize.NearestMode.FLOOR));
        assertEquals(3, Resize.nearest(2.1, Resize.NearestMode.CEIL));
    }

    @Test
    void cropAndResizeWritesExtrapolationOutside() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Resize.Params p = new Resize.Params(Resize.Mode.LINEAR, Resize.CoordinateMode.TF_CROP_AND_RESIZE,
                Resize.NearestMode.ROUND_PREFER_FLOOR, -0.75, false, 9f, new double[] {0, 0, 0, 0, 1, 1, 2, 1});
        Tensor y = Resize.resize(ctx, x, new int[] {1, 1, 3, 2}, new double[] {1, 1, 1.5, 1}, p);
        // rows map to source y = 0, 1, 2: the last is outside the 2-row input.
        assertArrayEquals(new float[] {1, 2, 3, 4, 9, 9}, y.toFloatArray());
    }
}
