package dev.heed.vision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heed.ErrorCode;
import dev.heed.HeedException;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The detections for one image, like Ultralytics' {@code results[0]}: {@code size()} is
 * {@code len(results[0].boxes)}; also the original image size, stage timings, JSON in the format of
 * Ultralytics' {@code tojson()} and the predictor's summary line.
 *
 * <pre>{@code
 * Detections r = postprocess.apply(output0, img.width(), img.height(), names);
 * System.out.println(r.size());                      // 5
 * System.out.println(r.summary("bus.jpg", 640, 640)); // bus.jpg: 640x640 4 persons, 1 bus, 812.4ms
 * String json = r.toJson();
 * }</pre>
 */
public final class Detections implements Iterable<Detection> {
    private final List<Detection> detections;
    private final int imageWidth;
    private final int imageHeight;
    private final Timings timings;

    /**
     * A result; the list is copied.
     *
     * @param detections  the detections, in model query order
     * @param imageWidth  the original image's width, pixels
     * @param imageHeight the original image's height, pixels
     * @param timings     the stage times
     */
    public Detections(List<Detection> detections, int imageWidth, int imageHeight, Timings timings) {
        this.detections = List.copyOf(detections);
        this.imageWidth = imageWidth;
        this.imageHeight = imageHeight;
        this.timings = timings;
    }

    /**
     * The same detections with other timings.
     *
     * @param t the stage times
     * @return a new result
     */
    public Detections withTimings(Timings t) {
        return new Detections(detections, imageWidth, imageHeight, t);
    }

    /** {@return the number of detections ({@code len(results[0].boxes)})} */
    public int size() { return detections.size(); }

    /** {@return true when nothing was detected} */
    public boolean isEmpty() { return detections.isEmpty(); }

    /**
     * One detection.
     *
     * @param i its index, in [0, size())
     * @return the detection
     * @throws IndexOutOfBoundsException when {@code i} is out of range
     */
    public Detection get(int i) { return detections.get(i); }

    /** {@return the detections as an unmodifiable list, in model query order} */
    public List<Detection> list() { return detections; }

    @Override
    public Iterator<Detection> iterator() { return detections.iterator(); }

    /** {@return the original image's width in pixels} */
    public int imageWidth() { return imageWidth; }

    /** {@return the original image's height in pixels} */
    public int imageHeight() { return imageHeight; }

    /** {@return the wall-clock times of pre-processing, inference and post-processing} */
    public Timings timings() { return timings; }

    /** {@return the count per class id, in class-id order (as the summary line lists them)} */
    public Map<Integer, Integer> countsByClass() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (Detection d : detections) m.merge(d.classId(), 1, Integer::sum);
        return m;
    }

    /**
     * Ultralytics' {@code tojson()}: a JSON list of
     * {@code {"name", "class", "confidence", "box": {"x1", "y1", "x2", "y2"}}}, values rounded to 5 decimals,
     * pixels (or 0..1 when {@code normalize}).
     *
     * @param normalize give boxes as fractions of the image size instead of pixels
     * @return the JSON text
     */
    public String toJson(boolean normalize) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode arr = mapper.createArrayNode();
        for (Detection d : detections) {
            ObjectNode o = arr.addObject();
            o.put("name", d.name());
            o.put("class", d.classId());
            o.put("confidence", round5(d.confidence()));
            ObjectNode box = o.putObject("box");
            float[] b = normalize ? d.xyxyn() : d.xyxy();
            box.put("x1", round5(b[0]));
            box.put("y1", round5(b[1]));
            box.put("x2", round5(b[2]));
            box.put("y2", round5(b[3]));
        }
        try {
            return mapper.writeValueAsString(arr);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HeedException(ErrorCode.INTERNAL, "detections: JSON serialisation failed: " + e.getMessage(), e);
        }
    }

    /** {@return {@link #toJson(boolean)} in pixels} */
    public String toJson() {
        return toJson(false);
    }

    /**
     * The Ultralytics predictor's log line: {@code "bus.jpg: 640x640 4 persons, 1 bus, 812.4ms"}, sizes as
     * height x width of the model input, counts in class-id order with a naive plural 's', then the inference
     * time; {@code "(no detections), "} when empty.
     *
     * @param imageName   the name to start the line with
     * @param inputWidth  the model input's width
     * @param inputHeight the model input's height
     * @return the line
     */
    public String summary(String imageName, int inputWidth, int inputHeight) {
        StringBuilder sb = new StringBuilder();
        sb.append(imageName).append(": ").append(inputHeight).append('x').append(inputWidth).append(' ');
        if (detections.isEmpty()) sb.append("(no detections), ");
        Map<Integer, String> nameOf = new TreeMap<>();
        for (Detection d : detections) nameOf.putIfAbsent(d.classId(), d.name());
        for (Map.Entry<Integer, Integer> e : countsByClass().entrySet()) {
            int n = e.getValue();
            sb.append(n).append(' ').append(nameOf.get(e.getKey())).append(n > 1 ? "s" : "").append(", ");
        }
        sb.append(String.format(Locale.ROOT, "%.1fms", timings.inferenceMs()));
        return sb.toString();
    }

    /** Python's round(v, 5) on the exact binary value: correctly rounded, ties to even. */
    private static double round5(double v) {
        if (!Double.isFinite(v)) return v;
        return new java.math.BigDecimal(v).setScale(5, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    @Override
    public String toString() {
        return "Detections[" + detections.size() + " in " + imageWidth + "x" + imageHeight + "]";
    }
}
