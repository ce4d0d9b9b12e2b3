package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, point 4: every size a model chooses is held against one budget before allocating, and a run's
 * live tensors count together. Tiny models built in code; the budget is set explicitly (1 MiB) so that the
 * reproducers are small, and one test runs a child JVM with a small -Xmx to check the heap-derived default.
 */
class MemoryBudgetSessionTest {
    static final long BUDGET = 1 << 20;

    static TensorData longs(String name, long... v) {
        return new TensorData(name, ElemType.INT64, new long[] {v.length}, new TensorData.Data.Longs(v));
    }

    static TensorData floats(String name, float... v) {
        return new TensorData(name, ElemType.FLOAT, new long[] {v.length}, new TensorData.Data.Floats(v));
    }

    static Model model(int opset, List<Node> nodes, List<ValueInfo> inputs, List<String> outputs, TensorData... inits) {
        Graph g = new Graph("g", nodes, inputs, outputs.stream().map(o -> value(o, ElemType.FLOAT)).toList(), List.of(), List.of(inits));
        return new Model(8, Map.of("", (long) opset), "test", "", "", 0, "", Map.of(), g);
    }

    private static HeedException fails(Model m, Map<String, Tensor> feeds) {
        SessionOptions o = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1).withMemoryLimitBytes(BUDGET));
        return assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(m, o, OpRegistry.standard())) {
                s.run(feeds);
            }
        });
    }

    @Test
    void constantOfShapeOverTheBudgetIsMemoryLimit() {
        // shape is an input, so nothing folds: ConstantOfShape [3, 2^18] float = 3 MiB > 1 MiB
        Model m = model(13, List.of(node("ConstantOfShape", List.of("shape"), List.of("y"))),
                List.of(value("shape", ElemType.INT64, 2)), List.of("y"));
        HeedException e = fails(m, Map.of("shape", Tensor.ofLongs(new long[] {3, 1 << 18}, 2)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("ConstantOfShape"), e.getMessage());
    }

    @Test
    void tileOverTheBudgetIsMemoryLimit() {
        Model m = model(13, List.of(node("Tile", List.of("x", "reps"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, 1, 1024), value("reps", ElemType.INT64, 2)), List.of("y"));
        HeedException e = fails(m, Map.of("x", Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 1024),
                "reps", Tensor.ofLongs(new long[] {1024, 1}, 2)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void resizeSizesBeyondIntArithmeticAreMemoryLimitNotAioobe() {
        // sizes 65536 x 65537: 2^32 + 2^16 elements, an int product wraps
        Model m = model(13, List.of(node("Resize", List.of("x", "", "", "sizes"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, 1, 1, 2, 2), value("sizes", ElemType.INT64, 4)), List.of("y"));
        HeedException e = fails(m, Map.of("x", Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 1, 2, 2),
                "sizes", Tensor.ofLongs(new long[] {1, 1, 65536, 65537}, 4)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void upsampleByAMillionIsMemoryLimit() {
        Model m = model(9, List.of(node("Upsample", List.of("x", "scales"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, 1, 1, 2, 2), value("scales", ElemType.FLOAT, 4)), List.of("y"));
        HeedException e = fails(m, Map.of("x", Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 1, 2, 2),
                "scales", Tensor.of(new float[] {1, 1, 1e6f, 1e6f}, 4)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void aFoldedResizeScaleOf2e4IsMemoryLimitNotNegativeArraySize() {
        // every input constant: the folder runs it inside Session.open
        Model m = model(13, List.of(node("Resize", List.of("x", "", "scales"), List.of("y"))), List.of(), List.of("y"),
                new TensorData("x", ElemType.FLOAT, new long[] {1, 1, 2, 2}, new TensorData.Data.Floats(new float[4])),
                floats("scales", 1, 1, 2e4f, 2e4f));
        HeedException e = fails(m, Map.of());
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void rangeOfABillionIsMemoryLimitNotOutOfMemory() {
        // found by the ONNX fuzz campaign: Range allocated its output without the budget
        Model m = model(11, List.of(node("Range", List.of("start", "limit", "delta"), List.of("y"))),
                List.of(value("start", ElemType.FLOAT), value("limit", ElemType.FLOAT), value("delta", ElemType.FLOAT)), List.of("y"));
        HeedException e = fails(m, Map.of("start", Tensor.scalar(0f), "limit", Tensor.scalar(1e9f), "delta", Tensor.scalar(1f)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
        Model li = model(11, List.of(node("Range", List.of("start", "limit", "delta"), List.of("y"))),
                List.of(value("start", ElemType.INT64), value("limit", ElemType.INT64), value("delta", ElemType.INT64)), List.of("y"));
        HeedException wrap = fails(li, Map.of("start", Tensor.ofLongs(new long[] {Long.MIN_VALUE}), "limit",
                Tensor.ofLongs(new long[] {Long.MAX_VALUE}), "delta", Tensor.ofLongs(new long[] {1L << 40})));
        assertEquals(ErrorCode.INVALID_ARGUMENT, wrap.code(), wrap.getMessage());
    }

    @Test
    void threeOutputsThatEachFitButNotTogetherAreMemoryLimit() {
        // three ConstantOfShape outputs of 400 KiB each under a 1 MiB budget: the third is refused
        List<Node> nodes = new ArrayList<>();
        for (int k = 0; k < 3; k++) nodes.add(new Node("c" + k, "ConstantOfShape", "", List.of("shape"), List.of("y" + k), Map.of()));
        Model m = model(13, nodes, List.of(value("shape", ElemType.INT64, 1)), List.of("y0", "y1", "y2"));
        HeedException e = fails(m, Map.of("shape", Tensor.ofLongs(new long[] {100 << 10}, 1)));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("already holds"), e.getMessage());
    }

    @Test
    void aChainWhoseIntermediatesAreReleasedRunsWithinTheBudget() {
        // ten 400 KiB tensors in sequence, each released after its reader: never more than two live at once
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("c", "ConstantOfShape", "", List.of("shape"), List.of("t0"), Map.of()));
        for (int k = 1; k < 10; k++) nodes.add(new Node("n" + k, "Neg", "", List.of("t" + (k - 1)), List.of("t" + k), Map.of()));
        Model m = model(13, nodes, List.of(value("shape", ElemType.INT64, 1)), List.of("t9"));
        SessionOptions o = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1).withMemoryLimitBytes(BUDGET));
        try (Session s = Session.open(m, o, OpRegistry.standard())) {
            assertEquals(100 << 10, s.run(Map.of("shape", Tensor.ofLongs(new long[] {100 << 10}, 1))).get("t9").numel());
        }
    }

    /** Child JVM entry: opens the model with default options (heap-derived budget), runs it, prints the outcome. */
    public static void main(String[] args) throws Exception {
        try (Session s = Session.open(Path.of(args[0]))) {
            // optional second argument: the values of an int64 input named "shape"
            s.run(args.length < 2 ? Map.of() : Map.of("shape", Tensor.ofLongs(
                    java.util.Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray(), args[1].split(",").length)));
            System.out.println("OK");
        } catch (HeedException e) {
            System.out.println(e.code() + " " + e.getMessage());
        } catch (OutOfMemoryError e) {
            System.out.println("OOM " + e);
        }
    }

    @Test
    void underASmallHeapTheDefaultBudgetRefusesA3xModelBeforeAllocating(@TempDir Path dir) throws Exception {
        // -Xmx128m: budget 96 MiB; ConstantOfShape [3, 2^25] float = 384 MiB (3x the heap)
        Model big = model(13, List.of(node("ConstantOfShape", List.of("shape"), List.of("y"))), List.of(), List.of("y"),
                longs("shape", 3, 1 << 25));
        // three outputs of 40 MiB each: each fits the 96 MiB budget, together they do not
        List<Node> nodes = new ArrayList<>();
        for (int k = 0; k < 3; k++) nodes.add(new Node("c" + k, "ConstantOfShape", "", List.of("shape"), List.of("y" + k), Map.of()));
        String one = child(Files.write(dir.resolve("big.onnx"), ModelWriter.write(big)), "-Xmx128m");
        assertTrue(one.startsWith("MEMORY_LIMIT"), one);
        // the shape is an input, so nothing folds at open and the run's ledger sees all three
        Path three = Files.write(dir.resolve("three.onnx"), ModelWriter.write(model(13,
                nodes, List.of(value("shape", ElemType.INT64, 1)), List.of("y0", "y1", "y2"))));
        String out = child(three, "-Xmx128m", String.valueOf(10 << 20));
        assertTrue(out.startsWith("MEMORY_LIMIT") && out.contains("already holds"), out);
    }

    private static String child(Path model, String xmx, String... more) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, xmx, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), MemoryBudgetSessionTest.class.getName(), model.toString()));
        cmd.addAll(List.of(more));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return all.lines().filter(l -> l.startsWith("OK") || l.startsWith("MEMORY_LIMIT") || l.startsWith("OOM") || l.matches("^[A-Z_]+ .*"))
                .reduce((a, b) -> b).orElse(all);
    }
}
