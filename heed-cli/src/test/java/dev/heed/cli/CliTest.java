package dev.heed.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI end to end, in-process: exit codes and what the user reads. */
class CliTest {
    static final Path SHAPE_CHAIN = Path.of("../heed-onnx/src/test/resources/onnx/shape_chain.onnx");

    record Outcome(int exit, String out, String err) {}

    static Outcome heed(String... args) {
        CommandLine cl = HeedCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    @Test
    void versionAndHelp() {
        Outcome v = heed("--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("heed "), v.out());
        Outcome h = heed("--help");
        for (String cmd : new String[] {"selfcheck", "inspect", "run", "bench"}) assertTrue(h.out().contains(cmd), h.out());
    }

    @Test
    void selfcheckPassesAndPrintsATable() {
        Outcome o = heed("selfcheck", "--threads", "2");
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.out().contains("0 failed"), o.out());
        assertTrue(o.out().contains("softmax"), o.out());
    }

    @Test
    void inspectRunAndBenchAModel(@TempDir Path dir) throws Exception {
        assertTrue(Files.exists(SHAPE_CHAIN), "fixture missing: " + SHAPE_CHAIN.toAbsolutePath());
        Outcome i = heed("inspect", SHAPE_CHAIN.toString());
        assertEquals(0, i.exit(), i.err());
        assertTrue(i.out().contains("unsupported ops: none"), i.out());

        Path x = dir.resolve("x.npy");
        float[] data = new float[24];
        for (int k = 0; k < data.length; k++) data[k] = k;
        Npy.write(x, Tensor.of(data, 2, 3, 4));
        Outcome r = heed("run", SHAPE_CHAIN.toString(), "--input", "x=" + x, "--output-dir", dir.toString());
        assertEquals(0, r.exit(), r.err());
        Tensor y = Npy.read(dir.resolve("y.npy"));
        assertArrayEquals(data, y.toFloatArray());
        assertEquals(2, y.dim(0));

        Outcome b = heed("bench", SHAPE_CHAIN.toString(), "--warmup", "1", "--iterations", "3");
        assertEquals(0, b.exit(), b.err());
        assertTrue(b.out().contains("p50"), b.out());
    }

    @Test
    void badInputsGiveClearErrors(@TempDir Path dir) throws Exception {
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.of(new float[24], 2, 3, 4));
        Outcome wrongName = heed("run", SHAPE_CHAIN.toString(), "--input", "nope=" + x, "--output-dir", dir.toString());
        assertEquals(2, wrongName.exit());
        assertTrue(wrongName.err().contains("nope") && wrongName.err().contains("x"), wrongName.err());

        Path garbage = dir.resolve("garbage.onnx");
        Files.writeString(garbage, "this is not a model");
        Outcome bad = heed("inspect", garbage.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("MALFORMED_INPUT"), bad.err());

        Outcome malformedPair = heed("run", SHAPE_CHAIN.toString(), "--input", "x");
        assertEquals(2, malformedPair.exit());
        assertTrue(malformedPair.err().contains("NAME=VALUE"), malformedPair.err());
    }
}
