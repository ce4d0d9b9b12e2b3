package dev.heed.spark;

import dev.heed.HeedException;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import java.io.Serial;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * An image model's work on one partition: each row's image, from Spark's {@code binaryFile} {@code content} column
 * (bytes) or from a path column, decoded with Heed's pixel limit and run through the model one by one. A row whose
 * image cannot be had (missing, corrupt, over the pixel limit) gets the decoder's message as its error.
 *
 * @param <M> the model type
 */
abstract class ImagePartition<M extends AutoCloseable> extends PartitionJob<M> {
    @Serial
    private static final long serialVersionUID = 1L;

    final boolean binary;        // the input column holds encoded bytes, else a path
    final int pathIndex;         // a string column "path" beside binary content (binaryFile), for messages; -1 if none
    final long maxPixels;

    ImagePartition(String stage, int inputIndex, String inputCol, String errorCol, int width, int batchSize, int threads,
                   boolean failOnError, boolean binary, int pathIndex, long maxPixels) {
        super(stage, inputIndex, inputCol, errorCol, width, batchSize, threads, failOnError);
        this.binary = binary;
        this.pathIndex = pathIndex;
        this.maxPixels = maxPixels;
    }

    /** The model's answer for one image, in Spark's external form for the output column. */
    abstract Object predict(M model, RgbImage image);

    @Override
    void run(M model, List<Row> batch, Object[] values, String[] errors) {
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            if (r.isNullAt(inputIndex)) {
                errors[i] = "null image in column '" + inputCol + "'";
                continue;
            }
            try {
                values[i] = predict(model, image(r));
            } catch (HeedException e) {
                errors[i] = e.getMessage();
            }
        }
    }

    private RgbImage image(Row r) {
        if (binary) {
            String name = pathIndex >= 0 && !r.isNullAt(pathIndex) ? r.getString(pathIndex) : "column '" + inputCol + "'";
            return Images.decode((byte[]) r.get(inputIndex), name, maxPixels);
        }
        String p = r.getString(inputIndex);
        Path file = ModelFiles.localPath(p);
        if (file == null) {
            throw HeedException.unsupported("image path '" + p + "' is not a local file; read it with "
                    + "spark.read().format(\"binaryFile\") and give the content column", "a local path", "a file: URI");
        }
        return Images.read(file, maxPixels);
    }
}
