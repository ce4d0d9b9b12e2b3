package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The timed part of {@link MachineProbe}: fp32 FMA throughput of one core with the Vector API.
 *
 * <p>Catalogue: {@link #chains16} runs 16 independent chains {@code c = c·x + y} on full vectors — more than any
 * current core needs (latency 4 × 2 ports = 8 on Sapphire Rapids) — so it measures the issue rate of the FMA
 * units; {@link #chain1} runs one dependent chain, so it measures the latency. Their ratio is the number of
 * accumulators a kernel must keep in flight. The chains start from distinct values: with equal starting values
 * C2 merges the identical loop-carried values and the loop silently runs fewer chains (measured: 12 "chains"
 * from one start ran at 2/3 of 16 from distinct starts, on a Xeon family 6 model 207). Each is warmed up until
 * C2 compiles it, then the best of many short runs (~25 µs) is kept, which filters out preemption on a busy machine.
 */
final class FmaProbeVector {
    private FmaProbeVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    /** Keeps results alive so that C2 cannot drop the loops. */
    private static volatile float sink;

    /** A timed run slower than this is not C2 code yet (compiled, any current core needs well under 0.2 ms). */
    private static final long COMPILED_NANOS = 1_000_000L;

    static MachineProbe.FmaPeak measure() {
        int lanes = F.length(), it = 8_000;
        long start = System.nanoTime();
        double peak = 0, chain = 0;
        int sinceBetter = 0;
        boolean compiled = false;
        // Until both loops run compiled, many short calls pump the invocation counters (the Vector API is
        // intrinsified by C2 only; interpreted or C1 code boxes every vector and runs ~100 times slower). Then
        // short timed runs, best kept, until the best has not improved by 2 % for 150 runs: compilation done and
        // preemptions filtered out. At most 10 s (a machine so busy that C2 does not get a core).
        while (sinceBetter < 150 && System.nanoTime() - start < 10_000_000_000L) {
            if (!compiled) {
                for (int i = 0; i < 100; i++) {
                    chains16(64);
                    chain1(64);
                }
            }
            long t0 = System.nanoTime();
            chains16(it);
            long t1 = System.nanoTime();
            chain1(it);
            long t2 = System.nanoTime();
            compiled = t1 - t0 < COMPILED_NANOS && t2 - t1 < COMPILED_NANOS;
            if (!compiled) continue;
            double p = 16.0 * 2 * lanes * it / Math.max(1, t1 - t0);
            double c = 2.0 * lanes * it / Math.max(1, t2 - t1);
            sinceBetter = p > peak * 1.02 || c > chain * 1.02 ? 0 : sinceBetter + 1;
            peak = Math.max(peak, p);
            chain = Math.max(chain, c);
        }
        if (peak == 0) return new MachineProbe.FmaPeak(Double.NaN, Double.NaN, 0);
        return new MachineProbe.FmaPeak(peak, chain, (int) Math.max(1, Math.round(peak / chain)));
    }

    /** 16 independent FMA chains, {@code iters} steps each. */
    static void chains16(int iters) {
        FloatVector x = FloatVector.broadcast(F, 0.999_999f), y = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        FloatVector a12 = a0.add(12f), a13 = a0.add(13f), a14 = a0.add(14f), a15 = a0.add(15f);
        for (int i = 0; i < iters; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
            a12 = a12.fma(x, y); a13 = a13.fma(x, y); a14 = a14.fma(x, y); a15 = a15.fma(x, y);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15);
        sink = s.reduceLanes(VectorOperators.ADD);
    }

    /** One dependent FMA chain of {@code iters} steps. */
    static void chain1(int iters) {
        FloatVector x = FloatVector.broadcast(F, 0.999_999f), y = FloatVector.broadcast(F, 1e-7f);
        FloatVector a = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < iters; i++) a = a.fma(x, y);
        sink = a.reduceLanes(VectorOperators.ADD);
    }
}
