package dev.heed.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heed.text.TextEncoder;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * Heed over HTTP: OpenAI- and TEI-shaped embedding routes with dynamic batching ({@link EmbeddingBatcher}), attention
 * maps ({@code /v1/attention}), detection and classification ({@code /v1/detect}, {@code /v1/classify}), the web
 * playground ({@code GET /}), {@code /health}, {@code /info} and Prometheus {@code /metrics}, on Javalin 7 / Jetty 12.
 *
 * <pre>{@code
 * try (TextEncoder enc = TextEncoder.defaultModel(options);
 *      HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0))) {
 *     URI base = server.uri();      // http://127.0.0.1:PORT
 * }
 * }</pre>
 *
 * Errors are answered in the route family's own form and never half-written: OpenAI's
 * {@code {"error": {message, type, param, code}}} under {@code /v1/}, TEI's {@code {message, code, error_type}} for
 * {@code /embed}, {@code /similarity}, {@code /tokenize}. An unexpected failure is a 500 naming the error, logged once.
 * The caller owns the encoder; {@link #close()} stops accepting, lets in-flight requests finish within the grace
 * period, then stops.
 */
public final class HeedServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HeedServer.class.getName());
    private static final String START = "heed.start";
    private static final String FAILED = "heed.failed";
    /** The status recorded for a request whose client went away (nginx's 499 "client closed request"). */
    static final int CLIENT_GONE = 499;
    /** The routes by path, the tag of the request metrics (anything else is "unmatched"). */
    private static final java.util.Set<String> ROUTES = java.util.Set.of("/", "/health", "/info", "/metrics", "/v1/embeddings",
            "/embed", "/similarity", "/tokenize", "/v1/attention", "/v1/detect", "/v1/classify");


    private final TextEncoder encoder;
    private final VisionModels vision;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final EmbeddingBatcher batcher;
    private final Disconnects disconnects = new Disconnects();
    private final int dimensions;
    private final byte[] keyDigest;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Javalin app;
    private volatile boolean stopping;
    private boolean closed;

    private HeedServer(TextEncoder encoder, VisionModels vision, ServerConfig config) {
        this.encoder = encoder;
        this.vision = vision == null ? VisionModels.none() : vision;
        this.config = config;
        this.dimensions = encoder.embed("dimensions").length;     // also warms the model up before the first request
        this.keyDigest = config.apiKey() == null ? null : sha256(config.apiKey());
        EmbeddingBatcher[] b = new EmbeddingBatcher[1];
        this.metrics = new ServerMetrics(() -> b[0] == null ? 0 : b[0].waitingInputs());
        this.batcher = b[0] = new EmbeddingBatcher(encoder, config, metrics);
        metrics.inFlight(inFlight::get);
        EmbeddingRoutes embed = new EmbeddingRoutes(encoder, batcher, config, dimensions, disconnects);
        VisionRoutes images = new VisionRoutes(this.vision, batcher, metrics, config, disconnects);
        byte[] playground = Playground.page();
        org.eclipse.jetty.server.Server[] jetty = new org.eclipse.jetty.server.Server[1];
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.prefer405over404 = true;
            c.http.maxRequestSize = config.payloadLimit();
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            // Jetty's graceful stop: connectors stop accepting, GracefulHandler waits for in-flight requests (async
            // ones included, until their response is written), both bounded by the stop timeout.
            c.jetty.modifyServer(server -> {
                jetty[0] = server;
                server.setStopTimeout(config.gracePeriod().toMillis());
                if (server.getHandler() == null) server.setHandler(new GracefulHandler());
                else server.insertHandler(new GracefulHandler());
                server.setErrorHandler(new JettyErrors());
            });
            c.routes.before(this::admit);
            c.routes.after(this::record);
            c.routes.get("/health", ctx -> {
                if (stopping) throw new ApiException(503, "the server is shutting down", null);
                ctx.contentType("application/json").result("{\"status\":\"ok\"}");
            });
            c.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(playground));
            c.routes.get("/info", this::info);
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            c.routes.post("/v1/embeddings", embed::openAi);
            c.routes.post("/embed", embed::tei);
            c.routes.post("/similarity", embed::similarity);
            c.routes.post("/tokenize", embed::tokenize);
            c.routes.post("/v1/attention", new AttentionRoute(encoder, batcher, config, disconnects)::handle);
            c.routes.post("/v1/detect", images::detect);
            c.routes.post("/v1/classify", images::classify);
            c.routes.exception(Exception.class, (e, ctx) -> fail(ctx, e));
            c.routes.error(404, ctx -> {
                if (ctx.attribute(FAILED) == null) fail(ctx, new ApiException(404, "no route " + ctx.method() + " " + ctx.path(), null));
            });
            c.routes.error(405, ctx -> fail(ctx, new ApiException(405, "method " + ctx.method() + " is not allowed on " + ctx.path(), null)));
        });
        try {
            app.start();
            // connections that send nothing for this long are closed (the connector exists only once started)
            for (org.eclipse.jetty.server.Connector k : jetty[0].getConnectors()) {
                if (k instanceof org.eclipse.jetty.server.AbstractConnector a) a.setIdleTimeout(config.idleTimeout().toMillis());
            }
        } catch (RuntimeException e) {
            batcher.close();
            disconnects.close();
            throw e;
        }
    }

    /**
     * Starts a server for this encoder, without image models; returns once it answers on {@link #uri()}.
     *
     * @param encoder the text model the embedding, similarity, tokenize and attention routes use (the server does
     *                not close it)
     * @param config  address, limits, key and batching
     * @return the running server; {@link #close()} stops it
     */
    public static HeedServer start(TextEncoder encoder, ServerConfig config) {
        return new HeedServer(encoder, VisionModels.none(), config);
    }

    /**
     * Starts a server for this encoder and these image models (either may be absent); returns once it answers.
     *
     * @param encoder the text model (the server does not close it)
     * @param vision  the detector and classifier behind {@code /v1/detect} and {@code /v1/classify}
     * @param config  address, limits, key and batching
     * @return the running server; {@link #close()} stops it
     */
    public static HeedServer start(TextEncoder encoder, VisionModels vision, ServerConfig config) {
        return new HeedServer(encoder, vision, config);
    }

    /**
     * The port it listens on.
     *
     * @return the configured port, or the one the system chose when the config asked for 0
     */
    public int port() { return app.port(); }

    /**
     * Where clients reach it.
     *
     * @return {@code http://HOST:PORT} (an IPv6 host in brackets)
     */
    public URI uri() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port());
    }

    /**
     * Requests answered so far, any route and status.
     *
     * @return the count; after {@link #close()}, all it ever answered
     */
    public long requestsAnswered() { return metrics.answered(); }

    /** The Prometheus text of {@code GET /metrics}; still readable after {@link #close()} (tests check what was answered). */
    String scrapeMetrics() { return metrics.scrape(); }

    /**
     * The embedding dimension of the served text model.
     *
     * @return the length of every embedding the server returns (before a request's {@code dimensions})
     */
    public int dimensions() { return dimensions; }

    private void admit(Context ctx) {
        ctx.attribute(START, System.nanoTime());
        inFlight.incrementAndGet();
        ctx.attribute("heed.counted", Boolean.TRUE);
        if (stopping) throw new ApiException(503, "the server is shutting down", null);
        // /health and the playground page (static, no data) need no key; the page sends the key the user types
        if (keyDigest != null && !ctx.path().equals("/health") && !ctx.path().equals("/")) {
            String auth = ctx.header("Authorization");
            String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
            // Compares digests, so neither the content nor the length of the key leaks through timing.
            if (given == null || !MessageDigest.isEqual(sha256(given), keyDigest)) {
                throw new ApiException(401, given == null ? "missing API key: send 'Authorization: Bearer KEY'"
                        : "invalid API key", null);
            }
        }
    }

    private void record(Context ctx) {
        if (ctx.attribute("heed.counted") != null) inFlight.decrementAndGet();
        Long t0 = ctx.attribute(START);
        String route = ROUTES.contains(ctx.path()) ? ctx.path() : "unmatched";
        metrics.request(route, ctx.method().name(), ctx.res().getStatus(), t0 == null ? 0 : System.nanoTime() - t0);
    }

    private void info(Context ctx) {
        ObjectNode n = Bodies.JSON.createObjectNode();
        n.put("version", version());
        ObjectNode m = n.putObject("embed_model");
        m.put("name", encoder.name());
        m.put("dimensions", dimensions);
        m.put("max_input_length", encoder.maxTokens());
        m.put("vocab_size", encoder.tokenizer().vocabSize());
        ObjectNode l = n.putObject("limits");
        l.put("max_batch_tokens", config.maxBatchTokens());
        l.put("max_batch_size", config.maxBatchSize());
        l.put("max_concurrent_requests", config.maxConcurrentRequests());
        l.put("max_client_batch_size", config.maxClientBatchSize());
        l.put("payload_limit", config.payloadLimit());
        l.put("threads", encoder.options().execution().threads());
        if (vision.detector() != null) {
            ObjectNode d = n.putObject("detect_model");
            d.put("name", vision.detectorName());
            d.put("input_size", vision.detector().inputSize());
            d.put("classes", vision.detector().names().size());
        }
        if (vision.classifier() != null) {
            ObjectNode d = n.putObject("classify_model");
            d.put("name", vision.classifierName());
            d.put("input_size", vision.classifier().inputSize());
            d.put("classes", vision.classifier().labels().size());
        }
        l.put("max_image_pixels", config.maxImagePixels());
        l.put("idle_timeout_ms", config.idleTimeout().toMillis());
        n.put("auth", config.apiKey() != null);
        ctx.contentType("application/json").result(n.toString());
    }

    private static String version() {
        Package p = HeedServer.class.getPackage();
        return p.getImplementationVersion() != null ? p.getImplementationVersion() : "0.1.0-SNAPSHOT";
    }

    /** Writes an error in the route family's form; a 500 is logged once with its stack trace. */
    private void fail(Context ctx, Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        ApiException e;
        if (t instanceof ApiException a) {
            e = a;
        } else if (t instanceof java.util.concurrent.CancellationException) {
            // the client went away and its request was withdrawn: nobody reads this answer, nothing failed
            e = new ApiException(CLIENT_GONE, "the client closed the connection before the answer was ready", null);
        } else {
            LOG.log(Level.SEVERE, "heed serve: internal error on " + ctx.method() + " " + ctx.path(), t);
            e = new ApiException(500, "internal error: " + t, null);
        }
        ctx.attribute(FAILED, Boolean.TRUE);
        if (e.status == 429) ctx.header("Retry-After", "1");
        if (e.status == 401) ctx.header("WWW-Authenticate", "Bearer");
        ctx.status(e.status);
        ctx.contentType("application/json");
        ctx.result(errorBody(ctx.path(), e));
    }

    /** An error in the form of the route family of {@code path}: TEI's for its routes, OpenAI's for the others. */
    private static byte[] errorBody(String path, ApiException e) {
        ObjectNode body = Bodies.JSON.createObjectNode();
        if (path.equals("/embed") || path.equals("/similarity") || path.equals("/tokenize")) {
            body.put("message", e.getMessage());
            body.put("code", e.status);
            body.put("error_type", e.teiType());
        } else {
            ObjectNode err = body.putObject("error");
            err.put("message", e.getMessage());
            err.put("type", e.openAiType());
            if (e.param == null) err.putNull("param"); else err.put("param", e.param);
            if (e.status == 404 && "model".equals(e.param)) err.put("code", "model_not_found");
            else err.put("code", Integer.toString(e.status));
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Errors that Jetty answers itself, before a request reaches a route, speak the API too: above all the 503 of its
     * graceful stop for a request that arrived on an open connection after the stop began. They are written in the
     * route family's JSON form (not Jetty's HTML page) and counted like every other answer.
     */
    private final class JettyErrors extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        protected void generateResponse(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                int code, String message, Throwable cause, org.eclipse.jetty.util.Callback callback) {
            String path = request.getHttpURI().getPath();
            if (path == null) path = "";
            String text = code == 503 && stopping ? "the server is shutting down"
                    : message != null && !message.isBlank() ? message : org.eclipse.jetty.http.HttpStatus.getMessage(code);
            byte[] body = errorBody(path, new ApiException(code, text, null));
            response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH, body.length);
            metrics.request(ROUTES.contains(path) ? path : "unmatched", request.getMethod(), code, 0);
            response.write(true, java.nio.ByteBuffer.wrap(body), callback);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Graceful stop: new requests are refused (503), Jetty stops accepting connections and waits up to the grace
     * period for in-flight requests to be answered, then stops; then the batcher. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        stopping = true;
        // the disconnect watcher goes first: while Jetty stops, its connections close under the watcher, which must not
        // take that for a client leaving and withdraw an answer that is being written (seen as a cut chunked body)
        disconnects.close();
        try {
            app.stop();
        } finally {
            batcher.close();
        }
    }
}
