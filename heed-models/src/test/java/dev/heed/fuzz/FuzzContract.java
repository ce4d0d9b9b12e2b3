package dev.heed.fuzz;

import dev.heed.ErrorCode;
import dev.heed.HeedException;

/**
 * The contract every fuzz target checks on every input: the call returns, or throws a {@link HeedException}
 * whose code is not {@link ErrorCode#INTERNAL}, within {@link #MAX_MILLIS} ms. Anything else — another
 * exception, an {@link OutOfMemoryError}, a {@link StackOverflowError}, INTERNAL, a slow input — is a
 * finding: it escapes as itself or as an {@link AssertionError} naming the rule, which Jazzer records.
 *
 * <p>The time bound is on the CPU time of the calling thread (the targets run single-threaded): on a shared,
 * overloaded machine the wall time of an input says more about the neighbours than about the input (a replayed
 * "14 s" MaxPool used 1.6 s of CPU for the whole JVM). Wall time is reported alongside.
 *
 * <pre>{@code
 * FuzzContract.check("npy", () -> Npy.read(new ByteArrayInputStream(data), "fuzz.npy", 1 << 24));
 * }</pre>
 */
public final class FuzzContract {
    /** The time bound of one input (issue 13: "0 inputs over 2 s"). */
    public static final long MAX_MILLIS = 2000;

    private FuzzContract() {}

    /** Something a target runs on one input. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} once before any input is timed (class loading and instrumentation are not the input's cost). */
    public static void warmUp(Body body) {
        try {
            body.run();
        } catch (Exception e) {
            throw new IllegalStateException("fuzz warm-up failed", e);
        }
    }

    /** The outcome of one input, for the campaign tally: "ok", or the error code of the HeedException. */
    public static String check(String target, Body body) {
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        String outcome;
        try {
            body.run();
            outcome = "ok";
        } catch (HeedException e) {
            if (e.code() == ErrorCode.INTERNAL) throw new AssertionError(target + ": INTERNAL for a malformed input: " + e.getMessage(), e);
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError(target + ": HeedException without a message", e);
            outcome = e.code().name();
        } catch (RuntimeException e) {
            throw new AssertionError(target + ": " + e.getClass().getName() + " escaped instead of a HeedException: " + e, e);
        } catch (Exception e) {
            throw new AssertionError(target + ": checked " + e.getClass().getName() + " escaped: " + e, e);
        }
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long c1 = cpuNanos();
        long ms = c0 < 0 || c1 < 0 ? wallMs : (c1 - c0) / 1_000_000;
        if (ms > MAX_MILLIS) {
            throw new AssertionError(target + ": one input took " + ms + " ms of CPU (" + wallMs + " ms wall; bound "
                    + MAX_MILLIS + " ms), outcome " + outcome);
        }
        return outcome;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time of the current thread, or -1 where the JVM cannot measure it. */
    static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }
}
