package dev.heed.cli;

import dev.heed.text.TextEncoder;
import dev.heed.viz.AttentionHtml;
import dev.heed.viz.AttentionMaps;
import dev.heed.viz.AttentionPng;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code heed attend "TEXT"}: runs the text encoder with attention capture and explains one word: the tokens it
 * attends to most in each layer (mean over heads) and after attention rollout; writes the PNG and the
 * self-contained HTML viewer.
 *
 * <pre>
 * bin/heed attend "The animal didn't cross the street because it was too tired"
 * bin/heed attend "The trophy didn't fit in the suitcase because it was too big" --focus trophy --html t.html
 * </pre>
 */
@Command(name = "attend", mixinStandardHelpOptions = true,
        description = "Shows what a word attends to in each layer of a text encoder; writes a PNG and an HTML viewer.")
final class AttendCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TEXT", description = "The text (quote it).")
    String text;

    @Option(names = "--focus", paramLabel = "WORD", description = "The word to explain (default: the last pronoun, else the last word).")
    String focus;

    @Option(names = "--html", paramLabel = "FILE", description = "HTML viewer (default: attention.html in --output-dir).")
    Path html;

    @Option(names = "--png", paramLabel = "FILE", description = "PNG image (default: attention.png in --output-dir).")
    Path png;

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".", description = "Where default file names go (default: current directory).")
    Path outputDir;

    @CommandLine.Mixin
    TextModels.ModelOption model;

    @Option(names = "--top", defaultValue = "3", description = "Tokens listed per layer, 1 to 50 (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Truncate the text to this many tokens, [CLS] and [SEP] included: 3 to the model's maximum, 512 for the bundled model (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Check.range(spec, "--top", top, 1, 50);
        Check.range(spec, "--max-tokens", maxTokens, 3, 1 << 20);
        Integer nThreads = threads.threads();
        TextChecks.requireNotBlank(spec, "the text", text, "attend to");
        if (focus != null && focus.isBlank()) throw Check.usage(spec, "--focus is empty; give a word of the text");
        Path pngFile = png != null ? png : outputDir.resolve("attention.png");
        Path htmlFile = html != null ? html : outputDir.resolve("attention.html");
        OutputPaths.checkFile(spec, png != null ? "--png" : "--output-dir", pngFile);
        OutputPaths.checkFile(spec, html != null ? "--html" : "--output-dir", htmlFile);
        long t0 = System.nanoTime();
        try (TextEncoder enc = TextModels.open(model.dir, nThreads, null, maxTokens)) {
            TextChecks.requireKnownWords(spec, enc, "the text", text);
            long opened = System.nanoTime();
            AttentionMaps maps = enc.attention(text);
            long ran = System.nanoTime();
            int n = maps.length();
            boolean truncated = n >= enc.maxTokens();
            int f = focusIndex(maps, truncated, enc.maxTokens());
            String word = word(maps, f);
            out.printf(Locale.ROOT, "%s: %d tokens%s, %d layers x %d heads (model ready in %.0f ms, run with attention capture %.0f ms)%n",
                    enc.name(), n, truncated ? " (truncated)" : "", maps.layers(), maps.heads(),
                    (opened - t0) / 1e6, (ran - opened) / 1e6);
            out.println("tokens: " + tokenLine(maps.tokens()));
            out.printf(Locale.ROOT, "focus: \"%s\" (token #%d)%s%n", word, f,
                    focus == null ? " - the last pronoun, else the last word; choose another with --focus WORD" : "");
            out.printf("what \"%s\" attends to most (mean over heads, [CLS]/[SEP] and itself left out):%n", word);
            List<List<AttentionMaps.Attended>> perLayer = maps.topAttended(f, top, true);
            for (int l = 0; l < perLayer.size(); l++) out.printf("  layer %d   %s%n", l, list(perLayer.get(l)));
            out.printf("  rollout   %s   (attention flow through all %d layers)%n", list(maps.topAttendedRollout(f, top, true)), maps.layers());

            int[] lh = strongestHead(maps, f);
            OutputPaths.createParents(pngFile);
            OutputPaths.createParents(htmlFile);
            AttentionPng.render(maps, lh[0], lh[1], f, pngFile);
            AttentionHtml.write(maps, enc.name() + ": " + text, new AttentionHtml.View(lh[0], lh[1], f), htmlFile);
            out.printf("wrote %s (all heads; layer %d head %d enlarged: where \"%s\" attends most strongly to a word other than its neighbours)%n",
                    pngFile, lh[0], lh[1], word);
            out.printf("wrote %s (open it in a browser, offline: it opens on \"%s\" in layer %d head %d; head, model and rollout views)%n",
                    htmlFile, word, lh[0], lh[1]);
        }
        out.flush();
        return 0;
    }

    /** Tokens listed before the token line is cut short. */
    static final int TOKENS_LISTED = 60;

    /** The token line: all tokens for short texts, else the first {@link #TOKENS_LISTED} and a count. */
    static String tokenLine(List<String> tokens) {
        if (tokens.size() <= TOKENS_LISTED) return String.join(" ", tokens);
        return String.join(" ", tokens.subList(0, TOKENS_LISTED)) + " … (" + tokens.size() + " tokens in all)";
    }

    /** The focus token; a --focus word that truncation cut off is named as such, in one sentence. */
    private int focusIndex(AttentionMaps maps, boolean truncated, int kept) {
        try {
            return maps.focusIndex(focus);
        } catch (dev.heed.HeedException e) {
            if (truncated && Pattern.compile("(?iU)(?<![\\w])" + Pattern.quote(focus.strip()) + "(?![\\w])").matcher(text).find()) {
                throw Check.usage(spec, "--focus \"" + focus.strip() + "\" is in the text but after the first " + kept
                        + " tokens, where --max-tokens " + maxTokens + " cut it; choose an earlier word or a shorter text");
            }
            throw e;
        }
    }

    /** The focus word as written in the tokens (WordPiece pieces joined). */
    static String word(AttentionMaps maps, int index) {
        for (AttentionMaps.Word w : maps.words()) if (w.first() == index) return w.text();
        return maps.tokens().get(index);
    }

    static String list(List<AttentionMaps.Attended> items) {
        return items.stream().map(a -> String.format(Locale.ROOT, "%-14s", a.token() + " " + String.format(Locale.ROOT, "%.2f", a.weight())))
                .collect(Collectors.joining(" ")).stripTrailing();
    }

    /** {layer, head} where the focus token attends most strongly to a word other than its neighbours. */
    static int[] strongestHead(AttentionMaps maps, int focusIndex) {
        AttentionHtml.View v = AttentionHtml.View.strongest(maps, focusIndex);
        return new int[] {v.layer(), v.head()};
    }
}
