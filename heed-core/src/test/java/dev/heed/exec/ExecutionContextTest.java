package dev.heed.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.HeedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link ExecutionContext}: coverage of every index, exceptions, concurrent and nested callers, close. */
class ExecutionContextTest {

    private static final int[] SIZES = {1, 2, 3, 5, 7, 16, 17, 63, 64, 65, 100, 1000, 4097};
    private static final int[] GRAINS = {0, 1, 2, 3, 8, 16, 100, 5000};

    @Test
    void everyIndexOnceStatic() {
        for (int threads : new int[] {1, 2, 3}) {
            try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads))) {
                for (int n : SIZES) {
                    for (int g : GRAINS) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        ctx.parallelFor(n, g, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                        assertAllOnce(hits, "parallelFor threads=" + threads + " n=" + n + " grain=" + g);
                    }
                }
            }
        }
    }

    @Test
    void everyIndexOnceDynamic() {
        for (int threads : new int[] {1, 2, 3}) {
            try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads))) {
                for (int n : SIZES) {
                    for (int b : GRAINS) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        ctx.parallelForDynamic(n, b, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                        assertAllOnce(hits, "parallelForDynamic threads=" + threads + " n=" + n + " block=" + b);
                    }
                }
            }
        }
    }

    @Test
    void emptyAndNegativeRangesRunNothing() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            ctx.parallelFor(0, 1, (s, e) -> { throw new AssertionError("ran"); });
            ctx.parallelFor(-3, 1, (s, e) -> { throw new AssertionError("ran"); });
            ctx.parallelForDynamic(0, 4, (s, e) -> { throw new AssertionError("ran"); });
        }
    }

    /** The chunks are fixed by (n, grain, threads): [n·c/k, n·(c+1)/k) and blocks of the given size. */
    @Test
    void chunkBoundariesDependOnlyOnSizes() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            for (int rep = 0; rep < 200; rep++) {
                Set<String> ranges = ConcurrentHashMap.newKeySet();
                ctx.parallelFor(101, 10, (s, e) -> ranges.add(s + ".." + e));
                assertEquals(Set.of("0..50", "50..101"), ranges);
                Set<String> blocks = ConcurrentHashMap.newKeySet();
                ctx.parallelForDynamic(10, 4, (s, e) -> blocks.add(s + ".." + e));
                assertEquals(Set.of("0..4", "4..8", "8..10"), blocks);
            }
        }
    }

    @Test
    void singleThreadRunsInlineOnCaller() {
        try (ExecutionContext ctx = ExecutionContext.singleThreaded()) {
            Thread me = Thread.currentThread();
            List<String> calls = new ArrayList<>();
            ctx.parallelFor(1000, 1, (s, e) -> { assertSame(me, Thread.currentThread()); calls.add(s + ".." + e); });
            ctx.parallelForDynamic(1000, 7, (s, e) -> { assertSame(me, Thread.currentThread()); calls.add(s + ".." + e); });
            assertEquals(List.of("0..1000", "0..1000"), calls);
        }
    }

    @Test
    void exceptionsPropagateWithOriginalCause() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            for (int rep = 0; rep < 50; rep++) {
                // the failing chunk is the second one, which a worker or the caller may run
                IllegalStateException boom = new IllegalStateException("boom");
                IllegalStateException got = assertThrows(IllegalStateException.class,
                        () -> ctx.parallelFor(100, 1, (s, e) -> { if (s > 0) throw boom; }));
                assertSame(boom, got);
                AssertionError err = new AssertionError("err");
                assertSame(err, assertThrows(AssertionError.class,
                        () -> ctx.parallelForDynamic(100, 10, (s, e) -> { if (s == 50) throw err; })));
                IOException checked = new IOException("io");
                HeedException wrapped = assertThrows(HeedException.class,
                        () -> ctx.parallelFor(100, 1, (s, e) -> { if (s == 0) sneaky(checked); }));
                assertSame(checked, wrapped.getCause());
            }
            // the context still works after failures
            AtomicIntegerArray hits = new AtomicIntegerArray(500);
            ctx.parallelFor(500, 1, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
            assertAllOnce(hits, "after exceptions");
        }
    }

    @Test
    void concurrentCallersFinishAndAgree() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<double[]>> results = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    results.add(callers.submit(() -> {
                        double[] out = null;
                        for (int rep = 0; rep < 300; rep++) out = compute(ctx, 2000);
                        return out;
                    }));
                }
                // by hand: 2000 / 16 ≥ 2, so two chunks [0, 1000) and [1000, 2000)
                double[] expected = new double[2000];
                for (int c = 0; c < 2; c++) {
                    double acc = 0;
                    for (int i = c * 1000; i < (c + 1) * 1000; i++) {
                        acc += Math.sin(i * 0.001);
                        expected[i] = acc;
                    }
                }
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    for (Future<double[]> f : results) assertArrayEquals(expected, f.get(), 0.0);
                });
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void nestedLoopsDoNotDeadlock() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int rep = 0; rep < 200; rep++) {
                    int n = 40, m = 30;
                    AtomicIntegerArray hits = new AtomicIntegerArray(n * m);
                    ctx.parallelFor(n, 1, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            int row = i;
                            ctx.parallelForDynamic(m, 4, (a, b) -> {
                                for (int j = a; j < b; j++) hits.incrementAndGet(row * m + j);
                            });
                        }
                    });
                    assertAllOnce(hits, "nested rep=" + rep);
                }
            });
        }
    }

    @Test
    void closeEndsTheWorkers() throws Exception {
        ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(3));
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        ctx.parallelFor(100, 1, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
        assertFalse(ctx.workersEnded());
        ctx.close();
        assertTrue(ctx.workersEnded(), "workers still alive after close()");
        // a closed context still computes, on the caller alone
        AtomicIntegerArray after = new AtomicIntegerArray(100);
        ctx.parallelFor(100, 1, (s, e) -> { for (int i = s; i < e; i++) after.incrementAndGet(i); });
        assertAllOnce(after, "after close");
        ctx.close(); // idempotent
    }

    /** A reduction whose result depends on the chunk boundaries: per-chunk partial sums, combined in order. */
    private static double[] compute(ExecutionContext ctx, int n) {
        double[] out = new double[n];
        ctx.parallelFor(n, 16, (s, e) -> {
            double acc = 0;
            for (int i = s; i < e; i++) {
                acc += Math.sin(i * 0.001);
                out[i] = acc;
            }
        });
        return out;
    }

    @Test
    void scratchArraysAreReusedSmallestFitFirstAndBounded() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            float[] a = ctx.borrowFloats(100), b = ctx.borrowFloats(1000);
            assertEquals(100, a.length);
            assertTrue(a != b, "two borrowers never share an array");
            ctx.giveBack(a);
            ctx.giveBack(b);
            ctx.giveBack(b); // twice: kept once
            assertEquals(1100 * 4, ctx.scratchBytesKept());
            assertSame(a, ctx.borrowFloats(50), "the smallest kept array that fits");
            assertSame(b, ctx.borrowFloats(101));
            assertEquals(2000, ctx.borrowFloats(2000).length, "nothing fits: a new array");
            for (int n = 1; n <= 10; n++) ctx.giveBack(new float[n * 10]);
            assertEquals((70 + 80 + 90 + 100) * 4, ctx.scratchBytesKept(), "at most 4 kept, the largest");
            ctx.releaseScratch();
            assertEquals(0, ctx.scratchBytesKept(), "released");
            ctx.giveBack(new float[10]);
            assertThrows(HeedException.class, () -> ctx.borrowFloats(-1));
            ctx.close();
            assertEquals(0, ctx.scratchBytesKept(), "close drops the scratch");
            ctx.giveBack(new float[10]);
            assertEquals(0, ctx.scratchBytesKept(), "nothing is kept after close");
        }
    }

    private static void assertAllOnce(AtomicIntegerArray hits, String what) {
        for (int i = 0; i < hits.length(); i++) {
            assertEquals(1, hits.get(i), what + ": index " + i + " ran " + hits.get(i) + " times");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
