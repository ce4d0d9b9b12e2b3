package dev.heed.vision;

/**
 * One detected object, boxes in original-image pixels (x to the right, y down), Ultralytics-style accessors.
 *
 * <pre>{@code
 * for (Detection d : detections) System.out.println(d.name() + " " + d.confidence() + " " + Arrays.toString(d.xyxy()));
 * }</pre>
 *
 * @param x1          left edge, pixels
 * @param y1          top edge, pixels
 * @param x2          right edge, pixels
 * @param y2          bottom edge, pixels
 * @param confidence  the class score (max over classes), 0..1
 * @param classId     the argmax class index
 * @param name        the class name
 * @param imageWidth  the original image's width, for the normalised forms
 * @param imageHeight the original image's height
 */
public record Detection(float x1, float y1, float x2, float y2, float confidence, int classId, String name,
                        int imageWidth, int imageHeight) {

    /** {@return {x1, y1, x2, y2} in pixels (a new array)} */
    public float[] xyxy() {
        return new float[] {x1, y1, x2, y2};
    }

    /** {@return {centre x, centre y, width, height} in pixels (a new array)} */
    public float[] xywh() {
        return new float[] {(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1};
    }

    /** {@return {@link #xyxy()} divided by the image width (x) and height (y): values in [0, 1] for boxes inside the image} */
    public float[] xyxyn() {
        return new float[] {x1 / imageWidth, y1 / imageHeight, x2 / imageWidth, y2 / imageHeight};
    }

    /** {@return {@link #xywh()} divided by the image width (x, w) and height (y, h)} */
    public float[] xywhn() {
        float[] b = xywh();
        return new float[] {b[0] / imageWidth, b[1] / imageHeight, b[2] / imageWidth, b[3] / imageHeight};
    }
}
