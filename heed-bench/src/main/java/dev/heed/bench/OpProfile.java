package dev.heed.bench;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Per-operator-type profile of a vision model over several runs (the machine is often shared, so one profiled run
 * says little): for each op type the median over runs of its summed node time, plus the median whole-run latency.
 * Input: one float tensor of uniform [0, 1) values.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.OpProfile \
 *      .heed-models/rtdetr_l_opset17.onnx images 1,3,640,640 [threads=2] [runs=7] [warmup=2]
 * </pre>
 */
public final class OpProfile {
    private OpProfile() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: OpProfile MODEL INPUT_NAME DIMS(comma-separated) [threads] [runs] [warmup]");
            return;
        }
        Path model = Path.of(args[0]);
        int[] dims = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 7;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        Map<String, Tensor> feeds = Map.of(args[1], ModelBench.uniform(new SplittableRandom(5), dims));
        SessionOptions so = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads));
        try (Session s = Session.open(model, so)) {
            for (int i = 0; i < warmup; i++) s.run(feeds);
            Map<String, List<Double>> byOp = new TreeMap<>();
            Map<String, Integer> nodes = new HashMap<>();
            double[] wall = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                RunResult res = s.run(feeds, RunOptions.defaults().withProfile(true));
                wall[r] = (System.nanoTime() - t0) / 1e6;
                Map<String, Double> sum = new HashMap<>();
                Map<String, Integer> count = new HashMap<>();
                for (var t : res.profile()) {
                    sum.merge(t.opType(), t.nanos() / 1e6, Double::sum);
                    count.merge(t.opType(), 1, Integer::sum);
                }
                sum.forEach((k, v) -> byOp.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                nodes.putAll(count);
            }
            Arrays.sort(wall);
            System.out.printf(Locale.ROOT, "%s, %d thread(s), %d runs: median %.1f ms, min %.1f ms%n", model, threads, runs,
                    wall[runs / 2], wall[0]);
            List<Map.Entry<String, Double>> med = new ArrayList<>();
            byOp.forEach((k, v) -> med.add(Map.entry(k, median(v))));
            med.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
            for (var e : med) {
                System.out.printf(Locale.ROOT, "  %-22s %4d nodes %9.2f ms%n", e.getKey(), nodes.get(e.getKey()), e.getValue());
            }
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
