package dev.heed.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchAttentionCommandTest {

    private static String[] run(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new BenchAttentionCommand());
        cl.setOut(new PrintWriter(sw, true));
        cl.setErr(new PrintWriter(sw, true));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), sw.toString()};
    }

    @Test
    void everyImplementationRunsAndChecks() {
        for (String impl : new String[] {"exact", "flash", "linear"}) {
            String[] r = run("--impl", impl, "--seq", "70", "--kv-seq", "90", "--heads", "2", "--dim", "16",
                    "--batch", "2", "--threads", "2", "--causal", "--repeats", "2", "--check", "--warmup-ms", "100", "--time-ms", "100");
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("median"), r[1]);
            assertTrue(r[1].contains("GFLOP/s"), r[1]);
            assertTrue(r[1].contains("heap allocated per call"), "an allocation figure, not the heap's peak: " + r[1]);
            assertTrue(r[1].contains("warm-up"), r[1]);
            assertTrue(r[1].contains("on all 280 rows"), "B·H·L = 2·2·70 rows, all checked: " + r[1]);
            assertTrue(r[1].contains("OK"), r[1]);
        }
    }

    @Test
    void causalFlopsCountTheTriangle() {
        assertEquals(128.0 * 129 / 2, BenchAttentionCommand.pairs(128, 128, true));
        assertEquals(128.0 * 128, BenchAttentionCommand.pairs(128, 128, false));
        // L=3, S=5, bottom-right: query i sees keys 0..i+2 → 3 + 4 + 5
        assertEquals(12.0, BenchAttentionCommand.pairs(3, 5, true));
        // L=5, S=3: queries 0 and 1 see nothing, then 1, 2, 3 keys
        assertEquals(6.0, BenchAttentionCommand.pairs(5, 3, true));
        for (int l : new int[] {1, 7, 128, 2048}) {
            double dense = BenchAttentionCommand.flops(dev.heed.attention.AttentionImpl.FLASH, 1, 12, l, l, 64, false);
            double causal = BenchAttentionCommand.flops(dev.heed.attention.AttentionImpl.FLASH, 1, 12, l, l, 64, true);
            assertTrue(causal <= dense && causal >= dense / 2, l + ": " + causal + " vs " + dense);
        }
    }

    @Test
    void theSampledCheckCatchesAWrongRow() {
        java.util.Random r = new java.util.Random(3);
        int b = 1, h = 2, l = 3000, s = 40, e = 8;                      // 6000 rows: sampled
        float[] q = new float[b * h * l * e], k = new float[b * h * s * e], v = new float[b * h * s * e];
        for (float[] a : new float[][] {q, k, v}) for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        var spec = dev.heed.attention.AttentionSpec.defaults().withImplementation(dev.heed.attention.AttentionImpl.EXACT);
        var ctx = dev.heed.exec.ExecutionContext.create(dev.heed.exec.ExecutionOptions.defaults().withThreads(1));
        float[] got = dev.heed.attention.Attention.compute(ctx, dev.heed.tensor.Tensor.of(q, b, h, l, e),
                dev.heed.tensor.Tensor.of(k, b, h, s, e), dev.heed.tensor.Tensor.of(v, b, h, s, e), spec).output().toFloatArray();
        ctx.close();
        var ok = SampledAttentionCheck.run(q, k, v, got, b, h, l, s, e, spec, 1);
        assertEquals(SampledAttentionCheck.SAMPLED_ROWS, ok.rowsChecked());
        assertTrue(ok.error() < 1e-5, "kernel vs definition: " + ok.error());
        got[got.length - 1] += 0.01f;                                   // the last row is always in the sample
        assertTrue(SampledAttentionCheck.run(q, k, v, got, b, h, l, s, e, spec, 1).error() > 1e-3, "a wrong value is found");
    }

    @Test
    void warmUpWaitsForTheJitToGoQuiet() {
        // 2 ms calls of a constant duration, as a kernel still in the interpreter looks; the JIT keeps compiling for
        // the first 150 calls: the warm-up may not call that steady, however alike the rounds are
        long[] calls = {0};
        Runnable call = () -> {
            calls[0]++;
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 2_000_000L) Thread.onSpinWait();
        };
        BenchAttentionCommand.Warmup w = BenchAttentionCommand.warmUp(call, 200_000_000L, () -> Math.min(calls[0], 150));
        assertTrue(w.steady(), "steady once the JIT went quiet");
        assertTrue(w.calls() > 150, "ended after " + w.calls() + " calls, while the JIT was still compiling");
        // without compilation the same calls are steady after two rounds of at least 0.2 s and 10 calls
        calls[0] = 0;
        BenchAttentionCommand.Warmup quiet = BenchAttentionCommand.warmUp(call, 200_000_000L, () -> 7);
        assertTrue(quiet.steady());
        assertTrue(quiet.calls() >= 2 * BenchAttentionCommand.ROUND_CALLS && quiet.calls() < w.calls(), "calls " + quiet.calls() + " vs " + w.calls());
    }

    @Test
    void slowCallsMakeRoundsOfTenCalls() {
        // 30 ms calls: a 0.2 s round would hold 7; rounds hold at least ten, so two rounds are 20 calls or more
        long[] calls = {0};
        Runnable call = () -> {
            calls[0]++;
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 30_000_000L) Thread.onSpinWait();
        };
        BenchAttentionCommand.Warmup w = BenchAttentionCommand.warmUp(call, 0, () -> -1);
        assertTrue(w.calls() >= 20, "calls " + w.calls());
    }

    @Test
    void badOptionsAreRejected() {
        assertNotEquals("0", run("--impl", "fast", "--seq", "8")[0]);
        assertNotEquals("0", run("--impl", "flash", "--seq", "0")[0]);
    }
}
