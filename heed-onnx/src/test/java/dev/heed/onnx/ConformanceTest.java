package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX backend node tests (Debian's libonnx-testdata) for every case whose operators are all registered.
 * Cases listed in {@code conformance-excludes.txt} (name, tab or spaces, reason) are not run. Tolerance: exact
 * for integers and bool; |a - e| <= 1e-6 + 1e-5 |e| for float32.
 */
class ConformanceTest {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data/node");
    static final double REL_TOL = 1e-5, ABS_TOL = 1e-6;
    static final long LIMIT = 1L << 30;

    @TestFactory
    Stream<DynamicTest> nodeTests() throws IOException {
        if (!Files.isDirectory(ROOT)) {
            fail("ONNX backend test data not found at " + ROOT + ": install it with `apt-get install libonnx-testdata`");
        }
        Map<String, String> excludes = loadExcludes();
        OpRegistry registry = OpRegistry.standard();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT)) {
            dirs = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
        }
        AtomicInteger passed = new AtomicInteger(), run = new AtomicInteger();
        int excluded = 0, unsupported = 0;
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            Model m;
            try {
                m = OnnxReader.read(dir.resolve("model.onnx"), LIMIT);
            } catch (RuntimeException e) {
                if (excludes.containsKey(name)) { excluded++; continue; }
                tests.add(DynamicTest.dynamicTest(name, () -> { run.incrementAndGet(); throw e; }));
                continue;
            }
            boolean allKnown = true;
            for (Node n : m.graph().nodes()) allKnown &= registry.supports(n.domain(), n.opType(), m.opsetFor(n.domain()));
            if (!allKnown) { unsupported++; continue; }
            if (excludes.containsKey(name)) { excluded++; continue; }
            tests.add(DynamicTest.dynamicTest(name, () -> {
                run.incrementAndGet();
                try {
                    runCase(dir, m);
                } catch (Throwable t) {
                    System.out.println("CONFORMANCE-FAIL " + name + " " + t.getMessage());
                    throw new AssertionError(name + ": " + t.getMessage(), t);
                }
                passed.incrementAndGet();
            }));
        }
        int ex = excluded, un = unsupported;
        tests.add(DynamicTest.dynamicTest("summary", () -> System.out.println("ONNX conformance: " + passed.get() + " passed / "
                + run.get() + " run / " + ex + " excluded / " + un + " skipped-unsupported-op")));
        return tests.stream();
    }

    private static void runCase(Path dir, Model m) throws IOException {
        SessionOptions opts = SessionOptions.defaults().withExecution(new ExecutionOptions(1, LIMIT));
        try (Session s = Session.open(m, opts, OpRegistry.standard())) {
            List<Path> sets;
            try (Stream<Path> st = Files.list(dir)) {
                sets = st.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            if (sets.isEmpty()) fail("no test_data_set_* in " + dir);
            for (Path set : sets) {
                Map<String, Tensor> feeds = new LinkedHashMap<>();
                List<ValueInfo> ins = s.inputs();
                for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
                    feeds.put(ins.get(i).name(), OnnxReader.readTensor(set.resolve("input_" + i + ".pb"), LIMIT).toTensor());
                }
                Map<String, Tensor> out = s.run(feeds);
                List<ValueInfo> outs = s.outputs();
                for (int i = 0; Files.exists(set.resolve("output_" + i + ".pb")); i++) {
                    Tensor want = OnnxReader.readTensor(set.resolve("output_" + i + ".pb"), LIMIT).toTensor();
                    String oname = outs.get(i).name();
                    compare(set.getFileName() + " output '" + oname + "'", want, out.get(oname));
                }
            }
        }
    }

    static void compare(String what, Tensor want, Tensor got) {
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(want.shape().dims(), got.shape().dims(), what + " shape " + want.shape() + " vs " + got.shape());
        if (want.dtype() == DType.FLOAT32) {
            float[] w = want.toFloatArray(), g = got.toFloatArray();
            for (int i = 0; i < w.length; i++) {
                if (Float.isNaN(w[i]) && Float.isNaN(g[i])) continue;
                if (w[i] == g[i]) continue;
                double err = Math.abs((double) w[i] - g[i]);
                if (!(err <= ABS_TOL + REL_TOL * Math.abs(w[i]))) {
                    fail(what + ": element " + i + " expected " + w[i] + " got " + g[i] + " (error " + err + ")");
                }
            }
        } else {
            assertArrayEquals(want.toLongArray(), got.toLongArray(), what + " values");
        }
    }

    private static Map<String, String> loadExcludes() throws IOException {
        Map<String, String> ex = new LinkedHashMap<>();
        try (InputStream in = ConformanceTest.class.getResourceAsStream("/conformance-excludes.txt")) {
            if (in == null) fail("conformance-excludes.txt missing from test resources");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] parts = line.split("\\s+", 2);
                if (parts.length < 2 || parts[1].isBlank()) fail("exclude without a reason: " + line);
                ex.put(parts[0], parts[1]);
            }
        }
        return ex;
    }
}
