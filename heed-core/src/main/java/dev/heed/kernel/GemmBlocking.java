package dev.heed.kernel;

/**
 * The blocking of the fast GEMM ({@link GemmVector}), chosen per machine at start-up from {@link MachineProbe.Machine}
 * (vector width, register count, cache sizes) — no timing, no constants tuned for one CPU.
 *
 * <ul>
 *   <li>{@code mr × nr}: the register tile. {@code nr} is two vectors; {@code mr} is the tallest implemented row
 *       count whose {@code 2·mr} accumulators plus two B vectors and one broadcast fit the register file: 12 with
 *       32 registers (AVX-512: 24 accumulators, 27 registers), 6 with 16 (AVX2: 12 accumulators, 15 registers).
 *       Either covers FMA latency × ports of current cores (8 on Sapphire Rapids, 4–8 on Zen 4 / AVX2 cores);
 *       {@code heed selfcheck} prints the measured need next to the tile.</li>
 *   <li>{@code kc}: depth of a block of the shared dimension, so that one {@code kc × mr} A micro-panel (the
 *       broadcast operand, reused by every B micro-panel of the block while the B panels stream past it from L2)
 *       takes 3/8 of L1d: 384 with 48 KiB and 12 rows, 256 with 32 KiB and 12 rows, 512 with 32 KiB and 6 rows.
 *       A deep block also means fewer passes over C (C is loaded and stored once per K block): the MiniLM
 *       shapes with K = 384 take one.</li>
 *   <li>{@code nc}: columns per task block, so that the block's {@code kc × nc} B panels take half of L2.</li>
 *   <li>{@code mc}: rows per task block, so that the task's packed {@code mc × kc} A block would take half of L2
 *       (it bounds the task size; each A micro-panel is read once per K block).</li>
 * </ul>
 * The blocking changes speed only, never results: every element of C is one FMA chain in K order
 * (see {@link GemmVector}).
 *
 * @param mr rows of the register tile (one of {@link #ROW_BLOCKS})
 * @param nr columns of the register tile (two vectors)
 * @param kc depth of a K block
 * @param mc largest number of rows of a task block (multiple of {@code mr})
 * @param nc largest number of columns of a task block (multiple of {@code nr})
 */
record GemmBlocking(int mr, int nr, int kc, int mc, int nc) {
    /** Register-tile heights that have a micro-kernel. */
    static final int[] ROW_BLOCKS = {6, 12};

    GemmBlocking {
        if (mr != 6 && mr != 12) throw new IllegalArgumentException("mr " + mr + "; expected one of [6, 12]");
        if (nr <= 0 || kc <= 0 || mc < mr || mc % mr != 0 || nc < nr || nc % nr != 0) {
            throw new IllegalArgumentException("blocking " + mr + "x" + nr + " kc=" + kc + " mc=" + mc + " nc=" + nc);
        }
    }

    /** The blocking for a machine whose float vectors have {@code lanes} lanes. */
    static GemmBlocking choose(int lanes, MachineProbe.Machine machine) {
        return choose(lanes, machine.vectorRegisters(), machine.caches());
    }

    /** The blocking for {@code lanes}-lane vectors, {@code registers} vector registers and these caches. */
    static GemmBlocking choose(int lanes, int registers, MachineProbe.Caches caches) {
        int nr = 2 * lanes;
        int mr = 6;
        for (int h : ROW_BLOCKS) if (2 * h + 3 <= registers) mr = h;
        int kc = clamp((int) (caches.l1d() * 3 / 8 / (4L * mr)) / 16 * 16, 64, 512);
        int mc = clamp((int) (caches.l2() / 2 / (4L * kc)) / mr * mr, mr, 1020 / mr * mr);
        int nc = clamp((int) (caches.l2() / 2 / (4L * kc)) / nr * nr, nr, Math.max(nr, 4096 / nr * nr));
        return new GemmBlocking(mr, nr, kc, mc, nc);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** {@code "12x32 kc=384 mc=672 nc=672"}. */
    String describe() {
        return mr + "x" + nr + " kc=" + kc + " mc=" + mc + " nc=" + nc;
    }
}
