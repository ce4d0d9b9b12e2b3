package dev.heed.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What this machine is and how fast it multiplies: the CPU model, the vector width, the data cache sizes
 * (read from the operating system when it says, else defaults) and, on request, the measured fp32 FMA peak of
 * one core. The fast kernels choose their blocking from {@link #machine()} at start-up ({@code GemmBlocking});
 * {@code heed selfcheck} and the benchmarks print {@link #fmaPeak()} so that every GFLOP/s figure can be read
 * as a fraction of what the core can issue.
 *
 * <pre>{@code
 * MachineProbe.Machine m = MachineProbe.machine();          // cheap: files under /proc and /sys, read once
 * MachineProbe.FmaPeak peak = MachineProbe.fmaPeak();        // ~0.2-1 s the first time, then cached
 * System.out.println(m.describe() + "; " + peak.describe());
 * }</pre>
 *
 * <p>Both results are computed once per process and immutable; the measurement is timed on the calling thread,
 * so on a busy machine it reads low (the best of many short runs is kept to limit that).
 */
public final class MachineProbe {
    private MachineProbe() {}

    /** Cache sizes used when the operating system does not tell: a common laptop/server core. */
    static final long DEFAULT_L1D = 32 * 1024, DEFAULT_L2 = 1024 * 1024, DEFAULT_L3 = 8L * 1024 * 1024;

    /**
     * Data cache sizes in bytes as one core sees them ({@code l3} is the whole shared cache).
     *
     * @param l1d         level-1 data cache of one core, in bytes
     * @param l2          level-2 cache of one core, in bytes
     * @param l3          the shared level-3 cache, in bytes
     * @param fromMachine true when read from {@code /sys/devices/system/cpu/cpu0/cache}; false for the defaults
     */
    public record Caches(long l1d, long l2, long l3, boolean fromMachine) {
        /** {@return e.g. {@code "L1d 48 KiB, L2 2 MiB, L3 105 MiB"}, with {@code " (defaults)"} when not read from the machine} */
        public String describe() {
            return "L1d " + bytes(l1d) + ", L2 " + bytes(l2) + ", L3 " + bytes(l3) + (fromMachine ? "" : " (defaults)");
        }
    }

    /**
     * The machine as the kernels see it.
     *
     * @param cpuModel        the {@code model name} of {@code /proc/cpuinfo} with family and model numbers, or
     *                        {@code "unknown CPU"}
     * @param vectorBits      bits of the widest float vector the Vector API runs natively (0 without the Vector API)
     * @param vectorRegisters architectural vector registers assumed for register blocking: 32 with 512-bit
     *                        vectors (AVX-512), else 16 (AVX2; conservative elsewhere)
     * @param caches          data cache sizes
     */
    public record Machine(String cpuModel, int vectorBits, int vectorRegisters, Caches caches) {
        /** {@return one line: model, vectors, caches} */
        public String describe() {
            return cpuModel + ", " + (vectorBits == 0 ? "no Vector API" : vectorBits + "-bit vectors") + ", "
                    + caches.describe();
        }
    }

    /**
     * The measured fp32 fused multiply-add throughput of one core.
     *
     * @param gflops             peak: 16 independent FMA chains on full vectors, best of many short runs (NaN when
     *                           not measured)
     * @param chainGflops        one dependent FMA chain: latency-bound
     * @param accumulatorsNeeded {@code round(gflops / chainGflops)}: independent accumulators a kernel needs to
     *                           keep the FMA units busy (FMA latency × FMA ports; 8 on Sapphire Rapids, 4 on
     *                           Zen 4); 0 when not measured
     */
    public record FmaPeak(double gflops, double chainGflops, int accumulatorsNeeded) {
        /** {@return e.g. {@code "FMA peak 172.6 GFLOP/s per core (8 independent accumulators to fill it)"}, or a not-measured note} */
        public String describe() {
            if (Double.isNaN(gflops)) return "FMA peak not measured (no Vector API, or the JIT did not compile the probe in 10 s)";
            return String.format(Locale.ROOT, "FMA peak %.1f GFLOP/s per core (%d independent accumulators to fill it)",
                    gflops, accumulatorsNeeded);
        }

        /**
         * A kernel's throughput as a fraction of this peak.
         *
         * @param kernelGflops the kernel's GFLOP/s on one core
         * @return {@code kernelGflops / gflops} (NaN when either is unknown)
         */
        public double fraction(double kernelGflops) {
            return kernelGflops / gflops;
        }
    }

    private static final class MachineHolder {
        static final Machine MACHINE = read(Path.of("/proc/cpuinfo"), Path.of("/sys/devices/system/cpu/cpu0/cache"));
    }

    private static final class PeakHolder {
        static final FmaPeak PEAK = VectorSupport.available() ? FmaProbeVector.measure() : new FmaPeak(Double.NaN, Double.NaN, 0);
    }

    /** {@return the machine, read once per process (no timing)} */
    public static Machine machine() {
        return MachineHolder.MACHINE;
    }

    /**
     * The FMA peak of one core, measured once per process on the first call (~0.2-1 s: the probe loops must be
     * compiled by C2 first; at most 10 s on a machine too busy to compile them), then cached.
     *
     * @return the measured peak, or a NaN peak without the Vector API
     */
    public static FmaPeak fmaPeak() {
        return PeakHolder.PEAK;
    }

    /**
     * The fast GEMM's blocking chosen for this machine, e.g. {@code "GEMM block 12x32 kc=384 mc=672 nc=672 (24
     * accumulators)"}, or a note that the reference kernels run.
     *
     * @return one line describing the blocking
     */
    public static String gemmBlocking() {
        if (!VectorSupport.available()) return "GEMM: scalar reference kernel";
        GemmBlocking b = GemmVector.MACHINE;
        return "GEMM block " + b.describe() + " (" + 2 * b.mr() + " accumulators)";
    }

    /** The machine from a cpuinfo file and a sysfs cache directory (either may be missing). */
    static Machine read(Path cpuinfo, Path cacheDir) {
        int bits = VectorSupport.available() ? VectorShapes.F.vectorBitSize() : 0;
        return new Machine(cpuModel(cpuinfo), bits, bits >= 512 ? 32 : 16, caches(cacheDir));
    }

    /** {@code "model name (family f, model m)"} from a {@code /proc/cpuinfo}-format file, or {@code "unknown CPU"}. */
    static String cpuModel(Path cpuinfo) {
        String name = null, family = null, model = null;
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    if (name != null) break;                  // end of the first processor's block
                    continue;
                }
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                switch (key) {
                    case "model name" -> name = value;
                    case "cpu family" -> family = value;
                    case "model" -> model = value;
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
        if (name == null) return "unknown CPU";
        return family != null && model != null ? name + " (family " + family + ", model " + model + ")" : name;
    }

    /**
     * Data cache sizes from a sysfs cache directory ({@code index*}{@code /level}, {@code type}, {@code size} like
     * {@code 48K}); any size not found there takes its default.
     */
    static Caches caches(Path dir) {
        long l1 = 0, l2 = 0, l3 = 0;
        try (var entries = Files.list(dir)) {
            List<Path> indexes = entries.filter(p -> p.getFileName().toString().startsWith("index")).toList();
            for (Path idx : indexes) {
                String type = Files.readString(idx.resolve("type")).trim();
                if (type.equals("Instruction")) continue;
                int level = Integer.parseInt(Files.readString(idx.resolve("level")).trim());
                long size = parseSize(Files.readString(idx.resolve("size")).trim());
                if (level == 1) l1 = size;
                else if (level == 2) l2 = size;
                else if (level == 3) l3 = size;
            }
        } catch (IOException | RuntimeException e) {
            return new Caches(DEFAULT_L1D, DEFAULT_L2, DEFAULT_L3, false);
        }
        boolean all = l1 > 0 && l2 > 0 && l3 > 0;
        return new Caches(l1 > 0 ? l1 : DEFAULT_L1D, l2 > 0 ? l2 : DEFAULT_L2, l3 > 0 ? l3 : DEFAULT_L3, all);
    }

    /** {@code "48K"} → 49152, {@code "2M"} → 2097152, {@code "512"} → 512. */
    static long parseSize(String s) {
        char unit = Character.toUpperCase(s.charAt(s.length() - 1));
        long mult = switch (unit) {
            case 'K' -> 1024L;
            case 'M' -> 1024L * 1024;
            case 'G' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        String digits = mult == 1 ? s : s.substring(0, s.length() - 1);
        return Long.parseLong(digits.trim()) * mult;
    }

    private static String bytes(long b) {
        if (b >= 1024L * 1024 && b % (1024L * 1024) == 0) return b / (1024 * 1024) + " MiB";
        if (b >= 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
        return b / 1024 + " KiB";
    }
}
