package dev.heed.examples;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.heed.viz.AttentionHtml;
import dev.heed.viz.AttentionMaps;
import dev.heed.viz.AttentionPng;
import java.nio.file.Path;

/**
 * Captures the attention of all-MiniLM-L6-v2 on one sentence, prints what "it" attends to in each layer, and writes
 * attention.html (opens on "it" in its strongest head) and attention.png.
 * Arguments: the output directory (default: .), the cache directory (default: ~/.cache/heed).
 */
public final class AttentionMapsExample {
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        Path cache = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("user.home"), ".cache", "heed");
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cache))) {
            // README:begin
            AttentionMaps maps = enc.attention("The animal didn't cross the street because it was too tired");
            AttentionHtml.write(maps, "MiniLM", out.resolve("attention.html"));   // opens on "it" in its strongest head
            // README:end
            int focus = maps.focusIndex("it");
            System.out.printf("%d layers x %d heads, %d tokens; \"it\" is token %d%n", maps.layers(), maps.heads(), maps.length(), focus);
            var perLayer = maps.topAttended(focus, 3, true);
            for (int l = 0; l < perLayer.size(); l++) System.out.println("  layer " + l + ": " + perLayer.get(l));
            AttentionHtml.View view = AttentionHtml.View.strongest(maps, focus);
            AttentionPng.render(maps, view.layer(), view.head(), focus, out.resolve("attention.png"));
            System.out.println("wrote " + out.resolve("attention.html") + " and " + out.resolve("attention.png"));
        }
    }
}
