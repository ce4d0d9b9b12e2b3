package dev.heed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime, the peer of the benchmarks: one session on a tiny graph from {@code /onnx/} on the class path,
 * intra-op threads as given, inter-op 1, all graph optimisations; inputs created once.
 *
 * <pre>{@code
 * try (OrtRunner ort = new OrtRunner("matmul_128x384x384.onnx", 2)) {
 *     ort.input("A", a, 128, 384).input("B", b, 384, 384);
 *     float first = ort.run();
 * }
 * }</pre>
 */
public final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

    public OrtRunner(String resource, int threads) {
        byte[] model;
        try (InputStream in = OrtRunner.class.getResourceAsStream("/onnx/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing /onnx/" + resource
                        + "; run heed-bench/src/main/python/make_matmul_conv_graphs.py");
            }
            model = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (OrtSession.SessionOptions opts = peerOptions(threads)) {
            session = env.createSession(model, opts);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + resource + ": " + e.getMessage(), e);
        }
    }

    /**
     * The peer's settings, the same in every benchmark: {@code threads} intra-op threads, inter-op 1, sequential
     * execution, all graph optimisations. The caller closes the options once the session is created.
     */
    static OrtSession.SessionOptions peerOptions(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    /** Adds a float input (copied once into native memory). */
    public OrtRunner input(String name, float[] data, long... shape) {
        try {
            inputs.put(name, OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape));
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** One inference; returns the first output element so that the work cannot be optimised away. */
    public float run() {
        try (OrtSession.Result r = session.run(inputs)) {
            OnnxTensor y = (OnnxTensor) r.get(0);
            return y.getFloatBuffer().get(0);
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        inputs.values().forEach(OnnxTensor::close);
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
