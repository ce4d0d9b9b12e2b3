package dev.heed.viz;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Java side of the HTML viewer, without a browser: encoding, escaping, page assembly. */
class AttentionHtmlTest {
    @Test
    void sqrtQuantisationErrorIsBounded() {
        Random rnd = new Random(1);
        float[] p = new float[20_000];
        for (int i = 0; i < p.length; i++) p[i] = i < 3 ? new float[] {0, 1, 1e-5f}[i] : (float) Math.pow(rnd.nextDouble(), 3);
        byte[] q = new byte[p.length];
        AttentionHtml.quantise(p, q, 0);
        for (int i = 0; i < p.length; i++) {
            double back = AttentionHtml.dequantise(q[i]);
            assertEquals(p[i], back, AttentionHtml.QUANTISATION_MAX_ERROR, "p=" + p[i]);
            // small weights keep their order of magnitude: relative error under 2/(255·√p)
            if (p[i] > 1e-3) assertEquals(p[i], back, 2 * Math.sqrt(p[i]) / 255 + 1e-7, "p=" + p[i]);
        }
        assertEquals(0f, AttentionHtml.dequantise(q[0]));
        assertEquals(1f, AttentionHtml.dequantise(q[1]));
    }

    @Test
    void tokensCannotBreakOutOfTheScriptElement() {
        StringBuilder sb = new StringBuilder();
        AttentionHtml.jsonString(sb, "</script><!-- \"a\\b\" & \u2028\n\t\u0001");
        String s = sb.toString();
        assertFalse(s.contains("<") || s.contains(">") || s.contains("&") || s.contains("\u2028"), s);
        assertEquals("\"\\u003c/script\\u003e\\u003c!-- \\\"a\\\\b\\\" \\u0026 \\u2028\\n\\t\\u0001\"", s);
        assertEquals("&lt;b&gt; &amp; &quot;x&quot; &#39;", AttentionHtml.escapeHtml("<b> & \"x\" '"));
    }

    @Test
    void pageIsOneSelfContainedDocument() {
        AttentionMaps maps = AttentionMaps.ofArrays(Synthetic.SENTENCE, Synthetic.maps(2, 2, Synthetic.SENTENCE.size(), 3));
        String html = AttentionHtml.render(maps, "The <animal>");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>The &lt;animal&gt;</title>"));
        assertFalse(html.contains("{{") || html.contains("/*{{"), "every template slot is filled");
        assertEquals(1, html.split("id=\"heed-data\"", -1).length - 1);
        assertTrue(html.contains("\"n\":15,\"layers\":2,\"heads\":2,\"focus\":9"), "header with the default focus ('it')");
        String data = AttentionHtml.dataJson(maps, "t");
        assertTrue(data.contains("\"tokens\":[\"[CLS]\",\"the\",\"animal\""), data.substring(0, 200));
    }

    @Test
    void tooLargeForOnePageIsAClearError() {
        AttentionHtml.checkSize(6, 12, 1536);                 // 6·12·1536² + rollout = 184 M values: fine
        var e = assertThrows(dev.heed.HeedException.class, () -> AttentionHtml.checkSize(6, 12, 2048));   // 302 M
        assertEquals(dev.heed.ErrorCode.MEMORY_LIMIT, e.code());
        assertTrue(e.getMessage().contains("more than one page can hold"), e.getMessage());
    }
}
