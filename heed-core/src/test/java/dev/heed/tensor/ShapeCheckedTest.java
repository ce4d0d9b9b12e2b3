package dev.heed.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import org.junit.jupiter.api.Test;

/** Issue 13, point 3: element counts are checked arithmetic. */
class ShapeCheckedTest {

    @Test
    void numelOverflowIsMemoryLimitNotAWrappedCount() {
        // 2^30 · 2^30 · 16 = 2^64, which wrapped to 0
        HeedException e = assertThrows(HeedException.class, () -> Shape.of(1 << 30, 1 << 30, 16).numel());
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
        assertThrows(HeedException.class, () -> Shape.of(1 << 30, 12, 1 << 30, 64).numel());
    }

    @Test
    void anyZeroDimensionMakesTheCount0EvenAfterHugeOnes() {
        assertEquals(0, Shape.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0).numel());
        assertEquals((long) Integer.MAX_VALUE * Integer.MAX_VALUE, Shape.of(Integer.MAX_VALUE, Integer.MAX_VALUE).numel());
    }

    @Test
    void stridesThatDoNotFitAnIntAreRefused() {
        assertEquals(ErrorCode.MEMORY_LIMIT,
                assertThrows(HeedException.class, () -> Shape.of(4, 1 << 16, 1 << 16).contiguousStrides()).code());
        assertEquals(1 << 16, Shape.of(1 << 15, 1 << 16).contiguousStrides()[0]);
    }
}
