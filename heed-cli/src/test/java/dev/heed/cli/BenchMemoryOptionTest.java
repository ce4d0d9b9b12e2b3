package dev.heed.cli;

import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.cli.CliTest.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Issue 11, point 3: {@code heed bench MODEL --memory} prints one run's peak, the constants and the process peak. */
class BenchMemoryOptionTest {
    static final String ENCODER = BadInputCatalogueTest.ENCODER; // x[batch, seq, 32], about 100 KB of weights

    private static double mib(String out, String label) {
        Matcher m = Pattern.compile("(?m)^  " + label + " +(\\d+\\.\\d{3}|n/a)( MiB)?  \\S").matcher(out);
        assertTrue(m.find(), "no '" + label + "' line in:\n" + out);
        return m.group(1).equals("n/a") ? -1 : Double.parseDouble(m.group(1));
    }

    @Test
    void benchPrintsTheMemoryBlockOnlyWithMemory() {
        String[] base = {"bench", ENCODER, "--dim", "batch=2", "--dim", "seq=16", "--warmup", "0", "--iterations", "2", "--threads", "1"};
        Outcome plain = heed(base);
        assertEquals(0, plain.exit(), plain.err());
        assertFalse(plain.out().contains("run peak"), plain.out());

        String[] withMemory = java.util.Arrays.copyOf(base, base.length + 1);
        withMemory[base.length] = "--memory";
        Outcome o = heed(withMemory);
        assertEquals(0, o.exit(), o.err());
        String out = o.out();
        assertTrue(out.contains("memory:"), out);
        double peak = mib(out, "run peak"), constants = mib(out, "constants"), process = mib(out, "process peak");
        // the run holds at least its output, x-shaped [2, 16, 32] float = 4 KiB, and far less than a GiB
        assertTrue(peak >= 4096 / 1048576.0 && peak < 1024, "run peak " + peak + "\n" + out);
        // the weights are most of the ~100 KB file: between half of it and all of it
        double file = fileMib();
        assertTrue(constants >= file / 2 && constants <= file, "constants " + constants + " vs file " + file + "\n" + out);
        if (Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
            // a JVM's resident set is at least some MiB and at least the weights
            assertTrue(process > 1 && process >= constants, "process peak " + process + "\n" + out);
        }
    }

    private static double fileMib() {
        try {
            return Files.size(java.nio.file.Path.of(ENCODER)) / 1048576.0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void memoryAndProfileTogetherPrintBoth() {
        Outcome o = heed("bench", ENCODER, "--dim", "batch=1", "--dim", "seq=8", "--warmup", "0", "--iterations", "1",
                "--threads", "1", "--memory", "--profile");
        assertEquals(0, o.exit(), o.err());
        assertTrue(o.out().contains("profile of one run") && o.out().contains("run peak"), o.out());
    }

    @Test
    void theBlockShowsMibAndNaWhenTheResidentPeakIsUnknown() {
        StringWriter s = new StringWriter();
        try (PrintWriter w = new PrintWriter(s)) {
            BenchCommand.printMemory(w, 3 << 20, 1 << 19, -1);
        }
        String out = s.toString();
        assertEquals(3.0, mib(out, "run peak"));
        assertEquals(0.5, mib(out, "constants"));
        assertEquals(-1, mib(out, "process peak"));
    }

    @Test
    void memoryWithoutAModelOrWithBenchAttentionIsAClearUsageError() {
        Outcome noModel = heed("bench", "--memory");
        assertEquals(2, noModel.exit(), noModel.out() + noModel.err());
        assertTrue(noModel.err().contains("--memory") && noModel.err().contains("MODEL.onnx"), noModel.err());
        assertFalse(noModel.err().contains("\tat "), noModel.err());

        Outcome attention = heed("bench", "--memory", "attention", "--impl", "exact", "--seq", "8", "--heads", "1", "--dim", "8");
        assertEquals(2, attention.exit(), attention.out() + attention.err());
        assertTrue(attention.err().contains("--memory") && attention.err().contains("bench attention"), attention.err());
        assertFalse(attention.err().contains("\tat "), attention.err());
        assertFalse(attention.out().contains("GFLOP"), "nothing was timed: " + attention.out());
    }

    @Test
    void theHelpDocumentsMemory() {
        Outcome h = heed("bench", "--help");
        assertEquals(0, h.exit(), h.err());
        assertTrue(h.out().contains("--memory"), h.out());
    }
}
