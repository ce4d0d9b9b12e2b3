package dev.heed.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.kernel.Gemm;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Issue 13, point 4: one budget, derived from the heap, checked in checked arithmetic before allocating. */
class MemoryBudgetTest {

    @Test
    void theDefaultBudgetIsThreeQuartersOfTheHeap() {
        long max = Runtime.getRuntime().maxMemory();
        assertEquals(max / 4 * 3, MemoryBudget.heapDefault());
        assertEquals(MemoryBudget.heapDefault(), ExecutionOptions.defaults().memoryLimitBytes());
        assertEquals(12345, ExecutionOptions.defaults().withMemoryLimitBytes(12345).memoryLimitBytes());
    }

    @Test
    void byteCountsAreCheckedNotWrapped() {
        assertEquals(24, MemoryBudget.bytes("t", DType.FLOAT32, 2, 3));
        assertEquals(0, MemoryBudget.bytes("t", DType.INT64, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        HeedException e = assertThrows(HeedException.class,
                () -> MemoryBudget.bytes("Tile 't': output", DType.FLOAT32, 1 << 30, 1 << 30, 16));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
        assertTrue(e.getMessage().contains("Tile 't'"), e.getMessage());
        assertThrows(HeedException.class, () -> MemoryBudget.bytes("r", 4, 1L << 40, 1L << 30));
    }

    @Test
    void aTensorOverThePerTensorLimitIsRefusedBeforeAllocating() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(1).withMemoryLimitBytes(1000))) {
            MemoryBudget.reserve(ctx, "ok", DType.FLOAT32, 250);
            HeedException e = assertThrows(HeedException.class, () -> MemoryBudget.reserve(ctx, "ConstantOfShape 'c': output", DType.FLOAT32, 251));
            assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
            assertTrue(e.getMessage().contains("1004") && e.getMessage().contains("1000"), e.getMessage());
            // matmul's unchecked Tensor.zeros now goes through the same check
            Tensor a = Tensor.zeros(DType.FLOAT32, 300, 1), b = Tensor.zeros(DType.FLOAT32, 1, 300);
            assertEquals(ErrorCode.MEMORY_LIMIT, assertThrows(HeedException.class, () -> Gemm.matmul(ctx, a, b)).code());
        }
    }

    @Test
    void theRunLedgerCountsLiveTensorsOnceAndForgetsDroppedOnes() {
        MemoryBudget run = MemoryBudget.forRun(1000);
        Tensor a = Tensor.zeros(DType.FLOAT32, 100);     // 400 bytes
        Tensor view = a.reshape(10, 10);                  // same array: counted once
        Tensor input = Tensor.zeros(DType.FLOAT32, 200);  // the caller's: never counted
        run.exempt(input);
        run.hold(a);
        run.hold(view);
        run.hold(input);
        assertEquals(400, run.liveBytes());
        run.call(() -> {
            MemoryBudget.reserve(null, "fits", 600);
            HeedException e = assertThrows(HeedException.class, () -> MemoryBudget.reserve(null, "Tile 't': output", 601));
            assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
            assertTrue(e.getMessage().contains("already holds 400"), e.getMessage());
            return null;
        });
        run.drop(a);
        assertEquals(400, run.liveBytes(), "the view still holds the array");
        run.drop(view);
        assertEquals(0, run.liveBytes());
        run.call(() -> { MemoryBudget.reserve(null, "fits again", 1000); return null; });
        MemoryBudget.reserve(null, "outside a run only the per-tensor limit applies", 1L << 40);
    }
}
