package dev.heed.viz;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Renders {@link AttentionMaps} as one self-contained HTML file: the data inline, vanilla JS, SVG and canvas,
 * no URL of any kind — it opens from disk, offline, in any current browser. Three views:
 * <ul>
 *   <li><b>head view</b>: tokens in two columns, curves weighted by the attention of the chosen layer and head(s);
 *       hover a token to focus it, click to pin; long inputs draw only the focused token's strongest lines;</li>
 *   <li><b>model view</b>: every layer × head as a thumbnail on a canvas; click one to open it in the head view;</li>
 *   <li><b>rollout view</b>: attention rollout (Abnar &amp; Zuidema) through the chosen layer, as text shaded by
 *       what the focus token draws on, the tokens it draws on most, and the rollout matrix.</li>
 * </ul>
 *
 * <p>Data encoding (why: 6 layers × 12 heads × 512² is 18.9 M values): each probability is stored as one byte
 * {@code q = round(255·√p)} (decoded as {@code (q/255)²}: absolute error ≤ 0.004 near 1, resolution 1.5e-5 near
 * 0, where most weights live), base64 in a JSON block, deflated when that saves at least a quarter (the page
 * inflates it with the browser's built-in {@code DecompressionStream}). Rollout per layer is computed here in Java
 * and stored the same way.
 *
 * <p>For tests and tools the page sets {@code document.body.dataset.tokens/layers/heads/rendered} once drawn, and
 * collects script errors in {@code window.__heedErrors} and in {@code <pre id="heed-errors">}. The URL fragment
 * picks the initial state: {@code #view=model&layer=2&head=3&focus=9}.
 *
 * <pre>{@code
 * AttentionHtml.write(maps, "all-MiniLM-L6-v2: The animal didn't cross…", Path.of("attention.html"));
 * }</pre>
 */
public final class AttentionHtml {
    /** Deflate the payload only if that makes it at least this much smaller (fraction of the raw size). */
    static final double DEFLATE_MIN_SAVING = 0.25;
    /** Most probabilities one page may hold (layers × heads × L²): beyond this a browser tab cannot cope anyway. */
    static final long MAX_VALUES = 256L << 20;
    /** Largest error of the √-quantised encoding in p (attained near p = 1: 2·√p·(0.5/255)). */
    static final double QUANTISATION_MAX_ERROR = 1.0 / 255 + 1e-6;

    /** Characters of the title kept in the page's {@code <title>} (the page's heading is cut the same way). */
    static final int TITLE_MAX = 140;

    private static final String RESOURCES = "/dev/heed/viz/";

    private AttentionHtml() {}

    /**
     * The view the page opens on (unless its URL fragment says otherwise): the head view of {@code layer} and
     * {@code head}, with token {@code focus} pinned.
     *
     * @param layer the layer shown first
     * @param head  the head shown first
     * @param focus the token pinned first (its lines are drawn); the default is {@link AttentionMaps#focusIndex}
     */
    public record View(int layer, int head, int focus) {
        /**
         * The view that answers "what does token {@code focus} attend to?": the layer and head where it gives its
         * largest weight to a token that is neither special nor its neighbour (early layers have previous/next-token
         * heads with weights near 1 that say nothing about meaning). The PNG of the CLI enlarges the same head.
         *
         * @param maps  the attention maps
         * @param focus the token whose row is searched, in [0, length)
         * @return the view of the strongest layer and head, with {@code focus} pinned
         * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when {@code focus} is outside the tokens
         */
        public static View strongest(AttentionMaps maps, int focus) {
            if (focus < 0 || focus >= maps.length()) {
                throw HeedException.invalid("AttentionHtml.View", "focus token " + focus + " is outside 0.." + (maps.length() - 1));
            }
            int bestLayer = maps.layers() - 1, bestHead = 0;
            float best = -1;
            for (int l = 0; l < maps.layers(); l++) {
                for (int h = 0; h < maps.heads(); h++) {
                    for (int j = 0; j < maps.length(); j++) {
                        if (Math.abs(j - focus) <= 1 || AttentionMaps.isSpecial(maps.tokens().get(j))) continue;
                        float w = maps.get(l, h, focus, j);
                        if (w > best) {
                            best = w;
                            bestLayer = l;
                            bestHead = h;
                        }
                    }
                }
            }
            return new View(bestLayer, bestHead, focus);
        }

        /** The view for {@code maps}: checks that the layer, head and token exist. */
        View checkedFor(AttentionMaps maps) {
            if (layer < 0 || layer >= maps.layers() || head < 0 || head >= maps.heads() || focus < 0 || focus >= maps.length()) {
                throw HeedException.invalid("AttentionHtml.View", "layer " + layer + ", head " + head + ", token " + focus
                        + " is outside the maps (" + maps.layers() + " layers, " + maps.heads() + " heads, " + maps.length() + " tokens)");
            }
            return this;
        }
    }

    /**
     * The complete HTML page, opening on the default focus token ({@link AttentionMaps#focusIndex}) pinned in its
     * strongest head ({@link View#strongest}).
     *
     * @param maps  the attention maps
     * @param title the page heading (also the tab title, shortened); null or blank for "Attention"
     * @return the self-contained page (styles, script and data inline)
     */
    public static String render(AttentionMaps maps, String title) {
        return render(maps, title, View.strongest(maps, maps.focusIndex(null)));
    }

    /**
     * The complete HTML page, opening on {@code view}.
     *
     * @param maps  the attention maps
     * @param title the page heading; null or blank for "Attention"
     * @param view  the layer, head and token shown first
     * @return the self-contained page (styles, script and data inline)
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the view is outside the maps
     */
    public static String render(AttentionMaps maps, String title, View view) {
        String template = resource("attention.html");
        String css = resource("attention.css");
        String js = resource("attention.js");
        String data = dataJson(maps, title == null ? "" : title, view.checkedFor(maps));
        String t = title == null || title.isBlank() ? "Attention" : title.strip();
        if (t.length() > TITLE_MAX) t = t.substring(0, TITLE_MAX - 1) + "\u2026";   // the tab title; the full text is in the data
        // Fill the small slots first; the data (the only large, user-influenced part) goes in last so nothing in it
        // is ever scanned for a slot.
        String page = template.replace("{{TITLE}}", escapeHtml(t))
                .replace("/*{{CSS}}*/", css)
                .replace("/*{{JS}}*/", js);
        int at = page.indexOf("{{DATA}}");
        if (at < 0) throw new HeedException(ErrorCode.INTERNAL, "AttentionHtml: template has no {{DATA}} slot");
        return page.substring(0, at) + data + page.substring(at + "{{DATA}}".length());
    }

    /**
     * Writes {@link #render(AttentionMaps, String)} to {@code out} as UTF-8 (parent directories are created).
     *
     * @param maps  the attention maps
     * @param title the page heading
     * @param out   the {@code .html} file
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be written
     */
    public static void write(AttentionMaps maps, String title, Path out) {
        write(maps, title, View.strongest(maps, maps.focusIndex(null)), out);
    }

    /**
     * Writes the page opening on {@code view} to {@code out} as UTF-8 (parent directories are created).
     *
     * @param maps  the attention maps
     * @param title the page heading
     * @param view  the layer, head and token shown first
     * @param out   the {@code .html} file
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be written, {@link ErrorCode#INVALID_ARGUMENT} when the view is
     *                       outside the maps
     */
    public static void write(AttentionMaps maps, String title, View view, Path out) {
        String html = render(maps, title, view);
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(out, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "AttentionHtml: cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- data block

    static String dataJson(AttentionMaps maps, String title) {
        return dataJson(maps, title, View.strongest(maps, maps.focusIndex(null)));
    }

    static String dataJson(AttentionMaps maps, String title, View view) {
        int n = maps.length(), layers = maps.layers(), heads = maps.heads();
        long nn = (long) n * n;
        long total = layers * heads * nn;
        checkSize(layers, heads, n);
        byte[] attn = new byte[(int) total];                      // [layers, heads, L, L] √-quantised
        for (int l = 0; l < layers; l++) quantise(maps.layerData(l), attn, (int) (l * heads * nn));
        byte[] roll = new byte[(int) (layers * nn)];               // [layers, L, L] rollout through layer l
        List<float[]> rollout = maps.rolloutPerLayer();
        for (int l = 0; l < layers; l++) quantise(rollout.get(l), roll, (int) (l * nn));

        byte[] attnZ = deflate(attn), rollZ = deflate(roll);
        boolean compress = attnZ.length + rollZ.length <= (1 - DEFLATE_MIN_SAVING) * (attn.length + roll.length);
        Base64.Encoder b64 = Base64.getEncoder();
        String attnText = b64.encodeToString(compress ? attnZ : attn);
        String rollText = b64.encodeToString(compress ? rollZ : roll);

        StringBuilder sb = new StringBuilder(attnText.length() + rollText.length() + 32L * n > Integer.MAX_VALUE - 64
                ? 1 << 20 : attnText.length() + rollText.length() + 32 * n + 1024);
        sb.append("{\"format\":\"heed-attention/1\",\"title\":");
        jsonString(sb, title);
        sb.append(",\"n\":").append(n).append(",\"layers\":").append(layers).append(",\"heads\":").append(heads);
        sb.append(",\"focus\":").append(view.focus());
        sb.append(",\"view\":{\"layer\":").append(view.layer()).append(",\"head\":").append(view.head())
                .append(",\"focus\":").append(view.focus()).append('}');
        sb.append(",\"encoding\":\"sqrt-u8\",\"compression\":\"").append(compress ? "deflate" : "none").append('"');
        sb.append(",\"tokens\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',');
            jsonString(sb, maps.tokens().get(i));
        }
        sb.append("],\"attn\":\"").append(attnText);
        sb.append("\",\"rollout\":\"").append(rollText).append("\"}");
        return sb.toString();
    }

    /** Refuses inputs too large for one page, before anything is allocated. */
    static void checkSize(int layers, int heads, int n) {
        long nn = (long) n * n, total = (long) layers * heads * nn;
        if (total + layers * nn > MAX_VALUES) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, "AttentionHtml: " + layers + " layers × " + heads + " heads × "
                    + n + "² = " + total + " values (plus rollout) is more than one page can hold (" + MAX_VALUES
                    + "); render fewer tokens or layers");
        }
    }

    /** {@code q = round(255·√p)}, p clamped to [0, 1]. */
    static void quantise(float[] src, byte[] dst, int off) {
        for (int k = 0; k < src.length; k++) {
            float p = Math.clamp(src[k], 0f, 1f);
            dst[off + k] = (byte) Math.round(255.0 * Math.sqrt(p));
        }
    }

    /** The inverse of {@link #quantise}. */
    static float dequantise(byte q) {
        double r = (q & 255) / 255.0;
        return (float) (r * r);
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(6);   // zlib wrapper: what DecompressionStream("deflate") reads
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) {
                int k = d.deflate(buf);
                out.write(buf, 0, k);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /**
     * A JSON string literal that is also safe inside an HTML {@code <script>} element: {@code <}, {@code >},
     * {@code &} and the JavaScript line separators are written as {@code \\u} escapes, so a token such as
     * {@code </script>} cannot end the element.
     */
    static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    static String escapeHtml(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String resource(String name) {
        try (InputStream in = AttentionHtml.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new HeedException(ErrorCode.INTERNAL, "AttentionHtml: resource " + RESOURCES + name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "AttentionHtml: cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }
}
