package dev.heed.cli;

import dev.heed.text.TextEncoder;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code heed similarity TEXT TEXT…}: the cosine similarity of every pair of sentence embeddings, as a matrix.
 *
 * <pre>
 * bin/heed similarity "A man is playing a guitar." "Someone plays an instrument." "The market fell today."
 * </pre>
 */
@Command(name = "similarity", mixinStandardHelpOptions = true,
        description = "Cosine similarity matrix of sentence embeddings.")
final class SimilarityCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TEXT", arity = "2..*", description = "Two or more texts.")
    List<String> texts;

    @CommandLine.Mixin
    TextModels.ModelOption model;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < texts.size(); i++) TextChecks.requireNotBlank(spec, "text [" + (i + 1) + "]", texts.get(i), "compare");
        Integer nThreads = threads.threads();
        try (TextEncoder enc = TextModels.open(model.dir, nThreads, null, 0)) {
            for (int i = 0; i < texts.size(); i++) {
                TextChecks.requireKnownWords(spec, enc, "text [" + (i + 1) + "] " + TextChecks.quote(texts.get(i)), texts.get(i));
            }
            double[][] m = TextEncoder.cosineMatrix(enc.embedAll(texts));
            int n = texts.size();
            out.printf("cosine similarity (%s, mean-pooled, L2-normalised):%n", enc.name());
            for (int i = 0; i < n; i++) out.printf("  [%d] %s%n", i + 1, texts.get(i));
            StringBuilder head = new StringBuilder("      ");
            for (int j = 0; j < n; j++) head.append(String.format(Locale.ROOT, "%7s", "[" + (j + 1) + "]"));
            out.println(head);
            for (int i = 0; i < n; i++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-4s", "[" + (i + 1) + "]"));
                for (int j = 0; j < n; j++) row.append(String.format(Locale.ROOT, "%7.3f", m[i][j]));
                out.println(row);
            }
            if (n > 2) {
                int bi = 0, bj = 1;
                for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (m[i][j] > m[bi][bj]) { bi = i; bj = j; }
                out.printf(Locale.ROOT, "most similar: [%d] and [%d] (%.3f)%n", bi + 1, bj + 1, m[bi][bj]);
            }
        }
        out.flush();
        return 0;
    }
}
