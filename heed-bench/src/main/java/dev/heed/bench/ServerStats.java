package dev.heed.bench;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the server says about a measured interval, from two scrapes of its {@code GET /metrics}: model runs, inputs and
 * padded tokens per run, the share of padded tokens that were real, time in the model and in the queue, and the
 * server-side request time (from its first handler to its last), to set beside the client's latency.
 */
record ServerStats(Map<String, Double> samples) {

    static ServerStats parse(String prometheusText) {
        Map<String, Double> m = new HashMap<>();
        for (String line : prometheusText.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            try {
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException e) {
                // a value Heed does not use (NaN is parsed; anything else is skipped)
            }
        }
        return new ServerStats(m);
    }

    double get(String key) { return samples.getOrDefault(key, 0.0); }

    /** The interval from {@code before} to this scrape, as one line. */
    String since(ServerStats before, double seconds, String route) {
        double batches = d(before, "heed_batch_size_count"), inputs = d(before, "heed_batch_size_sum");
        double padded = d(before, "heed_batch_tokens_sum"), real = d(before, "heed_input_tokens_total");
        double model = d(before, "heed_inference_seconds_sum");
        double queued = d(before, "heed_queue_seconds_sum"), queuedN = d(before, "heed_queue_seconds_count");
        String req = "{method=\"POST\",route=\"" + route + "\",status=\"200\"}";
        double reqs = d(before, "heed_http_requests_seconds_count" + req), reqSum = d(before, "heed_http_requests_seconds_sum" + req);
        // batch-size histogram: runs per bucket (Micrometer writes cumulative counts per upper bound)
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        for (var e : samples.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("heed_batch_size_bucket{le=\"") || k.contains("+Inf")) continue;
            double le = Double.parseDouble(k.substring(k.indexOf('"') + 1, k.lastIndexOf('"')));
            cumulative.put(le, e.getValue() - before.get(k));
        }
        StringBuilder hist = new StringBuilder();
        double prev = 0, prevLe = 0;
        for (var e : cumulative.entrySet()) {
            double n = e.getValue() - prev;
            if (n > 0) {
                hist.append(hist.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%s%d:%d",
                        prevLe + 1 == e.getKey() || prevLe == 0 ? "" : ((int) prevLe + 1) + "-", (int) (double) e.getKey(), (int) n));
            }
            prev = e.getValue();
            prevLe = e.getKey();
        }
        return String.format(Locale.ROOT, "server: %d runs, %.1f inputs/run [%s], %.0f padded tokens/run, real/padded %.2f, "
                        + "model busy %.2f of the time (%.1f ms/run), queue wait %.2f ms/input, request %.2f ms mean server-side (%d answered)",
                (long) batches, inputs / batches, hist, padded / batches, real / padded, model / seconds, 1e3 * model / batches,
                1e3 * queued / queuedN, 1e3 * reqSum / reqs, (long) reqs);
    }

    private double d(ServerStats before, String key) {
        return get(key) - before.get(key);
    }
}
