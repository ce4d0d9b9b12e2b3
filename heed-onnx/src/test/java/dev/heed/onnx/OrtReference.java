package dev.heed.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime as the test oracle (test scope only): runs a model on Heed tensors and returns Heed tensors, so
 * a test can compare Heed's session with ORT's on the same model and inputs.
 *
 * <pre>{@code
 * try (OrtReference ort = OrtReference.open(model, 1)) {
 *     Map<String, Tensor> expected = ort.run(Map.of("x", x));
 * }
 * }</pre>
 */
public final class OrtReference implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    private OrtReference(OrtEnvironment env, OrtSession session) {
        this.env = env;
        this.session = session;
    }

    /** Opens {@code model} with all graph optimisations and {@code threads} intra-op threads. */
    public static OrtReference open(Path model, int threads) {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            return new OrtReference(env, env.createSession(model.toString(), opts));
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime cannot open " + model + ": " + e.getMessage(), e);
        }
    }

    /** Runs the model; outputs in the model's declared order. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, OnnxTensor> ortInputs = new LinkedHashMap<>();
        try {
            for (var e : inputs.entrySet()) ortInputs.put(e.getKey(), toOrt(e.getValue()));
            try (OrtSession.Result result = session.run(ortInputs)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            ortInputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor toOrt(Tensor t) throws OrtException {
        long[] shape = Arrays.stream(t.shape().dims()).asLongStream().toArray();
        return switch (t.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), shape);
            case INT32 -> {
                long[] v = t.toLongArray();
                int[] iv = new int[v.length];
                for (int i = 0; i < v.length; i++) iv[i] = (int) v[i];
                yield OnnxTensor.createTensor(env, IntBuffer.wrap(iv), shape);
            }
            case BOOL -> {
                long[] v = t.toLongArray();
                boolean[] flat = new boolean[v.length];
                for (int i = 0; i < v.length; i++) flat[i] = v[i] != 0;
                yield OnnxTensor.createTensor(env, ByteBuffer.wrap(toBytes(flat)), shape, ai.onnxruntime.OnnxJavaType.BOOL);
            }
            case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(toBytes(t)), shape, ai.onnxruntime.OnnxJavaType.UINT8);
            case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(toBytes(t)), shape, ai.onnxruntime.OnnxJavaType.INT8);
        };
    }

    private static byte[] toBytes(boolean[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) (v[i] ? 1 : 0);
        return b;
    }

    private static byte[] toBytes(Tensor t) {
        long[] v = t.toLongArray();
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    private static Tensor fromOrt(OnnxTensor t) {
        int[] dims = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
        return switch (t.getInfo().type) {
            case FLOAT -> {
                FloatBuffer fb = t.getFloatBuffer();
                float[] a = new float[fb.remaining()];
                fb.get(a);
                yield Tensor.of(a, dims);
            }
            case INT64 -> {
                LongBuffer lb = t.getLongBuffer();
                long[] a = new long[lb.remaining()];
                lb.get(a);
                yield Tensor.ofLongs(a, dims);
            }
            case INT32 -> {
                IntBuffer ib = t.getIntBuffer();
                int[] a = new int[ib.remaining()];
                ib.get(a);
                yield Tensor.ofInts(a, dims);
            }
            case BOOL -> {
                ByteBuffer bb = t.getByteBuffer();
                byte[] a = new byte[bb.remaining()];
                bb.get(a);
                yield Tensor.ofBools(a, dims);
            }
            case UINT8, INT8 -> {
                ByteBuffer bb = t.getByteBuffer();
                byte[] a = new byte[bb.remaining()];
                bb.get(a);
                yield t.getInfo().type == ai.onnxruntime.OnnxJavaType.INT8 ? Tensor.ofInt8(a, dims) : Tensor.ofUint8(a, dims);
            }
            default -> throw new AssertionError("OrtReference: output type " + t.getInfo().type + " not handled; add it");
        };
    }

    /** Largest |a - b| over all elements; shapes must match. */
    public static double maxAbsDiff(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new AssertionError("shapes differ: " + a.shape() + " vs " + b.shape());
        }
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (Double.isNaN(d)) return Double.NaN;
            m = Math.max(m, d);
        }
        return m;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new AssertionError(e);
        }
    }

    static boolean isFloat(Tensor t) {
        return t.dtype() == DType.FLOAT32;
    }
}
