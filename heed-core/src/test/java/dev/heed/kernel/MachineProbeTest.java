package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MachineProbe}: parsing what the operating system says, defaults when it says nothing, the FMA probe. */
class MachineProbeTest {
    @TempDir
    Path dir;

    private void cache(String index, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("cache").resolve(index));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test
    void cachesFromSysfs() throws IOException {
        cache("index0", 1, "Data", "48K");
        cache("index1", 1, "Instruction", "32K");
        cache("index2", 2, "Unified", "2048K");
        cache("index3", 3, "Unified", "307200K");
        MachineProbe.Caches c = MachineProbe.caches(dir.resolve("cache"));
        assertEquals(new MachineProbe.Caches(48 * 1024, 2 * 1024 * 1024, 300L * 1024 * 1024, true), c);
        assertEquals("L1d 48 KiB, L2 2 MiB, L3 300 MiB", c.describe());
    }

    @Test
    void defaultsWhenAbsentOrPartial() throws IOException {
        MachineProbe.Caches none = MachineProbe.caches(dir.resolve("missing"));
        assertFalse(none.fromMachine());
        assertEquals(MachineProbe.DEFAULT_L1D, none.l1d());
        assertTrue(none.describe().endsWith("(defaults)"), none.describe());
        cache("index0", 1, "Data", "32K");
        cache("index2", 2, "Unified", "1M");
        MachineProbe.Caches partial = MachineProbe.caches(dir.resolve("cache"));
        assertEquals(32 * 1024, partial.l1d());
        assertEquals(1024 * 1024, partial.l2());
        assertEquals(MachineProbe.DEFAULT_L3, partial.l3());
        assertFalse(partial.fromMachine());
    }

    @Test
    void cpuModelFromCpuinfo() throws IOException {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
                + "model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu avx512f\n\nprocessor\t: 1\nmodel name\t: other\n");
        assertEquals("Intel(R) Xeon(R) Processor (family 6, model 207)", MachineProbe.cpuModel(f));
        Files.writeString(f, "Processor\t: AArch64\nmodel name\t: Neoverse\n");
        assertEquals("Neoverse", MachineProbe.cpuModel(f));
        assertEquals("unknown CPU", MachineProbe.cpuModel(dir.resolve("none")));
    }

    @Test
    void sizes() {
        assertEquals(49152, MachineProbe.parseSize("48K"));
        assertEquals(2097152, MachineProbe.parseSize("2M"));
        assertEquals(512, MachineProbe.parseSize("512"));
    }

    /**
     * The measured peak is at least the latency-bound single chain, and the accumulator need follows from both. (On a
     * machine so busy that C2 does not compile the probe within its 10 s, the result says it was not measured.)
     */
    @Test
    void fmaPeakIsMeasured() {
        MachineProbe.FmaPeak p = MachineProbe.fmaPeak();
        if (Double.isNaN(p.gflops())) {
            assertEquals(0, p.accumulatorsNeeded());
            assertTrue(p.describe().contains("not measured"), p.describe());
            return;
        }
        assertTrue(p.gflops() > 0 && p.chainGflops() > 0, p.toString());
        assertTrue(p.gflops() >= p.chainGflops() * 0.9, p.toString());
        assertEquals(Math.max(1, Math.round(p.gflops() / p.chainGflops())), p.accumulatorsNeeded());
        assertTrue(p.describe().startsWith("FMA peak "), p.describe());
        assertTrue(MachineProbe.machine().vectorBits() >= 128, MachineProbe.machine().describe());
    }
}
