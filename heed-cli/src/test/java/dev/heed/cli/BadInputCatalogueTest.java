package dev.heed.cli;

import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every subcommand against a catalogue of bad inputs: missing, empty, directory, wrong-type and truncated files;
 * out-of-range and non-numeric values for every numeric option; unwritable output paths; empty and [UNK]-only
 * text. Each case must end with the documented exit code (2: bad usage or input), print at most
 * {@link #MAX_LINES} lines, never a stack trace, and write nothing: every case names a fresh output path
 * ({@code {OUT}}) that must still not exist afterwards. Run in-process (picocli), as the launcher would run them.
 */
class BadInputCatalogueTest {
    /** What the user reads for one bad input: the error, a hint, perhaps a suggestion or one summary line. */
    static final int MAX_LINES = 4;
    static final Path MODELS = DetectClassifyCommandTest.MODELS;
    static final String ENCODER = MODELS.resolve("encoder_opset17.onnx").toString();   // inputs x[batch, seq, 32]
    static final String RTDETR = DetectClassifyCommandTest.RTDETR.toString();
    static final String VIT = DetectClassifyCommandTest.VIT.toString();
    static final String BUS = DetectClassifyCommandTest.BUS.toString();
    static final String UNWRITABLE_DIR = "/proc/heed-nope";

    @TempDir
    static Path dir;
    static String missing, emptyFile, emptyDir, textFile, truncatedOnnx, truncatedJpg, truncatedNpy, goodNpy, regularFile;
    static int outCounter;

    @BeforeAll
    static void files() throws IOException {
        DetectClassifyCommandTest.assertFixtures();
        missing = dir.resolve("missing.onnx").toString();
        emptyFile = Files.write(dir.resolve("empty.bin"), new byte[0]).toString();
        emptyDir = Files.createDirectories(dir.resolve("empty-dir")).toString();
        textFile = Files.writeString(dir.resolve("text.onnx"), "hello, I am plain text\n").toString();
        byte[] onnx = Files.readAllBytes(Path.of(ENCODER));
        truncatedOnnx = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(onnx, onnx.length / 3)).toString();
        byte[] jpg = Files.readAllBytes(Path.of(BUS));
        truncatedJpg = Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpg, jpg.length / 3)).toString();
        Path npy = dir.resolve("good.npy");
        Npy.write(npy, Tensor.of(new float[2 * 5 * 32], 2, 5, 32));
        goodNpy = npy.toString();
        byte[] n = Files.readAllBytes(npy);
        truncatedNpy = Files.write(dir.resolve("truncated.npy"), Arrays.copyOf(n, n.length / 2)).toString();
        regularFile = Files.writeString(dir.resolve("a-file"), "x").toString();
    }

    /** One bad invocation: {@code {OUT}} in the arguments stands for a fresh path that must never be created. */
    record Case(int exit, String... args) {
        @Override
        public String toString() {
            return "heed " + String.join(" ", args).replace(dir.toString(), "$TMP");
        }
    }

    static Case c(int exit, String... args) {
        return new Case(exit, args);
    }

    static List<Case> catalogue() {
        List<Case> k = new ArrayList<>();
        // ---- the command line itself
        k.add(c(2, "--no-such-option"));
        k.add(c(2, "no-such-command"));
        // ---- selfcheck
        for (String t : new String[] {"0", "-1", "abc", "1.5"}) k.add(c(2, "selfcheck", "--threads", t));
        k.add(c(2, "selfcheck", "--seed", "abc"));
        // ---- inspect: every kind of bad model file
        for (String m : new String[] {missing, emptyFile, emptyDir, textFile, truncatedOnnx, BUS}) k.add(c(2, "inspect", m));
        // ---- run
        for (String m : new String[] {missing, emptyFile, emptyDir, textFile, truncatedOnnx, BUS}) k.add(c(2, "run", m, "--output-dir", "{OUT}"));
        for (String d : new String[] {"seq=abc", "seq=0", "seq=-3", "seq=1.5", "seq=99999999999", "nosuchdim=4", "seq"}) {
            k.add(c(2, "run", ENCODER, "--dim", d, "--output-dir", "{OUT}"));
        }
        for (String in : new String[] {missing, emptyFile, emptyDir, textFile, truncatedNpy, BUS}) k.add(c(2, "run", ENCODER, "--input", "x=" + in, "--output-dir", "{OUT}"));
        k.add(c(2, "run", ENCODER, "--input", "nosuchinput=" + goodNpy, "--output-dir", "{OUT}"));
        for (String t : new String[] {"0", "-2", "abc"}) k.add(c(2, "run", ENCODER, "--threads", t, "--output-dir", "{OUT}"));
        k.add(c(2, "run", ENCODER, "--seed", "abc", "--output-dir", "{OUT}"));
        k.add(c(2, "run", ENCODER, "--output-dir", UNWRITABLE_DIR + "/out"));
        k.add(c(2, "run", ENCODER, "--output-dir", regularFile));
        k.add(c(2, "run", ENCODER, "--output-dir", regularFile + "/below-a-file"));
        // ---- bench
        for (String m : new String[] {missing, emptyFile, emptyDir, truncatedOnnx}) k.add(c(2, "bench", m, "--iterations", "1"));
        for (String v : new String[] {"0", "-1", "abc", "2000000"}) k.add(c(2, "bench", ENCODER, "--iterations", v));
        for (String v : new String[] {"-1", "abc", "1e3"}) k.add(c(2, "bench", ENCODER, "--warmup", v));
        for (String d : new String[] {"seq=abc", "nosuchdim=3", "seq=0"}) k.add(c(2, "bench", ENCODER, "--dim", d, "--iterations", "1"));
        k.add(c(2, "bench", ENCODER, "--threads", "0", "--iterations", "1"));
        // ---- bench attention
        for (String[] o : new String[][] {{"--seq", "0"}, {"--seq", "-1"}, {"--seq", "abc"}, {"--seq", "2000000"}, {"--kv-seq", "0"},
                {"--heads", "0"}, {"--heads", "x"}, {"--dim", "0"}, {"--dim", "abc"}, {"--batch", "0"}, {"--repeats", "0"},
                {"--threads", "0"}, {"--seed", "abc"}, {"--impl", "fast"}}) {
            List<String> a = new ArrayList<>(List.of("bench", "attention", "--impl", "exact", "--seq", "8", "--heads", "1", "--dim", "8"));
            a.addAll(List.of(o));
            k.add(c(2, a.toArray(String[]::new)));
        }
        k.add(c(2, "bench", "attention", "--impl", "exact", "--seq", "1048576", "--heads", "1024", "--dim", "1024"));
        // ---- detect
        for (String m : new String[] {missing, emptyFile, emptyDir, textFile, truncatedOnnx, BUS, MODELS.resolve("mha_opset17.onnx").toString()}) {
            k.add(c(2, "detect", BUS, "--model", m, "--out", "{OUT}"));
        }
        for (String img : new String[] {missing, emptyFile, emptyDir, textFile, truncatedJpg, ENCODER}) k.add(c(2, "detect", img, "--model", RTDETR, "--out", "{OUT}"));
        for (String v : new String[] {"-1", "0", "2", "1.01", "abc", "NaN"}) k.add(c(2, "detect", BUS, "--model", RTDETR, "--conf", v, "--out", "{OUT}"));
        for (String v : new String[] {"0", "-1", "abc"}) k.add(c(2, "detect", BUS, "--model", RTDETR, "--max-det", v, "--out", "{OUT}"));
        for (String v : new String[] {"999", "-1", "80", "unicorn", ",", "99999999999"}) k.add(c(2, "detect", BUS, "--model", RTDETR, "--classes", v, "--out", "{OUT}"));
        k.add(c(2, "detect", BUS, "--model", RTDETR, "--threads", "0", "--out", "{OUT}"));
        k.add(c(2, "detect", BUS, "--model", RTDETR, "--out", UNWRITABLE_DIR + "/out"));
        k.add(c(2, "detect", BUS, "--model", RTDETR, "--out", regularFile));
        k.add(c(2, "detect", BUS, "--model", RTDETR, "--json", "--out", regularFile + "/below-a-file"));
        // ---- classify
        for (String m : new String[] {missing, emptyFile, emptyDir, textFile, truncatedOnnx}) k.add(c(2, "classify", BUS, "--model", m));
        for (String img : new String[] {missing, emptyFile, emptyDir, truncatedJpg, ENCODER}) k.add(c(2, "classify", img, "--model", VIT));
        for (String v : new String[] {"0", "-5", "abc", "5000"}) k.add(c(2, "classify", BUS, "--model", VIT, "--top", v));
        for (String l : new String[] {missing, emptyDir}) k.add(c(2, "classify", BUS, "--model", VIT, "--labels", l));
        k.add(c(2, "classify", BUS, "--model", VIT, "--threads", "-1"));
        // ---- attend (the options are checked before the model is opened)
        String text = "The animal didn't cross the street because it was too tired";
        for (String t : new String[] {"", "   ", "\t\n"}) k.add(c(2, "attend", t, "--output-dir", "{OUT}"));
        for (String v : new String[] {"0", "2", "-1", "abc", "100000"}) k.add(c(2, "attend", text, "--max-tokens", v, "--output-dir", "{OUT}"));
        for (String v : new String[] {"0", "abc", "51"}) k.add(c(2, "attend", text, "--top", v, "--output-dir", "{OUT}"));
        k.add(c(2, "attend", text, "--threads", "0", "--output-dir", "{OUT}"));
        k.add(c(2, "attend", text, "--png", UNWRITABLE_DIR + "/a.png", "--html", "{OUT}/a.html"));
        k.add(c(2, "attend", text, "--html", UNWRITABLE_DIR + "/a.html", "--png", "{OUT}/a.png"));
        k.add(c(2, "attend", text, "--png", emptyDir, "--html", "{OUT}/a.html"));
        k.add(c(2, "attend", text, "--output-dir", regularFile));
        k.add(c(2, "attend", text, "--focus", "", "--output-dir", "{OUT}"));
        k.add(c(2, "attend", text, "--model", missing, "--output-dir", "{OUT}"));
        k.add(c(2, "attend", text, "--model", emptyDir, "--output-dir", "{OUT}"));
        // ---- embed
        k.add(c(2, "embed", "--out", "{OUT}/x.jsonl"));
        for (String f : new String[] {missing, emptyDir}) k.add(c(2, "embed", "--file", f, "--out", "{OUT}/x.jsonl"));
        for (String v : new String[] {"0", "-1", "abc", "5000"}) k.add(c(2, "embed", "x", "--batch", v, "--out", "{OUT}/x.jsonl"));
        k.add(c(2, "embed", "x", "--threads", "0", "--out", "{OUT}/x.jsonl"));
        k.add(c(2, "embed", "x", "--out", UNWRITABLE_DIR + "/x.jsonl"));
        k.add(c(2, "embed", "x", "--out", emptyDir));
        k.add(c(2, "embed", "x", "--out", regularFile + "/x.jsonl"));
        k.add(c(2, "embed", "x", "--model", regularFile, "--out", "{OUT}/x.jsonl"));
        // ---- similarity
        k.add(c(2, "similarity", "only one"));
        k.add(c(2, "similarity", "", "a text"));
        k.add(c(2, "similarity", "a text", "   "));
        k.add(c(2, "similarity", "a text", "another", "--threads", "abc"));
        return k;
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsOneShortMessage() {
        return catalogue().stream().map(k -> DynamicTest.dynamicTest(k.toString(), () -> check(k)));
    }

    /** These load the bundled text model before they can tell (the tokenizer decides what is unknown). */
    @TestFactory
    Stream<DynamicTest> textThatSaysNothingIsRefused() {
        String text = "The animal didn't cross the street because it was too tired";
        String longText = (text + " ").repeat(60) + "zebra";
        return Stream.of(
                c(2, "attend", "\uD83D\uDE00 \uD83C\uDF89", "--output-dir", "{OUT}"),
                c(2, "similarity", "\uD83D\uDE00", "\uD83C\uDF89"),
                c(2, "attend", text, "--focus", "zebra", "--output-dir", "{OUT}"),
                c(2, "attend", longText, "--focus", "zebra", "--max-tokens", "64", "--output-dir", "{OUT}"))
                .map(k -> DynamicTest.dynamicTest(k.toString(), () -> check(k)));
    }

    @Test
    void unknownWordsAndTruncationAreNamed() {
        CliTest.Outcome unk = heed("similarity", "\uD83D\uDE00", "\uD83C\uDF89", "--threads", "2");
        assertTrue(unk.err().contains("unknown") && unk.err().contains("vocabulary"), unk.err());
        CliTest.Outcome empty = heed("attend", "  ");
        assertTrue(empty.err().contains("empty"), empty.err());
        String longText = "The animal didn't cross the street because it was too tired. ".repeat(60) + "zebra";
        CliTest.Outcome cut = heed("attend", longText, "--focus", "zebra", "--max-tokens", "64", "--threads", "2");
        assertEquals(2, cut.exit(), cut.err());
        assertTrue(cut.err().contains("zebra") && cut.err().contains("--max-tokens 64"), cut.err());
        assertTrue(cut.err().length() < 400, "one short sentence, not the token list: " + cut.err());
    }

    static void check(Case k) throws IOException {
        Path out = dir.resolve("out-" + (++outCounter));
        String[] args = Arrays.stream(k.args()).map(a -> a.replace("{OUT}", out.toString())).toArray(String[]::new);
        CliTest.Outcome o = heed(args);
        String all = o.out() + o.err();
        String shown = "\n--- stdout:\n" + o.out() + "--- stderr:\n" + o.err();
        assertEquals(k.exit(), o.exit(), "exit code" + shown);
        assertFalse(all.contains("Exception"), "no exception names" + shown);
        assertFalse(all.contains("\tat "), "no stack trace" + shown);
        assertTrue(all.lines().count() <= MAX_LINES, "at most " + MAX_LINES + " lines" + shown);
        assertTrue(o.err().startsWith("heed"), "the error is on stderr and names heed" + shown);
        assertFalse(Files.exists(out), "nothing written to " + out + shown);
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".heed-write-check")), "write probes are removed");
        }
    }
}
