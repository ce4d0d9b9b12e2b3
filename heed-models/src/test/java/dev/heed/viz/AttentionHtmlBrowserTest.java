package dev.heed.viz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML viewer in headless Debian {@code chromium} and reads back the rendered DOM: the page must render
 * without script errors and report the expected token, layer and head counts, for a small input and a 512-token one.
 * Fails (never skips) when chromium is missing. Set {@code HEED_VIZ_KEEP=<dir>} to keep the pages and screenshots.
 */
class AttentionHtmlBrowserTest {
    /** The only URL-shaped string allowed in the page: the SVG namespace name, an identifier that is never fetched. */
    static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    @TempDir
    Path dir;

    static Path chromium() {
        for (String p : new String[] {System.getenv("HEED_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (p != null && Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return fail("chromium is not installed (looked for /usr/bin/chromium): the HTML viewer test needs it; "
                + "run `apt-get install chromium` (bin/test and .ci/run install it) or set HEED_CHROMIUM");
    }

    /** Runs headless chromium on {@code page} with extra args; returns stdout. */
    String chromium(Path page, String fragment, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "profile");
        Path out = dir.resolve("stdout-" + System.nanoTime() + ".txt"), err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        List<String> cmd = new ArrayList<>(List.of(chromium().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=20000"));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri() + (fragment.isEmpty() ? "" : "#" + fragment));
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

    /** The attributes of the dumped {@code <body>} element. */
    static String bodyTag(String dom) {
        Matcher m = Pattern.compile("<body[^>]*>").matcher(dom);
        assertTrue(m.find(), "dumped DOM has a <body>: " + dom.substring(0, Math.min(500, dom.length())));
        return m.group();
    }

    static String attr(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(tag);
        return m.find() ? m.group(1) : null;
    }

    static String errors(String dom) {
        Matcher m = Pattern.compile("<pre id=\"heed-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL).matcher(dom);
        return m.find() ? m.group(1) : "(no error element)";
    }

    /** Renders the page in chromium and checks the reported counts; returns the body tag. */
    String renderAndCheck(Path page, String fragment, int tokens, int layers, int heads) throws Exception {
        String dom = chromium(page, fragment, "--dump-dom");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> "script errors: " + errors(dom) + "\nbody: " + body);
        assertEquals("ok", attr(body, "data-rendered"), () -> "rendered; errors: " + errors(dom) + "\nbody: " + body);
        assertEquals(String.valueOf(tokens), attr(body, "data-tokens"), body);
        assertEquals(String.valueOf(layers), attr(body, "data-layers"), body);
        assertEquals(String.valueOf(heads), attr(body, "data-heads"), body);
        assertEquals(String.valueOf(layers * heads), attr(body, "data-thumbnails"), body);
        assertEquals(String.valueOf(2 * tokens), attr(body, "data-head-tokens"), body);
        assertEquals(String.valueOf(tokens), attr(body, "data-rollout-tokens"), body);
        assertTrue(Integer.parseInt(attr(body, "data-head-lines")) > 0, "the head view draws lines: " + body);
        return body;
    }

    static void assertSelfContained(String html) {
        String rest = html.replace(SVG_NAMESPACE, "");
        for (String bad : new String[] {"http:", "https:", "ws:", "wss:", "//cdn", "src=\"", "href=\"", "url(", "@import", "fetch(", "XMLHttpRequest"}) {
            assertFalse(rest.contains(bad), "the page must not reference anything outside itself, found " + bad);
        }
        assertTrue(html.contains("default-src 'none'"), "a Content-Security-Policy forbids any load");
    }

    private void keep(Path page, String name, String fragment) throws Exception {
        String keepDir = System.getenv("HEED_VIZ_KEEP");
        if (keepDir == null) return;
        Files.copy(page, Path.of(keepDir, name + ".html"), StandardCopyOption.REPLACE_EXISTING);
        for (String view : new String[] {"head", "model", "rollout"}) {
            Path shot = Path.of(keepDir, name + "-" + view + ".png").toAbsolutePath();
            chromium(page, "view=" + view + (fragment.isEmpty() ? "" : "&" + fragment), "--screenshot=" + shot, "--window-size=1400,1000",
                    "--hide-scrollbars");
        }
    }

    @Test
    void smallInputRendersAllViews() throws Exception {
        List<String> tokens = new ArrayList<>(Synthetic.tokens(9));
        tokens.set(5, "</script><b>\"x\"&amp;");   // must neither break the page nor inject markup
        AttentionMaps maps = AttentionMaps.ofArrays(tokens, Synthetic.maps(2, 3, 9, 21));
        Path page = dir.resolve("small.html");
        AttentionHtml.write(maps, "Small <test> & \"title\"", page);
        String html = Files.readString(page);
        assertSelfContained(html);
        renderAndCheck(page, "", 9, 2, 3);
        String dom = chromium(page, "view=model&layer=0&focus=2&head=all", "--dump-dom");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> errors(dom));
        assertEquals("model", attr(body, "data-view"));
        int lines = Integer.parseInt(attr(body, "data-head-lines"));
        assertTrue(lines > 0 && lines <= 9 * 3, "a pinned focus draws only its own row, per head: " + lines);
        assertTrue(dom.contains("focus <b>\u201canimal\u201d</b> #2"), "the focus is shown");
        keep(page, "small", "");
    }

    @Test
    void longInput512TokensRenders() throws Exception {
        AttentionMaps maps = Synthetic.of(6, 12, 512, 33);
        Path page = dir.resolve("long.html");
        long t0 = System.nanoTime();
        AttentionHtml.write(maps, "512 tokens, 6 layers \u00d7 12 heads", page);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String html = Files.readString(page);
        assertSelfContained(html);
        assertTrue(ms < 15_000, "writing took " + ms + " ms");
        String body = renderAndCheck(page, "", 512, 6, 12);
        assertTrue(Integer.parseInt(attr(body, "data-head-lines")) <= 96, "long inputs draw only the focused token's lines: " + body);
        keep(page, "long", "");
    }

    @Test
    void compressedPayloadInflatesInTheBrowser() throws Exception {
        // one-hot attention compresses to almost nothing: exercises the DecompressionStream path
        int n = 40, layers = 2, heads = 2;
        List<float[][][]> raw = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            float[][][] a = new float[heads][n][n];
            for (int h = 0; h < heads; h++) for (int i = 0; i < n; i++) a[h][i][(i + h) % n] = 1f;
            raw.add(a);
        }
        AttentionMaps maps = AttentionMaps.ofArrays(Synthetic.tokens(n), raw);
        Path page = dir.resolve("compressed.html");
        AttentionHtml.write(maps, "compressed", page);
        assertTrue(Files.readString(page).contains("\"compression\":\"deflate\""), "this payload is deflated");
        renderAndCheck(page, "", n, layers, heads);
    }

    @Test
    void brokenPayloadIsReportedNotSilent() throws Exception {
        // guards the guard: a page whose data does not match its header must show up as a script error
        AttentionMaps maps = AttentionMaps.ofArrays(Synthetic.tokens(5), Synthetic.maps(1, 2, 5, 4));
        Path page = dir.resolve("broken.html");
        AttentionHtml.write(maps, "broken", page);
        String html = Files.readString(page);
        assertTrue(html.contains("\"compression\":\"none\""));
        Files.writeString(page, html.replace("\"attn\":\"", "\"attn\":\"AAAA"));
        String body = bodyTag(chromium(page, "", "--dump-dom"));
        assertEquals("1", attr(body, "data-errors"), body);
        assertEquals("failed", attr(body, "data-rendered"), body);
    }
}
