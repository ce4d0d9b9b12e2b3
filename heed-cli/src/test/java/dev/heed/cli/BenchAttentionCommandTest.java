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
                    "--batch", "2", "--threads", "2", "--causal", "--repeats", "2", "--check");
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("median"), r[1]);
            assertTrue(r[1].contains("GFLOP/s"), r[1]);
            assertTrue(r[1].contains("peak heap"), r[1]);
            assertTrue(r[1].contains("OK"), r[1]);
        }
    }

    @Test
    void badOptionsAreRejected() {
        assertNotEquals("0", run("--impl", "fast", "--seq", "8")[0]);
        assertNotEquals("0", run("--impl", "flash", "--seq", "0")[0]);
    }
}
