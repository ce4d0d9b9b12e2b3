package dev.heed.spark;

import dev.heed.HeedException;
import dev.heed.vision.Images;
import java.util.Arrays;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the image transformers share: the input is Spark's {@code binaryFile} {@code content} column (binary) or a
 * column of local paths (string), and {@code maxPixels} refuses larger images before any pixel is decoded.
 *
 * @param <T> the concrete transformer
 */
public abstract class HeedImageTransformer<T extends HeedImageTransformer<T>> extends HeedTransformer<T> {
    private static final long serialVersionUID = 1L;

    /** Param {@code maxPixels}: the largest width x height accepted, at least 1. */
    private final LongParam maxPixels;

    HeedImageTransformer(String uid, String defaultOutput) {
        super(uid, "content", defaultOutput, null, 8);
        maxPixels = new LongParam(this, "maxPixels", "images with more pixels (width x height) get an error instead of a result");
        setDefault(maxPixels, Images.DEFAULT_MAX_PIXELS);
    }

    /**
     * The {@code maxPixels} param (default {@code Images.DEFAULT_MAX_PIXELS}, 100,000,000): an image whose width x
     * height is larger gets a null result and a message in {@code errorCol} (or fails the task with
     * {@code failOnError}), decided from its header before any pixel is decoded.
     *
     * @return the param
     */
    public LongParam maxPixels() { return maxPixels; }

    /**
     * The pixel limit.
     *
     * @return {@code maxPixels}, set or default (100,000,000)
     */
    public long getMaxPixels() { return (Long) getOrDefault(maxPixels); }

    /**
     * Sets {@code maxPixels}; checked by {@link #transformSchema} (it must be at least 1).
     *
     * @param v the largest width x height accepted, at least 1
     * @return this transformer
     */
    public T setMaxPixels(long v) { set(maxPixels, v); return self(); }

    @Override
    boolean acceptsInput(DataType t) {
        return t instanceof BinaryType || t instanceof StringType;
    }

    @Override
    String expectedInput() {
        return "binary (the content column of spark.read().format(\"binaryFile\")) or string (a local image path)";
    }

    @Override
    void checkParams() {
        getModel();
        if (getMaxPixels() < 1) throw HeedException.invalid(getClass().getSimpleName(), "maxPixels must be >= 1, got " + getMaxPixels());
    }

    /** Whether the input column holds bytes (else paths). */
    boolean binaryInput(StructType schema) {
        return schema.apply(getInputCol()).dataType() instanceof BinaryType;
    }

    /** The index of a string column named {@code path} (binaryFile's), used to name images in messages; -1 if none. */
    static int pathIndex(StructType schema) {
        StructField[] f = schema.fields();
        return Arrays.stream(f).filter(x -> x.name().equals("path") && x.dataType() instanceof StringType)
                .findFirst().map(x -> schema.fieldIndex("path")).orElse(-1);
    }
}
