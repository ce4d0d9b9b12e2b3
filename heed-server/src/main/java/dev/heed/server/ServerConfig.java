package dev.heed.server;

import dev.heed.HeedException;
import java.time.Duration;

/**
 * How {@link HeedServer} listens and how much it accepts. Every limit is checked here once, with the valid range in
 * the message; {@link #defaults()} gives the values {@code heed serve} uses without options.
 *
 * @param host                   address to bind (127.0.0.1: loopback only)
 * @param port                   TCP port; 0 picks a free one (tests)
 * @param maxBatchTokens         padded tokens (batch size × longest input) per model run
 * @param maxBatchSize           inputs per model run
 * @param maxConcurrentRequests  inference requests admitted at once (queued or running); past it: 429
 * @param maxClientBatchSize     inputs in one request; past it: 413
 * @param payloadLimit           request body bytes; past it: 413, before the body is read whole
 * @param apiKey                 the bearer key every route but /health needs; null: no key
 * @param runners                threads that take batches: 0, the default, one per encoder thread, so that under load
 *                               batches run side by side, one thread each, and a batch alone runs on all of them; 1
 *                               runs one batch at a time, always on all the encoder's threads. Never more runs are in
 *                               flight than the encoder has threads
 * @param gracePeriod            how long {@link HeedServer#close()} waits for in-flight requests
 * @param maxImagePixels         images whose header declares more pixels are refused (413) before decoding
 * @param idleTimeout            a connection that sends nothing for this long is closed (a slow or stalled body
 *                               included), so slow clients cannot hold the server's threads
 */
public record ServerConfig(String host, int port, int maxBatchTokens, int maxBatchSize, int maxConcurrentRequests,
                           int maxClientBatchSize, long payloadLimit, String apiKey, int runners, Duration gracePeriod,
                           long maxImagePixels, Duration idleTimeout) {

    /**
     * Checks every limit against its range.
     *
     * @throws HeedException INVALID_ARGUMENT naming the field, its value and the allowed range
     */
    public ServerConfig {
        if (host == null || host.isBlank()) throw HeedException.invalid("ServerConfig", "host is empty");
        range("port", port, 0, 65535);
        range("maxBatchTokens", maxBatchTokens, 1, 1 << 24);
        range("maxBatchSize", maxBatchSize, 1, 4096);
        range("maxConcurrentRequests", maxConcurrentRequests, 1, 1 << 20);
        range("maxClientBatchSize", maxClientBatchSize, 1, 1 << 16);
        range("payloadLimit", payloadLimit, 1, 1L << 31);
        range("runners", runners, 0, 64);
        if (apiKey != null && apiKey.isEmpty()) throw HeedException.invalid("ServerConfig", "apiKey is empty (use null for no key)");
        if (gracePeriod == null || gracePeriod.isNegative()) throw HeedException.invalid("ServerConfig", "gracePeriod must be >= 0");
        range("maxImagePixels", maxImagePixels, 1, 1L << 31);
        if (idleTimeout == null || idleTimeout.toMillis() < 1) throw HeedException.invalid("ServerConfig", "idleTimeout must be >= 1 ms");
    }

    /**
     * 127.0.0.1:8080, 16384 batch tokens, 64 per batch, 512 concurrent requests, 32 inputs per request, 2 MB, no key,
     * one runner per encoder thread, 30 s grace, 40 megapixels per image, 30 s idle timeout.
     *
     * @return the defaults, what {@code heed serve} uses without options
     */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, 16384, 64, 512, 32, 2_000_000, null, 0, Duration.ofSeconds(30),
                40_000_000, Duration.ofSeconds(30));
    }

    /**
     * A copy with another host.
     *
     * @param h the address to bind, e.g. 127.0.0.1 or 0.0.0.0
     * @return the new config (checked)
     */
    public ServerConfig withHost(String h) { return new ServerConfig(h, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another port.
     *
     * @param p the port, 0 to 65535 (0: any free port)
     * @return the new config (checked)
     */
    public ServerConfig withPort(int p) { return new ServerConfig(host, p, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another maxBatchTokens.
     *
     * @param n padded tokens per inference batch, 1 to 2^24
     * @return the new config (checked)
     */
    public ServerConfig withMaxBatchTokens(int n) { return new ServerConfig(host, port, n, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another maxBatchSize.
     *
     * @param n inputs per inference batch, 1 to 4096
     * @return the new config (checked)
     */
    public ServerConfig withMaxBatchSize(int n) { return new ServerConfig(host, port, maxBatchTokens, n, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another maxConcurrentRequests.
     *
     * @param n requests queued or running before 429, 1 to 2^20
     * @return the new config (checked)
     */
    public ServerConfig withMaxConcurrentRequests(int n) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, n, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another maxClientBatchSize.
     *
     * @param n inputs one request may carry, 1 to 65536
     * @return the new config (checked)
     */
    public ServerConfig withMaxClientBatchSize(int n) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, n, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another payloadLimit.
     *
     * @param n largest request body in bytes, 1 to 2^31
     * @return the new config (checked)
     */
    public ServerConfig withPayloadLimit(long n) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, n, apiKey, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another apiKey.
     *
     * @param k the bearer key clients must send, or null for none (not empty)
     * @return the new config (checked)
     */
    public ServerConfig withApiKey(String k) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, k, runners, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another runners.
     *
     * @param n threads that take batches, 1 to 64; 0 for one per encoder thread
     * @return the new config (checked)
     */
    public ServerConfig withRunners(int n) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, n, gracePeriod, maxImagePixels, idleTimeout); }
    /**
     * A copy with another gracePeriod.
     *
     * @param d how long a stop waits for requests in flight, >= 0
     * @return the new config (checked)
     */
    public ServerConfig withGracePeriod(Duration d) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, d, maxImagePixels, idleTimeout); }
    /**
     * A copy with another maxImagePixels.
     *
     * @param n largest image (by its header's width × height), 1 to 2^31
     * @return the new config (checked)
     */
    public ServerConfig withMaxImagePixels(long n) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, n, idleTimeout); }
    /**
     * A copy with another idleTimeout.
     *
     * @param d how long a silent connection is kept, >= 1 ms
     * @return the new config (checked)
     */
    public ServerConfig withIdleTimeout(Duration d) { return new ServerConfig(host, port, maxBatchTokens, maxBatchSize, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, runners, gracePeriod, maxImagePixels, d); }

    private static void range(String name, long v, long lo, long hi) {
        if (v < lo || v > hi) throw HeedException.invalid("ServerConfig", name + "=" + v + " is out of range [" + lo + ", " + hi + "]");
    }
}
