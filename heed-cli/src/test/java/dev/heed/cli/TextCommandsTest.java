package dev.heed.cli;

import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attend, embed and similarity end to end, in-process, on the real bundled all-MiniLM-L6-v2 (the cache is the
 * user's, as the CLI chooses it). Embeddings written by the CLI are checked against {@link TextEncoder} directly.
 */
class TextCommandsTest {
    static final String TEXT = "The animal didn't cross the street because it was too tired";
    /**
     * CLI vs library per component: JSON floats round-trip exactly, but the CLI embeds a file in chunks, so batches
     * are padded differently (float rounding only, see TextEncoderVsLangchain4jTest.PADDING_TOLERANCE).
     */
    static final double JSON_TOLERANCE = 1e-5;

    @Test
    void helpListsTheTextCommands() {
        CliTest.Outcome h = heed("--help");
        for (String cmd : new String[] {"attend", "embed", "similarity"}) assertTrue(h.out().contains(cmd), h.out());
    }

    @Test
    void attendExplainsThePronounAndWritesBothFiles(@TempDir Path dir) throws Exception {
        CliTest.Outcome o = heed("attend", TEXT, "--output-dir", dir.toString(), "--threads", "2");
        assertEquals(0, o.exit(), o.out() + o.err());
        String out = o.out();
        assertTrue(out.contains("15 tokens") && out.contains("6 layers x 12 heads"), out);
        assertTrue(out.contains("focus: \"it\" (token #10)"), out);
        for (int l = 0; l < 6; l++) assertTrue(out.contains("layer " + l + " "), "layer " + l + " line: " + out);
        assertTrue(out.contains("rollout"), out);
        // each layer line lists 3 tokens with weights, never [CLS]/[SEP] or "it" itself
        Matcher m = Pattern.compile("(?m)^  layer \\d   (.*)$").matcher(out);
        int lines = 0;
        while (m.find()) {
            lines++;
            String[] parts = m.group(1).trim().split("\\s+");
            assertEquals(6, parts.length, m.group());
            for (int k = 0; k < 6; k += 2) {
                assertFalse(parts[k].equals("[CLS]") || parts[k].equals("[SEP]") || parts[k].equals("it"), m.group());
                double w = Double.parseDouble(parts[k + 1]);
                assertTrue(w >= 0 && w <= 1, m.group());
            }
        }
        assertEquals(6, lines, out);
        Path png = dir.resolve("attention.png"), html = dir.resolve("attention.html");
        assertTrue(out.contains("wrote " + png) && out.contains("wrote " + html), out);
        assertNotNull(ImageIO.read(png.toFile()), "a readable PNG");
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertTrue(page.contains("all-MiniLM-L6-v2: The animal"), "the title names the model and text");

        CliTest.Outcome focus = heed("attend", TEXT, "--focus", "street", "--html", dir.resolve("s.html").toString(),
                "--png", dir.resolve("s.png").toString(), "--threads", "2");
        assertEquals(0, focus.exit(), focus.err());
        assertTrue(focus.out().contains("focus: \"street\" (token #8)"), focus.out());
        assertTrue(Files.size(dir.resolve("s.html")) > 1000 && Files.size(dir.resolve("s.png")) > 1000);

        CliTest.Outcome missing = heed("attend", TEXT, "--focus", "zebra", "--output-dir", dir.toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("zebra") && missing.err().contains("animal"), missing.err());
    }

    @Test
    void embedTextsAndFileAgreeWithTheLibrary(@TempDir Path dir) throws Exception {
        List<String> texts = List.of("A man is playing a guitar.", "Someone plays an instrument.", "Ünïcödé ☃ text", "");
        CliTest.Outcome args = heed("embed", texts.get(0), texts.get(1), "--threads", "2");
        assertEquals(0, args.exit(), args.err());
        List<JsonNode> fromArgs = jsonLines(args.out());
        assertEquals(2, fromArgs.size());
        assertTrue(args.err().contains("embedded 2 texts (384 dimensions"), args.err());
        assertTrue(args.err().contains("sentences/s"), args.err());

        Path in = dir.resolve("lines.txt");
        StringBuilder sb = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 70; i++) lines.add(texts.get(i % texts.size()) + (i % texts.size() == 3 ? "" : " #" + i));
        for (int k = 0; k < lines.size(); k++) sb.append(lines.get(k)).append(k % 2 == 0 ? "\n" : "\r\n");
        Files.writeString(in, sb.toString(), StandardCharsets.UTF_8);
        Path out = dir.resolve("out.jsonl");
        CliTest.Outcome file = heed("embed", "--file", in.toString(), "--out", out.toString(), "--batch", "8", "--threads", "2");
        assertEquals(0, file.exit(), file.err());
        assertTrue(file.out().contains("embedded 70 texts") && file.out().contains("sentences/s")
                && file.out().contains("batch 8, 2 threads"), file.out());
        assertTrue(file.err().contains("embed") && file.err().contains("70/70"), "a progress bar: " + file.err());
        List<JsonNode> rows = jsonLines(Files.readString(out, StandardCharsets.UTF_8));
        assertEquals(70, rows.size());

        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(TextModels.cacheDir()))) {
            List<float[]> expected = enc.embedAll(lines);
            for (int i = 0; i < 70; i++) {
                assertEquals(lines.get(i), rows.get(i).get("text").asText(), "line " + i + " text (\\r stripped)");
                assertVector(expected.get(i), rows.get(i).get("embedding"), "line " + i);
            }
            assertVector(enc.embed(texts.get(0)), fromArgs.get(0).get("embedding"), "argument 0");
            assertEquals(texts.get(1), fromArgs.get(1).get("text").asText());
        }
    }

    @Test
    void embedRejectsBadArguments(@TempDir Path dir) {
        CliTest.Outcome none = heed("embed");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("either TEXT arguments or --file"), none.err());
        CliTest.Outcome both = heed("embed", "x", "--file", dir.resolve("a.txt").toString());
        assertEquals(2, both.exit());
        CliTest.Outcome noFile = heed("embed", "--file", dir.resolve("missing.txt").toString());
        assertEquals(2, noFile.exit());
        assertTrue(noFile.err().contains("IO") && noFile.err().contains("missing.txt"), noFile.err());
        CliTest.Outcome badModel = heed("embed", "x", "--model", dir.toString());
        assertEquals(2, badModel.exit());
        assertTrue(badModel.err().contains("model.onnx") && badModel.err().contains("tokenizer.json"), badModel.err());
    }

    @Test
    void similarityPrintsTheCosineMatrix() throws Exception {
        String a = "A man is playing a guitar.", b = "Someone plays an instrument.", c = "The stock market fell sharply today.";
        CliTest.Outcome o = heed("similarity", a, b, c, "--threads", "2");
        assertEquals(0, o.exit(), o.err());
        double[][] m = new double[3][3];
        Matcher row = Pattern.compile("(?m)^  \\[(\\d)\\]\\s+([-0-9. ]+)$").matcher(o.out());
        int rows = 0;
        while (row.find()) {
            String[] v = row.group(2).trim().split("\\s+");
            assertEquals(3, v.length, row.group());
            int r = Integer.parseInt(row.group(1)) - 1;
            for (int j = 0; j < 3; j++) m[r][j] = Double.parseDouble(v[j]);
            rows++;
        }
        assertEquals(3, rows, o.out());
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(TextModels.cacheDir()))) {
            double[][] want = TextEncoder.cosineMatrix(enc.embedAll(List.of(a, b, c)));
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(want[i][j], m[i][j], 0.0005 + 1e-9, o.out());
        }
        assertTrue(o.out().contains("most similar: [1] and [2]"), o.out());
        CliTest.Outcome one = heed("similarity", a);
        assertEquals(2, one.exit(), "one text is not a comparison");
    }

    static List<JsonNode> jsonLines(String s) throws Exception {
        ObjectMapper om = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : s.split("\n")) if (!line.isBlank()) out.add(om.readTree(line));
        return out;
    }

    static void assertVector(float[] want, JsonNode got, String what) {
        assertEquals(want.length, got.size(), what);
        for (int k = 0; k < want.length; k++) assertEquals(want[k], got.get(k).asDouble(), JSON_TOLERANCE, what + " component " + k);
    }
}
