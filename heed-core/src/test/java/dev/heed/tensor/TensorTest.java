package dev.heed.tensor;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorTest {
    static float[] iota(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    @Test
    void reshapeInfersMinusOneAndSharesStorage() {
        Tensor x = Tensor.of(iota(24), 2, 3, 4);
        Tensor r = x.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, r.shape().dims());
        assertSame(x.storage(), r.storage());
        assertArrayEquals(iota(24), r.toFloatArray());
        assertArrayEquals(new int[] {24}, x.reshape(-1).shape().dims());
        assertEquals(0, Tensor.of(new float[] {5}, 1, 1).reshape().rank());
        HeedException e = assertThrows(HeedException.class, () -> x.reshape(5, -1));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("reshape") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertThrows(HeedException.class, () -> x.reshape(-1, -1));
        assertThrows(HeedException.class, () -> x.reshape(7, 4));
        // reshape of a non-contiguous view copies first
        Tensor t = x.transpose(1, 2).reshape(2, 12);
        assertEquals(x.transpose(1, 2).getFloat(1, 3, 2), t.getFloat(1, 3 * 3 + 2));
    }

    @Test
    void permuteAndTransposeAreViews() {
        Tensor x = Tensor.of(iota(24), 2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape().dims());
        assertSame(x.storage(), p.storage());
        assertFalse(p.isContiguous());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) {
            assertEquals(x.getFloat(i, j, k), p.getFloat(k, i, j));
        }
        Tensor t = x.transpose(-1, 0);
        assertArrayEquals(new int[] {4, 3, 2}, t.shape().dims());
        assertEquals(x.getFloat(1, 2, 3), t.getFloat(3, 2, 1));
        assertThrows(HeedException.class, () -> x.permute(0, 0, 1));
        assertThrows(HeedException.class, () -> x.permute(0, 1));
        HeedException e = assertThrows(HeedException.class, () -> x.transpose(0, 3));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());
    }

    @Test
    void sliceWithPositiveAndNegativeSteps() {
        Tensor x = Tensor.of(iota(10), 10);
        assertArrayEquals(new float[] {2, 3, 4}, x.slice(0, 2, 5).toFloatArray());
        assertArrayEquals(new float[] {1, 4, 7}, x.slice(0, 1, 10, 3).toFloatArray());
        assertArrayEquals(new float[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, x.slice(0, -1, Long.MIN_VALUE, -1).toFloatArray());
        assertArrayEquals(new float[] {8, 6, 4}, x.slice(0, 8, 2, -2).toFloatArray());
        assertArrayEquals(new float[] {7, 8}, x.slice(0, -3, -1).toFloatArray());
        assertArrayEquals(new float[] {}, x.slice(0, 5, 2).toFloatArray());
        assertArrayEquals(new float[] {0, 1}, x.slice(0, -100, 2).toFloatArray());
        assertArrayEquals(new float[] {8, 9}, x.slice(0, 8, 100).toFloatArray());
        assertArrayEquals(new float[] {9, 6}, x.slice(0, 100, 5, -3).toFloatArray());
        assertThrows(HeedException.class, () -> x.slice(0, 0, 5, 0));
        Tensor m = Tensor.of(iota(12), 3, 4);
        Tensor s = m.slice(1, 3, -100, -2);   // columns 3, 1
        assertArrayEquals(new int[] {3, 2}, s.shape().dims());
        assertArrayEquals(new float[] {3, 1, 7, 5, 11, 9}, s.toFloatArray());
        assertArrayEquals(new float[] {11, 9, 3, 1}, s.slice(0, 2, -100, -2).toFloatArray());
    }

    @Test
    void selectExpandUnsqueeze() {
        Tensor m = Tensor.of(iota(12), 3, 4);
        assertArrayEquals(new float[] {4, 5, 6, 7}, m.select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {2, 6, 10}, m.select(-1, 2).toFloatArray());
        assertThrows(HeedException.class, () -> m.select(0, 3));
        Tensor row = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor e = row.expand(2, 3);
        assertArrayEquals(new int[] {0, 1}, e.strides());
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, e.toFloatArray());
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1).expand(2, 3);
        assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, col.toFloatArray());
        assertArrayEquals(new float[] {7, 7, 7, 7}, Tensor.scalar(7).expand(2, 2).toFloatArray());
        HeedException ex = assertThrows(HeedException.class, () -> row.expand(2, 4));
        assertEquals(ErrorCode.SHAPE_MISMATCH, ex.code());
        assertTrue(ex.getMessage().contains("[3]") && ex.getMessage().contains("[2, 4]"), ex.getMessage());
        assertThrows(HeedException.class, () -> m.expand(12));
        Tensor u = row.unsqueeze(0);
        assertArrayEquals(new int[] {1, 3}, u.shape().dims());
        assertArrayEquals(new int[] {3, 1}, row.unsqueeze(-1).shape().dims());
        assertTrue(u.isContiguous());
        assertThrows(HeedException.class, () -> row.unsqueeze(3));
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor x = Tensor.of(iota(6), 2, 3);
        assertSame(x, x.contiguous());
        Tensor t = x.transpose(0, 1).contiguous();
        assertTrue(t.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
        assertNotNull(t.floatArrayOrNull());
        assertNull(x.transpose(0, 1).floatArrayOrNull());
        Tensor c = x.copy();
        assertNotSame(x.storage(), c.storage());
        // a slice with offset keeps its offset in the fast path
        Tensor s = x.select(0, 1);
        assertNotNull(s.floatArrayOrNull());
        assertEquals(3, s.offset());
        Tensor empty = Tensor.zeros(DType.FLOAT32, 2, 0, 3);
        assertEquals(0, empty.numel());
        assertArrayEquals(new float[0], empty.transpose(0, 2).contiguous().toFloatArray());
    }

    @Test
    void segmentBackedTensorsReadInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(6 * 4 + 8 * 3);
            for (int i = 0; i < 6; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, i * 0.5f);
            Tensor f = Tensor.ofSegment(seg, DType.FLOAT32, 2, 3);
            assertEquals(2.5f, f.getFloat(1, 2));
            assertNull(f.floatArrayOrNull());
            assertArrayEquals(new float[] {0, 1.5f, 0.5f, 2f, 1f, 2.5f}, f.transpose(0, 1).toFloatArray());
            Tensor h = f.contiguous();
            assertTrue(h.storage() instanceof Storage.FloatArray);
            assertArrayEquals(f.toFloatArray(), h.toFloatArray());
            MemorySegment ls = seg.asSlice(24, 24);
            for (int i = 0; i < 3; i++) ls.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, -5L + i);
            Tensor l = Tensor.ofSegment(ls, DType.INT64, 3);
            assertArrayEquals(new long[] {-5, -4, -3}, l.toLongArray());
            HeedException e = assertThrows(HeedException.class, () -> Tensor.ofSegment(ls, DType.INT64, 4));
            assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        }
    }

    @Test
    void dtypeConversion() {
        Tensor f = Tensor.of(new float[] {1.9f, -1.9f, 0f, 3f}, 4);
        assertArrayEquals(new long[] {1, -1, 0, 3}, f.to(DType.INT64).toLongArray());
        assertEquals(DType.INT32, f.to(DType.INT32).dtype());
        assertArrayEquals(new long[] {1, 1, 0, 1}, f.to(DType.BOOL).toLongArray());
        Tensor l = Tensor.ofLongs(new long[] {3, -2}, 2);
        assertArrayEquals(new float[] {3, -2}, l.to(DType.FLOAT32).toFloatArray());
        assertArrayEquals(new float[] {255, 1}, Tensor.ofUint8(new byte[] {(byte) 255, 1}, 2).toFloatArray());
        Tensor strided = Tensor.of(iota(6), 2, 3).transpose(0, 1).to(DType.INT64);
        assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, strided.toLongArray());
        assertTrue(strided.isContiguous());
    }

    @Test
    void creationAndIndexErrorsNameShapes() {
        HeedException e = assertThrows(HeedException.class, () -> Tensor.of(new float[5], 2, 3));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
        assertThrows(HeedException.class, () -> Shape.of(2, -1));
        Tensor x = Tensor.of(iota(6), 2, 3);
        e = assertThrows(HeedException.class, () -> x.getFloat(2, 0));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(HeedException.class, () -> x.getFloat(0));
        assertEquals(Shape.of(3, 4, 5), Shape.broadcast("t", Shape.of(3, 1, 5), Shape.of(4, 1)));
        e = assertThrows(HeedException.class, () -> Shape.broadcast("add", Shape.of(2, 3), Shape.of(4)));
        assertTrue(e.getMessage().startsWith("add:") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertArrayEquals(new int[] {12, 4, 1}, Shape.of(2, 3, 4).contiguousStrides());
        assertEquals(1, Shape.scalar().numel());
    }
}
