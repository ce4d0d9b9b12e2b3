package dev.heed.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    private static Tensor fixture(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
            assertNotNull(in, "missing test resource " + name);
            return Npy.read(in, name, Long.MAX_VALUE);
        }
    }

    @Test
    void readsFilesWrittenByNumpy() throws IOException {
        Tensor f = fixture("f32_2x3.npy");
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals(Shape.of(2, 3), f.shape());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, f.toFloatArray());

        Tensor d = fixture("f64_3.npy");
        assertArrayEquals(new float[] {1.5f, -2.25f, 1e-3f}, d.toFloatArray());

        Tensor s = fixture("i64_scalar.npy");
        assertEquals(0, s.rank());
        assertEquals(-7L, s.toLongArray()[0]);

        Tensor i = fixture("i32_4.npy");
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new long[] {1, -2, 3, Integer.MAX_VALUE}, i.toLongArray());

        Tensor b = fixture("bool_2x2.npy");
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new long[] {1, 0, 0, 1}, b.toLongArray());

        Tensor e = fixture("u8_0x3.npy");
        assertEquals(Shape.of(0, 3), e.shape());

        Tensor v2 = fixture("f32_v2.npy");
        assertArrayEquals(new float[] {1, 2, 3, 4}, v2.toFloatArray());
    }

    @Test
    void roundTripsEveryDtype(@TempDir Path dir) {
        Tensor[] all = {
            Tensor.of(new float[] {1, -2, Float.NaN, Float.NEGATIVE_INFINITY, 5, 6}, 3, 2).transpose(0, 1),
            Tensor.ofLongs(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, 3),
            Tensor.ofInts(new int[] {4, 5}, 1, 2),
            Tensor.ofBooleans(new boolean[] {true, false, true}, 3),
            Tensor.ofUint8(new byte[] {(byte) 255, 0}, 2),
            Tensor.zeros(DType.FLOAT32, 2, 0, 4),
        };
        for (int k = 0; k < all.length; k++) {
            Path p = dir.resolve("t" + k + ".npy");
            Npy.write(p, all[k]);
            Tensor back = Npy.read(p);
            assertEquals(all[k].dtype(), back.dtype());
            assertEquals(all[k].shape(), back.shape());
            assertArrayEquals(all[k].toLongArray(), back.toLongArray());
            assertTrue(Arrays.equals(all[k].toFloatArray(), back.toFloatArray()), "values of " + all[k]);
        }
    }

    @Test
    void headerIsPaddedToSixtyFourBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, Tensor.of(new float[] {1, 2, 3}, 3));
        byte[] bytes = out.toByteArray();
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64);
        assertEquals('\n', bytes[10 + headerLen - 1]);
        assertEquals(10 + headerLen + 12, bytes.length);
    }

    @Test
    void refusesBadInputWithClearErrors() throws IOException {
        HeedException notNpy = assertThrows(HeedException.class,
                () -> Npy.read(new ByteArrayInputStream("hello world, not numpy".getBytes()), "x.npy", 1 << 20));
        assertEquals(ErrorCode.MALFORMED_INPUT, notNpy.code());
        assertTrue(notNpy.getMessage().contains("x.npy"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, Tensor.of(new float[100], 10, 10));
        byte[] full = out.toByteArray();
        byte[] cut = Arrays.copyOf(full, full.length - 7);
        HeedException truncated = assertThrows(HeedException.class,
                () -> Npy.read(new ByteArrayInputStream(cut), "cut.npy", 1 << 20));
        assertEquals(ErrorCode.MALFORMED_INPUT, truncated.code());
        assertTrue(truncated.getMessage().contains("truncated data"), truncated.getMessage());

        HeedException tooBig = assertThrows(HeedException.class,
                () -> Npy.read(new ByteArrayInputStream(full), "big.npy", 100));
        assertEquals(ErrorCode.MEMORY_LIMIT, tooBig.code());
        assertTrue(tooBig.getMessage().contains("[10, 10]"), tooBig.getMessage());

        HeedException fortran = assertThrows(HeedException.class, () -> fixture("f32_fortran.npy"));
        assertEquals(ErrorCode.UNSUPPORTED, fortran.code());
    }
}
