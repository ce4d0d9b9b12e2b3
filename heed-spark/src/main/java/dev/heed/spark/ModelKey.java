package dev.heed.spark;

/**
 * Identifies one loaded model in an executor JVM ({@link ExecutorModels}): where it came from, what its bytes are,
 * and the options it was opened with (two transformers on the same file with other thread counts or thresholds get
 * two models).
 *
 * <pre>{@code
 * new ModelKey("detector", "/data/rtdetr-l.onnx", ExecutorModels.sha256(path), "conf=0.25 maxDet=300 threads=1")
 * }</pre>
 *
 * @param kind     what the model is used as: {@code text}, {@code detector}, {@code classifier}
 * @param location a catalog name ({@code catalog:all-minilm-l6-v2}) or the absolute path the executor reads
 * @param checksum SHA-256 of the model file, or the Maven coordinates of a catalog model (whose bytes they fix)
 * @param options  the opening options in a stable text form
 */
public record ModelKey(String kind, String location, String checksum, String options) {
    @Override
    public String toString() {
        String sum = checksum.length() > 16 ? checksum.substring(0, 16) : checksum;
        return location + " [" + kind + ", " + sum + ", " + options + "]";
    }
}
