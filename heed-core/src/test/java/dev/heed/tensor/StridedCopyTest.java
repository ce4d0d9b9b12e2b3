package dev.heed.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every copy path of {@link StridedCopy} (runs, broadcast fills, blocked transposes, gathers; heap and segment
 * storage; all dtypes) against an element-by-element reference: {@link Tensor#getLong} / {@link Tensor#getFloat}
 * with a multi-index, which never goes through the copy. Copies are exact, so the tolerance is 0 (bitwise).
 */
class StridedCopyTest {
    static final DType[] ALL = DType.values();

    /** A contiguous tensor of {@code dtype} with distinct values per position (longs beyond the int range). */
    static Tensor filled(DType dtype, int n, int... dims) {
        return switch (dtype) {
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = i % 13 == 7 ? Float.NaN : i % 13 == 11 ? 3e9f * (i % 2 == 0 ? 1 : -1) : i * 0.75f - 3.25f;
                yield Tensor.of(a, dims);
            }
            case INT64 -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = i * 3_000_000_007L - 11; yield Tensor.ofLongs(a, dims); }
            case INT32 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i * 7919 - 100; yield Tensor.ofInts(a, dims); }
            case BOOL -> { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) ((i * 7 % 3) == 0 ? 1 : 0); yield Tensor.ofBools(a, dims); }
            case UINT8 -> { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) (i * 37 + 5); yield Tensor.ofUint8(a, dims); }
            case INT8 -> { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) (i * 41 - 7); yield Tensor.ofInt8(a, dims); }
        };
    }

    /** The same values as {@link #filled} but in a little-endian memory segment. */
    static Tensor segment(Arena arena, DType dtype, int n, int... dims) {
        MemorySegment seg = arena.allocate((long) n * dtype.byteSize() + 8); // + 8: not a multiple of the element
        Tensor h = filled(dtype, n, dims);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, ((Storage.FloatArray) h.storage()).data()[i]);
                case INT64 -> seg.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, ((Storage.LongArray) h.storage()).data()[i]);
                case INT32 -> seg.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, ((Storage.IntArray) h.storage()).data()[i]);
                case BOOL, UINT8 -> seg.set(ValueLayout.JAVA_BYTE, i, ((Storage.ByteArray) h.storage()).data()[i]);
            }
        }
        return Tensor.ofSegment(seg, dtype, dims);
    }

    /** Row-major element list of any view, one getLong / getFloat per element (the reference). */
    static long[] referenceLongs(Tensor t) {
        int n = (int) t.numel();
        long[] out = new long[n];
        int[] idx = new int[t.rank()];
        for (int i = 0; i < n; i++) {
            out[i] = t.dtype() == DType.FLOAT32 ? Float.floatToRawIntBits(t.getFloat(idx)) : t.getLong(idx);
            for (int a = idx.length - 1; a >= 0; a--) {
                if (++idx[a] < t.dim(a)) break;
                idx[a] = 0;
            }
        }
        return out;
    }

    /** Asserts copy(), contiguous() and the array exports all agree with the reference, element by element. */
    static void check(String what, Tensor view) {
        long[] want = referenceLongs(view);
        Tensor c = view.copy();
        boolean empty = view.numel() == 0; // (isContiguous() is false for some empty shapes: nothing to lay out)
        assertTrue(empty || c.isContiguous(), what);
        assertEquals(view.dtype(), c.dtype(), what);
        assertArrayEquals(view.shape().dims(), c.shape().dims(), what);
        assertNotSame(view.storage(), c.storage(), what + ": copy() must not share storage");
        assertArrayEquals(want, referenceLongs(c), what + ": copy()");
        Tensor k = view.contiguous();
        assertTrue((empty || k.isContiguous()) && !(k.storage() instanceof Storage.Segment), what);
        assertArrayEquals(want, referenceLongs(k), what + ": contiguous()");
        if (view.isContiguous() && !(view.storage() instanceof Storage.Segment)) assertSame(view, k, what);
        if (view.dtype() == DType.FLOAT32) {
            float[] f = view.toFloatArray();
            long[] bits = new long[f.length];
            for (int i = 0; i < f.length; i++) bits[i] = Float.floatToRawIntBits(f[i]);
            assertArrayEquals(want, bits, what + ": toFloatArray()");
        } else {
            assertArrayEquals(want, view.toLongArray(), what + ": toLongArray()");
            assertArrayEquals(want, referenceLongs(view.to(view.dtype())), what + ": to(same dtype)");
        }
        // the converting exports and every conversion, against the per-element conversion of the reference
        long[] asLong = new long[want.length];
        float[] asFloat = new float[want.length];
        int[] idx = new int[view.rank()];
        for (int i = 0; i < want.length; i++) {
            asLong[i] = view.getLong(idx);
            asFloat[i] = view.getFloat(idx);
            for (int a = idx.length - 1; a >= 0; a--) {
                if (++idx[a] < view.dim(a)) break;
                idx[a] = 0;
            }
        }
        assertArrayEquals(asLong, view.toLongArray(), what + ": toLongArray()");
        assertArrayEquals(asFloat, view.toFloatArray(), what + ": toFloatArray()");
        for (DType target : ALL) {
            Tensor c2 = view.to(target);
            assertEquals(target, c2.dtype(), what);
            for (int i = 0; i < want.length; i++) {
                long w = switch (target) {
                    case FLOAT32 -> Float.floatToRawIntBits(asFloat[i]);
                    case INT64 -> asLong[i];
                    case INT32 -> (int) asLong[i];
                    case BOOL -> (view.dtype() == DType.FLOAT32 ? asFloat[i] != 0 : asLong[i] != 0) ? 1 : 0;
                    case UINT8 -> asLong[i] & 0xff;
                    case INT8 -> (byte) asLong[i];
                };
                int[] at = flatIndex(c2, i);
                long g = target == DType.FLOAT32 ? Float.floatToRawIntBits(c2.getFloat(at)) : c2.getLong(at);
                if (w != g) fail(what + ": to(" + target + ") element " + i + ": expected " + w + " but was " + g);
            }
        }
        // reshape of the view to 1-D: a copy when the view is not contiguous, the same values either way
        assertArrayEquals(want, referenceLongs(view.reshape(-1)), what + ": reshape");
    }

    /** The views the copy distinguishes, on a base tensor [a, b, c, d] (sizes odd, larger than a 16-tile). */
    static List<Object[]> views(Tensor x) {
        List<Object[]> v = new ArrayList<>();
        v.add(new Object[] {"contiguous", x});
        v.add(new Object[] {"offset slice (contiguous)", x.slice(0, 1, 3)});
        v.add(new Object[] {"head merge [B,H,L,E]->[B,L,H,E]", x.permute(0, 2, 1, 3)});
        v.add(new Object[] {"last two swapped (blocked transpose)", x.transpose(2, 3)});
        v.add(new Object[] {"full reversal", x.permute(3, 2, 1, 0)});
        v.add(new Object[] {"transpose of an offset step slice", x.slice(1, 1, 5, 2).slice(2, 2, 19).transpose(2, 3)});
        v.add(new Object[] {"inner step 2", x.slice(3, 0, 19, 2)});
        v.add(new Object[] {"inner step -1", x.slice(3, -1, Long.MIN_VALUE, -1)});
        v.add(new Object[] {"outer step -2 with offset", x.slice(1, 4, Long.MIN_VALUE, -2)});
        v.add(new Object[] {"select then transpose", x.select(0, 1).transpose(0, 2)});
        v.add(new Object[] {"expand inner (stride 0)", x.slice(3, 5, 6).expand(3, 5, 17, 9)});
        v.add(new Object[] {"expand outer", x.select(0, 2).select(0, 1).expand(4, 17, 19)});
        v.add(new Object[] {"unsqueezed transpose", x.select(0, 0).select(0, 0).transpose(0, 1).unsqueeze(0).unsqueeze(2)});
        v.add(new Object[] {"size-1 axes between", x.slice(1, 2, 3).permute(3, 1, 0, 2)});
        v.add(new Object[] {"scalar", x.select(0, 1).select(0, 2).select(0, 3).select(0, 4)});
        v.add(new Object[] {"empty", x.slice(2, 5, 5).transpose(1, 3)});
        return v;
    }

    @Test
    void everyViewKindMatchesTheReferenceForEveryDtype() {
        for (DType dt : ALL) {
            Tensor x = filled(dt, 3 * 5 * 17 * 19, 3, 5, 17, 19);
            for (Object[] v : views(x)) check(dt + " heap " + v[0], (Tensor) v[1]);
        }
    }

    @Test
    void transposesWithStridesOfAMultipleOf1KiBUseTheSmallTilesCorrectly() {
        for (DType dt : ALL) {
            check(dt + " [20, 256]^T", filled(dt, 20 * 256, 20, 256).transpose(0, 1));
            check(dt + " [9, 1024]^T", filled(dt, 9 * 1024, 9, 1024).transpose(0, 1));
            check(dt + " offset [3, 20, 256] -> [3, 256, 20]", filled(dt, 3 * 21 * 256, 3, 21, 256).slice(1, 1, 21).transpose(1, 2));
        }
    }

    @Test
    void segmentStorageMatchesTheReferenceForEveryDtype() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType dt : ALL) {
                Tensor x = segment(arena, dt, 3 * 5 * 17 * 19, 3, 5, 17, 19);
                for (Object[] v : views(x)) check(dt + " segment " + v[0], (Tensor) v[1]);
            }
        }
    }

    @Test
    void randomViewsMatchTheReference() {
        Random r = new Random(7);
        for (int trial = 0; trial < 400; trial++) {
            DType dt = ALL[trial % ALL.length];
            int rank = 1 + r.nextInt(4);
            int[] dims = new int[rank];
            int n = 1;
            for (int i = 0; i < rank; i++) { dims[i] = 1 + r.nextInt(i == rank - 1 ? 40 : 9); n *= dims[i]; }
            Tensor t = filled(dt, n, dims);
            StringBuilder how = new StringBuilder(dt + " " + java.util.Arrays.toString(dims));
            for (int step = 0, steps = r.nextInt(4); step < steps; step++) {
                int ax = r.nextInt(t.rank());
                switch (r.nextInt(3)) {
                    case 0 -> {
                        int[] perm = shuffled(r, t.rank());
                        t = t.permute(perm);
                        how.append(" permute").append(java.util.Arrays.toString(perm));
                    }
                    case 1 -> {
                        int d = t.dim(ax);
                        long st = (1 + r.nextInt(3)) * (r.nextBoolean() ? 1 : -1);
                        long a = r.nextInt(Math.max(1, d));
                        t = st > 0 ? t.slice(ax, a, d, st) : t.slice(ax, a, Long.MIN_VALUE, st);
                        how.append(" slice(").append(ax).append(", ").append(a).append(", step ").append(st).append(')');
                    }
                    default -> {
                        if (t.dim(ax) == 1) {
                            int[] to = t.shape().dims();
                            to[ax] = 1 + r.nextInt(20);
                            t = t.expand(to);
                            how.append(" expand").append(java.util.Arrays.toString(to));
                        }
                    }
                }
            }
            check(how.toString(), t);
        }
    }

    @Test
    void reshapeOfAContiguousViewIsZeroCopy() {
        Tensor x = filled(DType.FLOAT32, 4 * 6 * 8, 4, 6, 8);
        Tensor off = x.slice(0, 1, 3);                       // contiguous, offset 48
        Tensor r = off.reshape(2, 48);
        assertSame(x.storage(), r.storage());
        assertEquals(48, r.offset());
        assertArrayEquals(referenceLongs(off), referenceLongs(r));
        Tensor u = x.unsqueeze(1).transpose(0, 1);          // size-1 axis moved: still contiguous
        assertTrue(u.isContiguous());
        assertSame(x.storage(), u.reshape(-1).storage());
        try (Arena arena = Arena.ofConfined()) {
            Tensor s = segment(arena, DType.INT64, 24, 2, 3, 4).select(0, 1);
            Tensor sr = s.reshape(12);
            assertSame(s.storage(), sr.storage());
            assertArrayEquals(referenceLongs(s), referenceLongs(sr));
        }
    }

    private static int[] flatIndex(Tensor t, int flat) {
        int[] idx = new int[t.rank()];
        for (int a = t.rank() - 1; a >= 0; a--) {
            idx[a] = flat % t.dim(a);
            flat /= t.dim(a);
        }
        return idx;
    }

    private static int[] shuffled(Random r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1); int t = p[i]; p[i] = p[j]; p[j] = t; }
        return p;
    }
}
