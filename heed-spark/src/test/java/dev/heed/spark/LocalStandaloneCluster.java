package dev.heed.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster of separate JVM processes on 127.0.0.1, started from the Maven-resolved Spark jars:
 * one Master and N Workers (each with its own work directory, where the executor logs land), plus any
 * {@code spark-submit} runs. Every wait is bounded; {@link #close} (and a shutdown hook, should this JVM be killed)
 * ends every process it started, their children (the executors) first.
 *
 * <p>The "Spark installation" is a directory with a {@code RELEASE} file, an empty {@code jars/} and the class path
 * in {@code SPARK_DIST_CLASSPATH}, which is how Spark's launcher builds an executor's class path on a Worker.
 */
final class LocalStandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final String sparkClasspath;
    private final List<String> jvmFlags;
    private final Path sparkHome;
    private final List<Process> processes = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "kill-spark-cluster");
    private int masterPort = -1;
    private int workers;

    LocalStandaloneCluster(Path dir, String sparkClasspath, List<String> jvmFlags) throws IOException {
        this.dir = dir;
        this.sparkClasspath = sparkClasspath;
        this.jvmFlags = jvmFlags;
        this.sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        Files.writeString(sparkHome.resolve("RELEASE"), "Spark from Maven jars (heed-spark's cluster test)\n");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A TCP port free right now on 127.0.0.1. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path workDir(int worker) {
        return dir.resolve("worker-" + worker);
    }

    /** Starts the Master and waits (at most {@code timeoutSeconds}) until it accepts connections. */
    void startMaster(int timeoutSeconds) throws Exception {
        masterPort = freePort();
        start("master", List.of("-Dspark.master.rest.enabled=false", "-Xmx256m"), "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            assertAlive("master");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", masterPort), 1000);
                if (log("master").contains("I have been elected leader")) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) throw new AssertionError("the Master did not start in " + timeoutSeconds + " s:\n" + tail("master"));
            Thread.sleep(250);
        }
    }

    /** Starts a Worker with {@code cores} cores and {@code memory} (e.g. "1500m") and waits until it registered. */
    void startWorker(int cores, String memory, int timeoutSeconds) throws Exception {
        int n = ++workers;
        Files.createDirectories(workDir(n));
        String name = "worker-" + n;
        start(name, List.of("-Xmx256m"), "org.apache.spark.deploy.worker.Worker",
                List.of("--host", "127.0.0.1", "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()),
                        "--cores", String.valueOf(cores), "--memory", memory, "--work-dir", workDir(n).toString(), masterUrl()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!log(name).contains("Successfully registered with master")) {
            assertAlive(name);
            if (System.nanoTime() > deadline) throw new AssertionError(name + " did not register in " + timeoutSeconds + " s:\n" + tail(name));
            Thread.sleep(250);
        }
    }

    /**
     * Runs {@code spark-submit} (Spark's SparkSubmit class, client deploy mode: the driver is this new process) and
     * waits at most {@code timeoutSeconds} for it; returns its exit code (the process is killed on time-out).
     */
    int submit(String name, List<String> args, int timeoutSeconds) throws Exception {
        Process p = start(name, List.of("-Xmx1g"), "org.apache.spark.deploy.SparkSubmit", args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            kill(p);
            throw new AssertionError(name + " did not finish in " + timeoutSeconds + " s:\n" + tail(name));
        }
        return p.exitValue();
    }

    private Process start(String name, List<String> jvm, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(jvm);
        cmd.add("-cp");
        cmd.add(sparkClasspath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(dir.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_DIST_CLASSPATH", sparkClasspath);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.remove("SPARK_LOCAL_IP");
        Process p = pb.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    private void assertAlive(String name) throws IOException {
        synchronized (processes) {
            for (Process p : processes) {
                if (!p.isAlive()) throw new AssertionError(name + " exited with code " + p.exitValue() + ":\n" + tail(name));
            }
        }
    }

    /** The standard error of process {@code name} ("master", "worker-1", a submit name), "" if none yet. */
    String log(String name) throws IOException {
        Path f = dir.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** The last 60 lines of {@code name}'s standard error and output, for failure messages. */
    String tail(String name) {
        StringBuilder sb = new StringBuilder();
        for (String suffix : new String[] {".log", ".out"}) {
            try {
                Path f = dir.resolve(name + suffix);
                if (!Files.exists(f)) continue;
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                sb.append("---- ").append(f.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("(cannot read ").append(name).append(suffix).append(": ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /** The standard error files of every executor any Worker ran ({@code work-dir/app-.../<id>/stderr}). */
    List<Path> executorLogs() throws IOException {
        List<Path> logs = new ArrayList<>();
        for (int n = 1; n <= workers; n++) {
            try (Stream<Path> s = Files.walk(workDir(n))) {
                s.filter(f -> f.getFileName().toString().equals("stderr")).sorted().forEach(logs::add);
            }
        }
        return logs;
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** Ends every process this cluster started: the last started first, each one's children before it. */
    private void killAll() {
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
        }
        java.util.Collections.reverse(all);
        for (Process p : all) kill(p);
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the JVM is shutting down; the hook is running or has run
        }
    }

    /** Every process this cluster started and, right now, their descendants (executors): to check the teardown. */
    List<ProcessHandle> processTree() {
        List<ProcessHandle> all = new ArrayList<>();
        synchronized (processes) {
            for (Process p : processes) {
                all.add(p.toHandle());
                p.descendants().forEach(all::add);
            }
        }
        return all;
    }

    @Override
    public String toString() {
        return "LocalStandaloneCluster[" + masterUrl() + ", " + workers + " workers, " + Arrays.asList(dir) + "]";
    }
}
