package dev.heed.exec;

import java.util.Arrays;

/**
 * A small timing harness (not a test, not JMH) for the cost of handing work to the workers: the median
 * time of one {@link ExecutionContext#parallelFor} call with an empty body, with a ~100 µs body, and with
 * a ~100 µs body after a 300 µs pause on the caller (workers may have gone to sleep). Run by hand:
 * {@code java -cp heed-core/target/classes:heed-core/target/test-classes dev.heed.exec.DispatchHarness [threads]}.
 */
final class DispatchHarness {
    static volatile double sink;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int work = calibrate(100_000);
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads))) {
            ExecutionContext.RangeTask empty = (s, e) -> { };
            ExecutionContext.RangeTask busy = (s, e) -> sink = spin((long) work * (e - s) / 1024);
            for (int round = 0; round < 2; round++) {
                double e = median(ctx, empty, 20_000, 0);
                double w = median(ctx, busy, 4_000, 0);
                double g = median(ctx, busy, 1_000, 300_000);
                double d = medianDyn(ctx, busy, 4_000);
                System.out.printf("threads=%d empty=%.2f us  work100us=%.2f us  work100us-after-pause=%.2f us  dynamic(64 blocks)=%.2f us%n",
                        threads, e / 1e3, w / 1e3, g / 1e3, d / 1e3);
            }
        }
    }

    private static double median(ExecutionContext ctx, ExecutionContext.RangeTask t, int calls, long pauseNanos) {
        long[] ns = new long[calls];
        for (int i = 0; i < calls; i++) {
            if (pauseNanos > 0) pause(pauseNanos);
            long a = System.nanoTime();
            ctx.parallelFor(1024, 1, t);
            ns[i] = System.nanoTime() - a;
        }
        Arrays.sort(ns);
        return ns[calls / 2];
    }

    private static double medianDyn(ExecutionContext ctx, ExecutionContext.RangeTask t, int calls) {
        long[] ns = new long[calls];
        for (int i = 0; i < calls; i++) {
            long a = System.nanoTime();
            ctx.parallelForDynamic(1024, 16, t);
            ns[i] = System.nanoTime() - a;
        }
        Arrays.sort(ns);
        return ns[calls / 2];
    }

    private static void pause(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    /** Iterations of {@link #spin} that take about {@code nanos} on one thread. */
    private static int calibrate(long nanos) {
        int iters = 10_000;
        for (int k = 0; k < 5; k++) {
            long[] ns = new long[200];
            for (int i = 0; i < ns.length; i++) {
                long a = System.nanoTime();
                sink = spin(iters);
                ns[i] = System.nanoTime() - a;
            }
            Arrays.sort(ns);
            iters = (int) Math.max(1, (long) iters * nanos / Math.max(1, ns[100]));
        }
        return iters;
    }

    private static double spin(long iters) {
        double x = 1.0;
        for (long i = 0; i < iters; i++) x = x * 1.0000001 + 1e-9;
        return x;
    }
}
