package dev.heed.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.text.TextEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code heed embed TEXT… | --file LINES.txt}: sentence embeddings as JSON lines
 * ({@code {"text": "…", "embedding": [0.0123, …]}}), to {@code --out} or standard output; a progress bar on
 * standard error for files, and the throughput at the end.
 *
 * <pre>
 * bin/heed embed "first sentence" "second sentence"
 * bin/heed embed --file sentences.txt --out embeddings.jsonl --batch 32 --threads 2
 * </pre>
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Sentence embeddings (mean-pooled, L2-normalised) as JSON lines.")
final class EmbedCommand implements Callable<Integer> {
    /** Lines per embedAll call when reading a file: the progress bar moves once per chunk. */
    static final int CHUNK_BATCHES = 8;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to embed (or use --file).")
    List<String> texts;

    @Option(names = "--file", paramLabel = "LINES.txt", description = "Embed every line of this UTF-8 file.")
    Path file;

    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "Write JSON lines here (default: standard output).")
    Path outFile;

    @Option(names = "--batch", paramLabel = "N", description = "Texts per model run, 1 to 4096 (default 32).")
    Integer batch;

    @Option(names = "--as", paramLabel = "query|passage", description = "Prepend the model's query or passage prefix (e5's \"query: \", bge's instruction; see `heed models`).")
    String as;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Mixin
    TextModels.ModelOption model;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        boolean hasTexts = texts != null && !texts.isEmpty();
        if (hasTexts == (file != null)) {
            throw new CommandLine.ParameterException(cl, "give either TEXT arguments or --file LINES.txt");
        }
        if (batch != null) Check.range(spec, "--batch", batch, 1, 4096);
        Integer nThreads = threads.threads();
        if (outFile != null) OutputPaths.checkFile(spec, "--out", outFile);
        List<String> lines = hasTexts ? texts : readLines(file);
        if (as != null && !as.equals("query") && !as.equals("passage")) {
            throw new CommandLine.ParameterException(cl, "--as must be query or passage, not '" + as + "'");
        }
        // Where the summary goes: stdout stays pure JSON lines when the embeddings go there.
        PrintWriter info = outFile == null ? cl.getErr() : cl.getOut();
        try (TextEncoder enc = TextModels.open(model.dir, nThreads, batch, 0)) {
            if (as != null) {
                String prefix = as.equals("query") ? enc.card().queryPrefix() : enc.card().passagePrefix();
                lines = lines.stream().map(t -> prefix + t).toList();
            }
            int batchSize = enc.options().batchSize();
            if (outFile != null) OutputPaths.createParents(outFile);
            Writer sink = outFile == null ? cl.getOut() : Files.newBufferedWriter(outFile, StandardCharsets.UTF_8);
            long t0;
            int[] dim = {0};
            try (JsonGenerator json = new JsonFactory().createGenerator(sink)) {
                json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, outFile != null);  // stdout stays open
                json.setRootValueSeparator(null);
                t0 = System.nanoTime();
                if (file == null) {
                    write(json, lines, enc.embedAll(lines), dim);
                } else {
                    int chunk = batchSize * CHUNK_BATCHES;
                    try (Progress bar = Progress.start(cl.getErr(), HeedCli.stderrTerminal(spec), "embed", "lines", lines.size())) {
                        for (int from = 0; from < lines.size(); from += chunk) {
                            List<String> part = lines.subList(from, Math.min(lines.size(), from + chunk));
                            write(json, part, enc.embedAll(part), dim);
                            bar.stepBy(part.size());
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            info.printf(Locale.ROOT, "embedded %d texts (%d dimensions, %s) in %.2f s: %.1f sentences/s (batch %d, %d threads)%s%n",
                    lines.size(), dim[0], enc.name(), seconds, lines.size() / Math.max(seconds, 1e-9), batchSize,
                    enc.options().execution().threads(), outFile == null ? "" : " -> " + outFile);
            info.flush();
        }
        return 0;
    }

    /** Lines of a UTF-8 file; only '\n' (and a '\r' before it) ends a line, as editors write them. */
    static List<String> readLines(Path f) {
        String all;
        try {
            all = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "embed: cannot read " + f + ": " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>(Arrays.asList(all.split("\n", -1)));
        if (!lines.isEmpty() && lines.getLast().isEmpty()) lines.removeLast();
        lines.replaceAll(s -> s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
        return lines;
    }

    private static void write(JsonGenerator json, List<String> texts, List<float[]> vectors, int[] dim) {
        try {
            for (int i = 0; i < texts.size(); i++) {
                dim[0] = vectors.get(i).length;
                json.writeStartObject();
                json.writeStringField("text", texts.get(i));
                json.writeArrayFieldStart("embedding");
                for (float x : vectors.get(i)) json.writeNumber(x);
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
            }
            json.flush();
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "embed: cannot write the embeddings: " + e.getMessage(), e);
        }
    }
}
