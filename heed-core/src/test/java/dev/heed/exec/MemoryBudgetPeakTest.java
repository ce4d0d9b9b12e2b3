package dev.heed.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Issue 11, point 3: the run ledger's peak, the most bytes held at once (held tensors plus the running op's reservations). */
class MemoryBudgetPeakTest {

    @Test
    void thePeakIsTheLargestSumOfHeldTensorsAndPendingReservations() {
        MemoryBudget run = MemoryBudget.forRun(1 << 20);
        assertEquals(0, run.peakBytes());
        Tensor input = Tensor.zeros(DType.FLOAT32, 5000);   // 20000 bytes, the caller's: never counted
        run.exempt(input);
        run.hold(input);
        assertEquals(0, run.peakBytes());

        Tensor a = Tensor.zeros(DType.FLOAT32, 100);        // 400 bytes
        run.hold(a);
        assertEquals(400, run.peakBytes());
        // an op reading a reserves scratch (1000) and its output (8 int64 = 64): 400 + 1064 while it runs
        run.call(() -> {
            MemoryBudget.reserve(null, "scratch", 1000);
            assertEquals(1400, run.peakBytes());
            MemoryBudget.reserve(null, "output", DType.INT64, 8);
            return null;
        });
        assertEquals(1464, run.peakBytes());
        run.settle();                                        // the op returned: its scratch is garbage
        Tensor b = Tensor.zeros(DType.INT64, 8);             // its output, 64 bytes
        run.hold(b);
        assertEquals(464, run.liveBytes());
        run.drop(a);
        assertEquals(64, run.liveBytes());
        assertEquals(1464, run.peakBytes(), "a peak is never lowered by a drop");

        // later holds only raise the peak once they exceed it: 64 + 1600 = 1664
        Tensor c = Tensor.zeros(DType.FLOAT32, 400);
        run.hold(c);
        assertEquals(1664, run.peakBytes());
        run.hold(c.reshape(20, 20));                         // a view of the same array: counted once
        assertEquals(1664, run.peakBytes());
    }

    @Test
    void aRefusedReservationDoesNotCountAndSettleForgetsPendingOnes() {
        MemoryBudget run = MemoryBudget.forRun(1000);
        run.hold(Tensor.zeros(DType.FLOAT32, 100));          // 400
        run.call(() -> {
            assertThrows(HeedException.class, () -> MemoryBudget.reserve(null, "too big", 601));
            assertEquals(400, run.peakBytes());
            MemoryBudget.reserve(null, "fits", 300);
            return null;
        });
        assertEquals(700, run.peakBytes());
        run.settle();
        run.hold(Tensor.zeros(DType.BOOL, 100));             // 100: 500 now, below the peak
        assertEquals(700, run.peakBytes());
        // without settle, pending reservations add to what is held after them
        run.call(() -> { MemoryBudget.reserve(null, "a", 200); MemoryBudget.reserve(null, "b", 200); return null; });
        assertEquals(900, run.peakBytes());
        // reservations outside call() are not this run's
        MemoryBudget.reserve(null, "elsewhere", 1L << 40);
        assertEquals(900, run.peakBytes());
    }

    @Test
    void concurrentHoldsAndDropsKeepAConsistentPeak() throws Exception {
        MemoryBudget run = MemoryBudget.forRun(Long.MAX_VALUE);
        int threads = 4, rounds = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try { start.await(); } catch (InterruptedException e) { throw new RuntimeException(e); }
                for (int r = 0; r < rounds; r++) {
                    Tensor t = Tensor.zeros(DType.FLOAT32, 25); // 100 bytes, held and dropped by one thread
                    run.hold(t);
                    run.drop(t);
                }
            }));
        }
        start.countDown();
        for (Thread t : ts) t.join();
        assertEquals(0, run.liveBytes());
        // each thread holds at most one 100-byte tensor at a time: the peak is between one and all of them
        long peak = run.peakBytes();
        assertEquals(true, peak >= 100 && peak <= 100L * threads, "peak " + peak);
    }
}
