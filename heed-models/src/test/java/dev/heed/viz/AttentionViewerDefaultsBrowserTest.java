package dev.heed.viz;

import static dev.heed.viz.AttentionHtmlBrowserTest.attr;
import static dev.heed.viz.AttentionHtmlBrowserTest.bodyTag;
import static dev.heed.viz.AttentionHtmlBrowserTest.errors;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the viewer shows first, in headless chromium: it opens on the focus word pinned in its strongest head; the
 * rollout tab's "mean of heads" table averages all heads whatever is selected; a long input does not become a
 * giant heading. And the PNG marks the focus row.
 */
class AttentionViewerDefaultsBrowserTest {
    @TempDir
    Path dir;

    /** The viewer test's chromium runner, on this test's directory. */
    String chromium(Path page, String fragment, String... extra) throws Exception {
        AttentionHtmlBrowserTest runner = new AttentionHtmlBrowserTest();
        runner.dir = dir;
        return runner.chromium(page, fragment, extra);
    }

    static final List<String> TOKENS = List.of("[CLS]", "the", "cat", "sat", "on", "a", "mat", "it", "[SEP]");
    static final int FOCUS = 7, NEAR = 2, FAR = 5;

    /**
     * 2 layers × 3 heads over 9 tokens, uniform except row FOCUS: in layer 1, head 0 sends 0.9 to "cat" (NEAR) and
     * heads 1 and 2 send 0.9 to "a" (FAR); in layer 0, head 2 sends 0.95 to "cat" — the strongest head.
     */
    static AttentionMaps maps() {
        int n = TOKENS.size();
        List<float[][][]> layers = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            float[][][] a = new float[3][n][n];
            for (int h = 0; h < 3; h++) {
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[h][i][j] = 1f / n;
                int target = l == 0 ? (h == 2 ? NEAR : -1) : (h == 0 ? NEAR : FAR);
                if (target >= 0) {
                    float w = l == 0 ? 0.95f : 0.9f, rest = (1 - w) / (n - 1);
                    for (int j = 0; j < n; j++) a[h][FOCUS][j] = j == target ? w : rest;
                }
            }
            layers.add(a);
        }
        return AttentionMaps.ofArrays(TOKENS, layers);
    }

    @Test
    void opensOnTheFocusWordInItsStrongestHead() throws Exception {
        AttentionMaps m = maps();
        assertEquals(FOCUS, m.focusIndex(null), "the default focus is the pronoun");
        AttentionHtml.View v = AttentionHtml.View.strongest(m, FOCUS);
        assertEquals(new AttentionHtml.View(0, 2, FOCUS), v);
        Path page = dir.resolve("default.html");
        AttentionHtml.write(m, "default view", page);
        String dom = chromium(page, "", "--dump-dom");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> errors(dom));
        assertEquals("head", attr(body, "data-view"), body);
        assertEquals("0", attr(body, "data-layer"), body);
        assertEquals("2", attr(body, "data-selected-heads"), body);
        assertEquals(String.valueOf(FOCUS), attr(body, "data-focus"), body);
        assertEquals("true", attr(body, "data-pinned"), body);
        int lines = Integer.parseInt(attr(body, "data-head-lines"));
        assertTrue(lines > 0 && lines <= TOKENS.size(), "only the pinned word's lines: " + lines);
        assertTrue(dom.contains("focus <b>\u201cit\u201d</b> #7"), "the focus is named");
    }

    @Test
    void rolloutTableMeanOfHeadsAveragesAllHeads() throws Exception {
        Path page = dir.resolve("rollout.html");
        AttentionHtml.write(maps(), "rollout", page);
        // only head 0 selected: its own top word is "cat", the mean of the three heads' is "a"
        String dom = chromium(page, "view=rollout&layer=1&head=0&focus=" + FOCUS, "--dump-dom");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> errors(dom));
        assertEquals("0", attr(body, "data-selected-heads"), body);
        Matcher t = Pattern.compile("<table id=\"top-layer\">(.*?)</table>", Pattern.DOTALL).matcher(dom);
        assertTrue(t.find(), dom);
        Matcher row = Pattern.compile("<tr data-i=\"(\\d+)\"><td>([^<]*)</td><td>#\\d+</td><td class=\"bar\">.*?</td><td>([0-9.]+)</td></tr>")
                .matcher(t.group(1));
        assertTrue(row.find(), t.group(1));
        assertEquals(String.valueOf(FAR), row.group(1), "top row of the mean over all heads: " + t.group(1));
        float rest = 0.1f / 8, uniform = 1f / 9;
        double want = (0.9 + 0.9 + rest) / 3;                           // heads 1, 2 send 0.9 to "a", head 0 sends rest
        assertEquals(want, Double.parseDouble(row.group(3)), 0.005, "quantised to √p/255: " + t.group(1));
        assertNotEquals(uniform, want);
    }

    @Test
    void aLongInputDoesNotBecomeAGiantHeading() throws Exception {
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 5000; i++) words.append("word").append(i).append(' ');
        Path page = dir.resolve("long-title.html");
        AttentionHtml.write(maps(), "all-MiniLM-L6-v2: " + words, page);
        String html = Files.readString(page);
        Matcher title = Pattern.compile("<title>(.*?)</title>").matcher(html);
        assertTrue(title.find());
        assertTrue(title.group(1).length() <= AttentionHtml.TITLE_MAX, "tab title length " + title.group(1).length());
        String dom = chromium(page, "", "--dump-dom", "--window-size=1400,1000");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> errors(dom));
        Matcher h1 = Pattern.compile("<h1 id=\"title\"[^>]*>([^<]*)</h1>").matcher(dom);
        assertTrue(h1.find(), dom.substring(0, 2000));
        assertTrue(h1.group(1).length() <= 140 && h1.group(1).startsWith("all-MiniLM-L6-v2: word0 word1"), h1.group(1));
        int height = Integer.parseInt(attr(body, "data-title-height"));
        assertTrue(height > 0 && height <= 40, "the heading is one line, " + height + " px");
    }

    @Test
    void thePngOutlinesTheFocusRow() {
        AttentionMaps m = maps();
        BufferedImage plain = AttentionPng.image(m, 0, 2), marked = AttentionPng.image(m, 0, 2, FOCUS);
        assertEquals(plain.getWidth(), marked.getWidth());
        int accent = 0xd93b2b, before = 0, after = 0, minX = Integer.MAX_VALUE, maxX = -1, minY = Integer.MAX_VALUE, maxY = -1;
        for (int y = 0; y < plain.getHeight(); y++) {
            for (int x = 0; x < plain.getWidth(); x++) {
                if ((plain.getRGB(x, y) & 0xffffff) == accent) before++;
                if ((marked.getRGB(x, y) & 0xffffff) == accent && (plain.getRGB(x, y) & 0xffffff) != accent) {
                    after++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        assertTrue(before > 0, "the enlarged head's outline in the grid is accent-coloured");
        assertTrue(maxX - minX >= 240, "the new accent spans the enlarged map's width: " + minX + ".." + maxX);
        assertTrue(maxY - minY < 60, "and one row's height (plus its label): " + minY + ".." + maxY);
        assertThrows(dev.heed.HeedException.class, () -> AttentionPng.image(m, 0, 2, TOKENS.size()));
    }
}
