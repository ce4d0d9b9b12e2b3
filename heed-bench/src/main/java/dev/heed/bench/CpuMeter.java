package dev.heed.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the CPU went during a measured interval: this JVM's threads grouped by what they do (the load generator, the
 * HTTP server, the model, the rest of the JVM: GC and JIT), and the whole machine from {@code /proc/stat}, so that a
 * figure shows both what the generator took from the server and what other processes took from both.
 *
 * <pre>{@code
 * CpuMeter.Snapshot s = CpuMeter.snapshot();
 * ... run ...
 * System.out.println(CpuMeter.since(s));   // cpu: process 1.93 cores (model 1.61, http 0.12, client 0.15, ...)
 * }</pre>
 */
final class CpuMeter {
    private CpuMeter() {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU nanoseconds per live thread id (and its name), the process's CPU, the machine's busy and total jiffies. */
    record Snapshot(long wall, Map<Long, String> names, Map<Long, Long> cpu, long process, long machineBusy, long machineTotal) {}

    /** What one interval used, in cores (CPU seconds per wall second). */
    record Usage(double seconds, Map<String, Double> groups, double process, double machine, int processors) {
        double group(String g) { return groups.getOrDefault(g, 0.0); }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "cpu: process %.2f cores (", process));
            String sep = "";
            for (var e : groups.entrySet()) {
                sb.append(sep).append(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()));
                sep = ", ";
            }
            sb.append(")");
            if (!Double.isNaN(machine)) {
                sb.append(String.format(Locale.ROOT, "; machine %.2f of %d cores busy, other processes %.2f", machine, processors,
                        Math.max(0, machine - process)));
            }
            return sb.toString();
        }
    }

    static Snapshot snapshot() {
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> cpu = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) continue;
            long t = THREADS.getThreadCpuTime(ids[i]);
            if (t < 0) continue;
            names.put(ids[i], infos[i].getThreadName());
            cpu.put(ids[i], t);
        }
        long[] m = machine();
        return new Snapshot(System.nanoTime(), names, cpu, processCpu(), m[0], m[1]);
    }

    static Usage since(Snapshot before) {
        Snapshot now = snapshot();
        double wall = (now.wall() - before.wall()) / 1e9;
        Map<String, Double> groups = new LinkedHashMap<>();
        for (String g : new String[] {"model", "http", "disconnect watcher", "client", "other threads"}) groups.put(g, 0.0);
        double threadsTotal = 0;
        for (var e : now.cpu().entrySet()) {
            double d = (e.getValue() - before.cpu().getOrDefault(e.getKey(), 0L)) / 1e9 / wall;
            threadsTotal += d;
            groups.merge(group(now.names().get(e.getKey())), d, Double::sum);
        }
        double process = (now.process() - before.process()) / 1e9 / wall;
        groups.put("jvm (gc, jit)", Math.max(0, process - threadsTotal));
        double machine = now.machineTotal() <= before.machineTotal() ? Double.NaN
                : (double) (now.machineBusy() - before.machineBusy()) / (now.machineTotal() - before.machineTotal())
                * Runtime.getRuntime().availableProcessors();
        return new Usage(wall, groups, process, machine, Runtime.getRuntime().availableProcessors());
    }

    /** The group of a thread, by the names Heed, Jetty and the load generators give their threads. */
    static String group(String name) {
        if (name == null) return "other threads";
        if (name.startsWith("heed-infer") || name.startsWith("heed-worker") || name.startsWith("heed-batcher")
                || name.startsWith("heed-task") || name.equals("main")) return "model";     // main: the in-process baselines
        if (name.startsWith("load-client") || name.startsWith("HttpClient")) return "client";
        if (name.startsWith("heed-disconnects")) return "disconnect watcher";
        if (name.startsWith("qtp") || name.startsWith("JettyServerThreadPool") || name.contains("Scheduler")
                || name.startsWith("heed-answer") || name.startsWith("VirtualThread")
                || name.startsWith("ForkJoinPool")) return "http";
        return "other threads";
    }

    private static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** Busy and total jiffies of all CPUs from /proc/stat; zeros where it cannot be read. */
    private static long[] machine() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = first.trim().split("\\s+");
            long total = 0, idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i == 4 || i == 5) idle += v;       // idle, iowait
            }
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** The 1-minute load average from /proc/loadavg, or NaN. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
