package dev.heed.cli;

import dev.heed.server.HeedServer;
import dev.heed.server.ServerConfig;
import dev.heed.server.VisionModels;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import java.nio.file.Files;
import dev.heed.text.TextEncoder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code heed serve}: the embedding model over HTTP (OpenAI's /v1/embeddings, TEI's /embed, /similarity, /tokenize,
 * /v1/attention, /health, /info, /metrics) with dynamic batching, optionally a detector (/v1/detect) and a classifier
 * (/v1/classify), and the web playground at /. Prints one line with the URL when it answers; SIGTERM or Ctrl-C
 * stops accepting, lets in-flight requests finish (bounded by a grace period) and exits 0.
 *
 * <pre>
 * bin/heed serve
 * bin/heed serve --port 9000 --threads 2 --api-key s3cret
 * bin/heed serve --detect-model rtdetr-l.onnx --classify-model vit_b_16.onnx
 * </pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the embedding model (and optionally a detector and a classifier) over HTTP: OpenAI and TEI routes, dynamic batching, Prometheus metrics, a web playground.")
final class ServeCommand implements Callable<Integer> {
    static final String BUNDLED = "all-MiniLM-L6-v2";
    /** Held here: java.util.logging keeps only weak references, and a collected logger forgets its level. */
    private static final Logger[] QUIET = {Logger.getLogger("org.eclipse.jetty"), Logger.getLogger("io.javalin")};

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind (default 127.0.0.1: this machine only).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "TCP port, 0 to 65535; 0 picks a free one (default 8080).")
    int port = 8080;

    @Option(names = "--embed-model", paramLabel = "NAME|DIR",
            description = "all-MiniLM-L6-v2 (bundled, the default) or a directory with model.onnx and tokenizer.json.")
    String embedModel = BUNDLED;

    @Option(names = "--detect-model", paramLabel = "FILE.onnx",
            description = "Also serve POST /v1/detect with this RT-DETR model (Ultralytics export: images [1, 3, S, S] -> output0 [1, Q, 4 + nc]).")
    Path detectModel;

    @Option(names = "--classify-model", paramLabel = "FILE.onnx",
            description = "Also serve POST /v1/classify with this image classifier (input [1, 3, S, S], logits [1, nc]).")
    Path classifyModel;

    @Option(names = "--max-image-pixels", paramLabel = "N",
            description = "Images whose header declares more pixels are refused (413) before decoding, 1 to 2147483648 (default 40000000).")
    long maxImagePixels = 40_000_000;

    @Option(names = "--max-batch-tokens", paramLabel = "N", description = "Padded tokens per model run (default 16384).")
    int maxBatchTokens = 16384;

    @Option(names = "--max-batch-size", paramLabel = "N", description = "Inputs per model run, 1 to 4096 (default 64).")
    int maxBatchSize = 64;

    @Option(names = "--max-concurrent-requests", paramLabel = "N", description = "Requests queued or running at once; past it: 429 (default 512).")
    int maxConcurrentRequests = 512;

    @Option(names = "--max-client-batch-size", paramLabel = "N", description = "Inputs in one request; past it: 413 (default 32).")
    int maxClientBatchSize = 32;

    @Option(names = "--payload-limit", paramLabel = "BYTES", description = "Largest request body; past it: 413 (default 2000000).")
    long payloadLimit = 2_000_000;

    @Option(names = "--grace-period", paramLabel = "SECONDS", description = "On SIGTERM, how long in-flight requests may take to finish, 0 to 3600 (default 30).")
    int gracePeriod = 30;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' (also: HEED_API_KEY).")
    String apiKey;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Check.range(spec, "--port", port, 0, 65535);
        Check.range(spec, "--max-batch-tokens", maxBatchTokens, 1, 1 << 24);
        Check.range(spec, "--max-batch-size", maxBatchSize, 1, 4096);
        Check.range(spec, "--max-concurrent-requests", maxConcurrentRequests, 1, 1 << 20);
        Check.range(spec, "--max-client-batch-size", maxClientBatchSize, 1, 1 << 16);
        if (payloadLimit < 1 || payloadLimit > (1L << 31)) {
            throw Check.usage(spec, "--payload-limit must be between 1 and " + (1L << 31) + ", got " + payloadLimit);
        }
        Check.range(spec, "--grace-period", gracePeriod, 0, 3600);
        if (maxImagePixels < 1 || maxImagePixels > (1L << 31)) {
            throw Check.usage(spec, "--max-image-pixels must be between 1 and " + (1L << 31) + ", got " + maxImagePixels);
        }
        for (Path m : new Path[] {detectModel, classifyModel}) {
            if (m != null && !Files.isRegularFile(m)) {
                throw Check.usage(spec, (m == detectModel ? "--detect-model " : "--classify-model ") + m + ": no such file");
            }
        }
        String key = apiKey != null ? apiKey : System.getenv("HEED_API_KEY");
        if (key != null && key.isEmpty()) key = null;
        Integer nThreads = threads.threads();
        ServerConfig config = ServerConfig.defaults().withHost(host).withPort(port).withMaxBatchTokens(maxBatchTokens)
                .withMaxBatchSize(maxBatchSize).withMaxConcurrentRequests(maxConcurrentRequests)
                .withMaxClientBatchSize(maxClientBatchSize).withPayloadLimit(payloadLimit).withApiKey(key)
                .withGracePeriod(java.time.Duration.ofSeconds(gracePeriod)).withMaxImagePixels(maxImagePixels);
        // Jetty and Javalin report through java.util.logging (slf4j-jdk14): only warnings, so the ready line stands alone.
        for (Logger l : QUIET) l.setLevel(Level.WARNING);
        Path dir = embedModel.equalsIgnoreCase(BUNDLED) ? null : Path.of(embedModel);
        CountDownLatch stop = new CountDownLatch(1);
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        SessionOptions session = SessionOptions.defaults().withExecution(ThreadsOption.execution(nThreads));
        try (TextEncoder enc = TextModels.open(dir, nThreads, null, 0);
             Detector det = detectModel == null ? null
                     : Detector.open(detectModel, DetectorOptions.defaults().withSession(session).withMaxPixels(maxImagePixels));
             Classifier cls = classifyModel == null ? null
                     : Classifier.open(classifyModel, ClassifierOptions.defaults().withSession(session).withMaxPixels(maxImagePixels));
             HeedServer server = HeedServer.start(enc, VisionModels.none()
                     .withDetector(det, detectModel == null ? null : VisionModels.nameOf(detectModel))
                     .withClassifier(cls, classifyModel == null ? null : VisionModels.nameOf(classifyModel)), config)) {
            StringBuilder also = new StringBuilder();
            if (det != null) also.append(", detect: ").append(VisionModels.nameOf(detectModel));
            if (cls != null) also.append(", classify: ").append(VisionModels.nameOf(classifyModel));
            spec.commandLine().getOut().printf("heed serve: listening on %s (%s, %d dimensions, %d threads%s)%n",
                    server.uri(), enc.name(), server.dimensions(), enc.options().execution().threads(), also);
            spec.commandLine().getOut().flush();
            stop.await();
            spec.commandLine().getErr().println("heed serve: stopping (finishing in-flight requests)");
            spec.commandLine().getErr().flush();
            server.close();
            spec.commandLine().getErr().printf("heed serve: stopped after answering %d requests%n", server.requestsAnswered());
            spec.commandLine().getErr().flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
