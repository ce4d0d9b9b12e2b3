package dev.heed.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.viz.AttentionHtml;
import dev.heed.viz.AttentionMaps;
import dev.heed.viz.AttentionPng;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attention maps captured from the real all-MiniLM-L6-v2: 6 layers × 12 heads, rows that are probability
 * distributions, the tokenizer's labels; and the HTML viewer of a real text (and of a 512-token one) opened in
 * headless Debian {@code chromium}, which must report the right counts and no script error. Fails, never skips,
 * when chromium is missing (as {@code dev.heed.viz.AttentionHtmlBrowserTest} does).
 */
class TextEncoderAttentionTest {
    static final String TEXT = "The animal didn't cross the street because it was too tired";
    /** |row sum − 1| allowed for a softmax row of up to 512 float probabilities. */
    static final double ROW_SUM_TOLERANCE = 1e-4;

    static TextEncoder encoder;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        encoder = TextEncoder.defaultModel(TextEncoderOptions.defaults(TextEncoderVsLangchain4jTest.CACHE).withMaxTokens(512));
    }

    @AfterAll
    static void close() {
        if (encoder != null) encoder.close();
    }

    static void assertRowsAreDistributions(AttentionMaps maps) {
        int n = maps.length();
        double worst = 0;
        for (int l = 0; l < maps.layers(); l++) {
            for (int h = 0; h < maps.heads(); h++) {
                float[] a = maps.head(l, h);
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        float p = a[i * n + j];
                        assertTrue(p >= 0 && p <= 1, "layer " + l + " head " + h + " [" + i + ", " + j + "] = " + p);
                        sum += p;
                    }
                    worst = Math.max(worst, Math.abs(sum - 1));
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d tokens: worst |row sum - 1| %.3g over %d rows%n", n, worst,
                maps.layers() * maps.heads() * n);
        assertTrue(worst <= ROW_SUM_TOLERANCE, "worst |row sum - 1| = " + worst);
    }

    @Test
    void realModelGivesSixLayersOfTwelveHeads() {
        AttentionMaps maps = encoder.attention(TEXT);
        assertEquals(6, maps.layers());
        assertEquals(12, maps.heads());
        List<String> expected = Arrays.asList(encoder.tokenizer().encode(TEXT).tokens());
        assertEquals(expected, maps.tokens());
        assertEquals(List.of("[CLS]", "the", "animal", "didn", "'", "t", "cross", "the", "street", "because", "it", "was",
                "too", "tired", "[SEP]"), maps.tokens());
        assertRowsAreDistributions(maps);

        int focus = maps.focusIndex(null);
        assertEquals("it", maps.tokens().get(focus), "the default focus is the last pronoun");
        List<List<AttentionMaps.Attended>> top = maps.topAttended(focus, 3, true);
        assertEquals(6, top.size());
        for (List<AttentionMaps.Attended> layer : top) {
            assertEquals(3, layer.size());
            for (AttentionMaps.Attended a : layer) {
                assertFalse(AttentionMaps.isSpecial(a.token()) || a.index() == focus, a.toString());
            }
        }
        // the heads differ: a real model, not a uniform or copied map
        assertFalse(Arrays.equals(maps.head(0, 0), maps.head(0, 1)));
        assertFalse(Arrays.equals(maps.head(0, 0), maps.head(5, 0)));
    }

    @Test
    void attentionIsRepeatableAndIndependentOfOtherTexts() {
        AttentionMaps a = encoder.attention(TEXT);
        encoder.attention("Something else entirely, to disturb any state.");
        AttentionMaps b = encoder.attention(TEXT);
        for (int l = 0; l < 6; l++) for (int h = 0; h < 12; h++) assertArrayEquals(a.head(l, h), b.head(l, h));
        assertThrows(HeedException.class, () -> encoder.attention(null));
        HeedException e = assertThrows(HeedException.class, () -> a.focusIndex("zebra"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void realTextRendersInChromiumAndAsPng() throws Exception {
        AttentionMaps maps = encoder.attention(TEXT);
        Path page = dir.resolve("real.html");
        AttentionHtml.write(maps, "all-MiniLM-L6-v2: " + TEXT, page);
        String body = renderAndCheck(page, 15, 6, 12);
        assertTrue(Integer.parseInt(attr(body, "data-head-lines")) > 0, body);
        Path png = dir.resolve("real.png");
        AttentionPng.render(maps, 5, 0, png);
        assertNotNull(ImageIO.read(png.toFile()), "a readable PNG");
    }

    @Test
    void input512TokensRenders() throws Exception {
        StringBuilder sb = new StringBuilder();
        List<String> corpus = TextEncoderVsLangchain4jTest.corpus();
        for (int i = 0; encoder.tokenizer().encode(sb.toString()).length() < 512; i++) {
            sb.append(corpus.get(i % corpus.size())).append(' ');
        }
        AttentionMaps maps = encoder.attention(sb.toString());
        assertEquals(512, maps.length(), "truncated to the model's 512 positions");
        assertEquals("[SEP]", maps.tokens().getLast());
        assertRowsAreDistributions(maps);
        Path page = dir.resolve("long.html");
        AttentionHtml.write(maps, "512 tokens", page);
        String body = renderAndCheck(page, 512, 6, 12);
        assertTrue(Integer.parseInt(attr(body, "data-head-lines")) <= 96, "long inputs draw only the focused lines: " + body);
    }

    // ---------------------------------------------------------------- headless chromium, as AttentionHtmlBrowserTest

    static Path chromium() {
        for (String p : new String[] {System.getenv("HEED_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (p != null && Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return fail("chromium is not installed (looked for /usr/bin/chromium): the HTML viewer test needs it; "
                + "run `apt-get install chromium` (bin/test installs it) or set HEED_CHROMIUM");
    }

    /** The DOM after the page's scripts ran. */
    String dumpDom(Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "profile");
        Path out = dir.resolve("stdout-" + System.nanoTime() + ".txt"), err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        List<String> cmd = new ArrayList<>(List.of(chromium().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=20000",
                "--dump-dom", page.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 90 s on " + page + "; stderr:\n" + tail(err));
        }
        assertEquals(0, p.exitValue(), () -> "chromium exit code; stderr:\n" + tail(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String tail(Path f) {
        try {
            String s = Files.readString(f);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    static String attr(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(tag);
        return m.find() ? m.group(1) : null;
    }

    String renderAndCheck(Path page, int tokens, int layers, int heads) throws Exception {
        String dom = dumpDom(page);
        Matcher m = Pattern.compile("<body[^>]*>").matcher(dom);
        assertTrue(m.find(), "dumped DOM has a <body>: " + dom.substring(0, Math.min(500, dom.length())));
        String body = m.group();
        Matcher errs = Pattern.compile("<pre id=\"heed-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL).matcher(dom);
        String errors = errs.find() ? errs.group(1) : "(no error element)";
        assertEquals("0", attr(body, "data-errors"), () -> "script errors: " + errors + "\nbody: " + body);
        assertEquals("ok", attr(body, "data-rendered"), () -> "rendered; errors: " + errors + "\nbody: " + body);
        assertEquals(String.valueOf(tokens), attr(body, "data-tokens"), body);
        assertEquals(String.valueOf(layers), attr(body, "data-layers"), body);
        assertEquals(String.valueOf(heads), attr(body, "data-heads"), body);
        assertEquals(String.valueOf(layers * heads), attr(body, "data-thumbnails"), body);
        assertEquals(String.valueOf(2 * tokens), attr(body, "data-head-tokens"), body);
        assertEquals(String.valueOf(tokens), attr(body, "data-rollout-tokens"), body);
        return body;
    }
}
