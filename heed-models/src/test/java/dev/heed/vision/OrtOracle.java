package dev.heed.vision;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** ONNX Runtime (test scope) on a one-float-input, one-float-output vision model: the oracle for Heed's sessions. */
final class OrtOracle implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    /** Opens {@code model} with one intra-op thread (deterministic reductions). */
    OrtOracle(Path model) {
        try {
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            session = env.createSession(model.toString(), o);
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime cannot open " + model + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code input} ([1, 3, S, S] float32) through the model; returns {@code output} as a Heed tensor. */
    Tensor run(String input, Tensor x, String output) {
        long[] shape = Arrays.stream(x.shape().dims()).asLongStream().toArray();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), shape);
             OrtSession.Result r = session.run(Map.of(input, in))) {
            OnnxTensor out = (OnnxTensor) r.get(output).orElseThrow(() -> new AssertionError("ORT: no output " + output));
            FloatBuffer fb = out.getFloatBuffer();
            float[] a = new float[fb.remaining()];
            fb.get(a);
            int[] dims = Arrays.stream(out.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
            return Tensor.of(a, dims);
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new AssertionError(e);
        }
    }
}
