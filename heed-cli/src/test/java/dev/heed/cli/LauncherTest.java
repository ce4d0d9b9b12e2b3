package dev.heed.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI through {@code bin/heed}, as a user runs it: errors with and without {@code --debug}, the thread cap (no
 * JVM thread warnings), and progress bars drawn live under a pseudo-terminal ({@code script}) but as plain lines
 * when standard error is a file. The launcher runs the classes under test ({@code HEED_CLASSPATH}) instead of
 * building the CLI.
 */
class LauncherTest {
    static final Path HEED = Path.of("../bin/heed").toAbsolutePath().normalize();

    record Run(int exit, String out, String err, long firstBarMillis, long totalMillis) {}

    static ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("HEED_CLASSPATH", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("HEED_DEBUG");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    /** bin/heed ARGS with stdout and stderr captured (pipes: stderr is not a terminal). */
    static Run heed(List<String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(HEED.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = builder(cmd);
        for (String e : env) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        long t0 = System.nanoTime();
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "bin/heed timed out");
        t.join();
        return new Run(p.exitValue(), out, err.toString(StandardCharsets.UTF_8), -1, (System.nanoTime() - t0) / 1_000_000);
    }

    private static void copy(InputStream in, ByteArrayOutputStream to) {
        try {
            in.transferTo(to);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void errorsAreOneLineUnlessDebugIsAsked(@TempDir Path dir) throws Exception {
        Run r = heed(List.of(), "embed", "x", "--out", "/proc/heed-nope/x.jsonl");
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().lines().count() <= 2 && r.err().contains("/proc/heed-nope/x.jsonl"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat ") || r.err().contains("WARNING"), r.err());

        Path missing = dir.resolve("missing.onnx");
        Run quiet = heed(List.of(), "run", missing.toString(), "--output-dir", dir.toString());
        assertEquals(2, quiet.exit());
        assertEquals(1, quiet.err().lines().count(), quiet.err());
        Run debug = heed(List.of(), "run", missing.toString(), "--output-dir", dir.toString(), "--debug");
        assertEquals(2, debug.exit());
        assertTrue(debug.err().contains("\tat ") && debug.err().contains("HeedException"), "--debug prints the trace: " + debug.err());
        Run env = heed(List.of("HEED_DEBUG=1"), "run", missing.toString(), "--output-dir", dir.toString());
        assertTrue(env.err().contains("\tat "), "HEED_DEBUG=1 prints the trace: " + env.err());
        Run usage = heed(List.of(), "run", CliTest.SHAPE_CHAIN.toAbsolutePath().toString(), "--dim", "seq=abc");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("--dim") && usage.err().lines().count() <= 2, usage.err());
    }

    @Test
    void hugeThreadCountsAreCapped() throws Exception {
        Run r = heed(List.of(), "bench", "attention", "--impl", "exact", "--seq", "16", "--heads", "1", "--dim", "8", "--repeats", "1",
                "--threads", "1000000");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--threads 1000000 capped at " + ThreadsOption.cap()), r.err());
        assertFalse((r.out() + r.err()).contains("warning") || (r.out() + r.err()).contains("Failed to start thread"), r.out() + r.err());
    }

    /** Embedding this many lines with --batch 8 gives the bar many steps and takes seconds. */
    static final int LINES = 400;

    static Path lines(Path dir) throws IOException {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < LINES; i++) l.add("sentence number " + i + " about a cat, a dog and the river bank");
        return Files.write(dir.resolve("lines.txt"), l);
    }

    @Test
    void progressIsPlainLinesWhenStderrIsAFile(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("stderr.txt");
        List<String> cmd = List.of(HEED.toString(), "embed", "--file", lines(dir).toString(), "--out", dir.resolve("o.jsonl").toString(),
                "--batch", "8", "--threads", "2");
        ProcessBuilder pb = builder(cmd).redirectError(err.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        String e = Files.readString(err, StandardCharsets.UTF_8);
        assertFalse(e.contains("\r"), "no carriage returns: " + e);
        assertFalse(e.contains("\u001b"), "no ANSI escapes: " + e);
        assertFalse(e.contains("WARNING: Using incubator"), e);
        List<String> bar = e.lines().filter(s -> s.startsWith("embed: ")).toList();
        assertFalse(bar.isEmpty(), e);
        assertEquals("embed: " + LINES + "/" + LINES + " lines", bar.getLast(), e);
        for (String s : bar) assertTrue(s.matches("embed: \\d+/" + LINES + " lines"), s);
        assertTrue(bar.size() <= LINES / 64 + 1, "at most one line per step: " + e);
    }

    @Test
    void progressIsLiveUnderAPseudoTerminal(@TempDir Path dir) throws Exception {
        String inner = String.join(" ", List.of(HEED.toString(), "embed", "--file", lines(dir).toString(), "--out",
                dir.resolve("o.jsonl").toString(), "--batch", "8", "--threads", "2").stream().map(LauncherTest::shellQuote).toList());
        ProcessBuilder pb = builder(List.of("script", "-qefc", inner, "/dev/null")).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        // read as it arrives: when did the first bar that is not the last one appear?
        StringBuilder all = new StringBuilder();
        long firstPartial = -1;
        byte[] buf = new byte[4096];
        InputStream in = p.getInputStream();
        for (int n; (n = in.read(buf)) > 0; ) {
            all.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            if (firstPartial < 0 && all.toString().matches("(?s).*\\rembed\\s+\\d+% .*") && !all.toString().contains(LINES + "/" + LINES)) {
                firstPartial = System.nanoTime();
            }
        }
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        long end = System.nanoTime();
        String s = all.toString();
        assertEquals(0, p.exitValue(), s);
        assertTrue(s.contains("\rembed"), "the bar redraws its line: " + s);
        assertTrue(s.contains(LINES + "/" + LINES), s);
        assertTrue(firstPartial > 0, "a partial bar was seen before the end: " + s);
        assertTrue((end - firstPartial) / 1e9 > 0.5, "the bar arrived live, " + (end - firstPartial) / 1e9 + " s before the end (took "
                + (end - t0) / 1e9 + " s): " + s.lines().collect(Collectors.joining(" | ")));
        assertFalse(s.contains("WARNING: Using incubator"), s);
    }

    /** The Maven wrapper explains that JDK 25 is needed before .mvn/jvm.config's options can kill an older java. */
    @Test
    void theWrapperExplainsThatJdk25IsNeeded(@TempDir Path dir) throws Exception {
        Path fake = Files.createDirectories(dir.resolve("jdk17/bin")).resolve("java");
        Files.writeString(fake, "#!/bin/sh\necho 'openjdk version \"17.0.13\" 2024-10-15' >&2\nexit 0\n");
        assertTrue(fake.toFile().setExecutable(true));
        ProcessBuilder pb = new ProcessBuilder(Path.of("../mvnw").toAbsolutePath().normalize().toString(), "-v").redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", dir.resolve("jdk17").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.startsWith("Heed needs a JDK 25 or newer to build") && out.contains("Java 17"), out);
        assertFalse(out.contains("Unrecognized option"), out);
    }
}
