package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** RT-DETR post-processing on crafted output0 tensors: ties, threshold edges, empty, every class, filters. */
class DetectionPostprocessTest {
    static final int NC = 80;
    static final ClassNames COCO = ClassNames.coco80();

    /** [Q, 4 + NC] all zero scores, boxes centred. */
    static float[] blank(int q) {
        float[] a = new float[q * (4 + NC)];
        for (int i = 0; i < q; i++) { a[i * (4 + NC)] = 0.5f; a[i * (4 + NC) + 1] = 0.5f; a[i * (4 + NC) + 2] = 0.1f; a[i * (4 + NC) + 3] = 0.1f; }
        return a;
    }

    static void set(float[] a, int q, int cls, float v) { a[q * (4 + NC) + 4 + cls] = v; }

    static Detections run(DetectionPostprocess p, float[] a, int q) {
        return p.apply(Tensor.of(a, 1, q, 4 + NC), 640, 480, COCO);
    }

    @Test
    void tieGoesToTheLowestClassId() {
        float[] a = blank(1);
        set(a, 0, 7, 0.9f);
        set(a, 0, 3, 0.9f);
        set(a, 0, 50, 0.9f);
        Detections r = run(DetectionPostprocess.defaults(), a, 1);
        assertEquals(1, r.size());
        assertEquals(3, r.get(0).classId());
        assertEquals("motorcycle", r.get(0).name());
        assertEquals(0.9f, r.get(0).confidence());
    }

    @Test
    void thresholdIsStrict() {
        float[] a = blank(4);
        set(a, 0, 1, 0.25f);                          // == conf: dropped, as score > conf
        set(a, 1, 2, Math.nextUp(0.25f));             // just above: kept
        set(a, 2, 3, Math.nextDown(0.25f));           // just below: dropped
        set(a, 3, 4, Float.NaN);                      // NaN never passes
        Detections r = run(DetectionPostprocess.defaults(), a, 4);
        assertEquals(1, r.size());
        assertEquals(2, r.get(0).classId());
        assertEquals(0, run(new DetectionPostprocess(1f, null, 300), a, 4).size());
        assertEquals(3, run(new DetectionPostprocess(-1f, null, 300), a, 4).size(), "NaN row still dropped; zero rows pass conf -1");
    }

    @Test
    void emptyResult() {
        Detections r = run(DetectionPostprocess.defaults(), blank(300), 300);
        assertEquals(0, r.size());
        assertTrue(r.isEmpty());
        assertEquals("[ ]", r.toJson());
        assertEquals("x.jpg: 640x640 (no detections), 0.0ms", r.summary("x.jpg", 640, 640));
        assertEquals(640, r.imageWidth());
        assertEquals(480, r.imageHeight());
        Detections none = DetectionPostprocess.defaults().apply(new float[0], 0, NC, 10, 10, COCO);
        assertEquals(0, none.size());
    }

    @Test
    void everyClassIsReachableAndNamed() {
        float[] a = blank(NC);
        for (int c = 0; c < NC; c++) set(a, c, c, 0.3f + c / 1000f);
        Detections r = run(DetectionPostprocess.defaults(), a, NC);
        assertEquals(NC, r.size());
        for (int c = 0; c < NC; c++) {
            assertEquals(c, r.get(c).classId(), "query order is kept");
            assertEquals(COCO.name(c), r.get(c).name());
        }
        assertEquals("person", r.get(0).name());
        assertEquals("toothbrush", r.get(79).name());
    }

    @Test
    void classFilter() {
        float[] a = blank(3);
        set(a, 0, 0, 0.9f);
        set(a, 1, 5, 0.8f);
        set(a, 2, 0, 0.3f);
        set(a, 2, 5, 0.4f);                           // argmax 5; the filter looks at the argmax only
        Detections r = run(new DetectionPostprocess(0.25f, Set.of(0), 300), a, 3);
        assertEquals(1, r.size());
        assertEquals(0, r.get(0).classId());
        assertEquals(2, run(new DetectionPostprocess(0.25f, Set.of(5), 300), a, 3).size());
        assertEquals(0, run(new DetectionPostprocess(0.25f, Set.of(), 300), a, 3).size());
    }

    @Test
    void maxDetKeepsTheBestInQueryOrder() {
        float[] a = blank(20);
        for (int q = 0; q < 20; q++) set(a, q, q % 3, 0.3f + ((q * 7) % 20) / 100f);
        Detections r = run(new DetectionPostprocess(0.25f, null, 5), a, 20);
        assertEquals(5, r.size());
        float minKept = Float.MAX_VALUE;
        for (Detection d : r) minKept = Math.min(minKept, d.confidence());
        int better = 0;
        for (int q = 0; q < 20; q++) if (0.3f + ((q * 7) % 20) / 100f >= minKept) better++;
        assertEquals(5, better, "the five kept are the five best");
        // ties at the cut: the earlier query wins
        float[] t = blank(4);
        for (int q = 0; q < 4; q++) set(t, q, q, 0.5f);
        Detections tr = run(new DetectionPostprocess(0.25f, null, 2), t, 4);
        assertEquals(0, tr.get(0).classId());
        assertEquals(1, tr.get(1).classId());
    }

    @Test
    void boxesAreCxcywhNormalisedToXyxyPixels() {
        float[] a = blank(1);
        a[0] = 0.3f; a[1] = 0.6f; a[2] = 0.2f; a[3] = 0.5f;
        set(a, 0, 5, 0.8f);
        Detections r = DetectionPostprocess.defaults().apply(Tensor.of(a, 1, 1, 4 + NC), 810, 1080, COCO);
        Detection d = r.get(0);
        // float32 as torch does it: (cx - w / 2) * ow
        assertEquals((0.3f - 0.2f / 2) * 810f, d.x1());
        assertEquals((0.6f - 0.5f / 2) * 1080f, d.y1());
        assertEquals((0.3f + 0.2f / 2) * 810f, d.x2());
        assertEquals((0.6f + 0.5f / 2) * 1080f, d.y2());
        assertArrayEquals(new float[] {d.x1(), d.y1(), d.x2(), d.y2()}, d.xyxy());
        float[] xywh = d.xywh();
        assertEquals(0.3 * 810, xywh[0], 1e-3);
        assertEquals(0.6 * 1080, xywh[1], 1e-3);
        assertEquals(0.2 * 810, xywh[2], 1e-3);
        assertEquals(0.5 * 1080, xywh[3], 1e-3);
        float[] n = d.xywhn();
        assertArrayEquals(new float[] {0.3f, 0.6f, 0.2f, 0.5f}, n, 1e-6f);
        assertArrayEquals(new float[] {0.2f, 0.35f, 0.4f, 0.85f}, d.xyxyn(), 1e-6f);
        assertEquals(810, d.imageWidth());
    }

    @Test
    void acceptsRank2AndStridedViews() {
        float[] a = blank(3);
        set(a, 1, 9, 0.7f);
        Detections r2 = DetectionPostprocess.defaults().apply(Tensor.of(a, 3, 4 + NC), 100, 100, COCO);
        assertEquals(1, r2.size());
        // a transposed view of a [1, 84, 3] buffer is a legal [1, 3, 84] input
        float[] tr = new float[a.length];
        for (int q = 0; q < 3; q++) for (int k = 0; k < 4 + NC; k++) tr[k * 3 + q] = a[q * (4 + NC) + k];
        Tensor view = Tensor.of(tr, 1, 4 + NC, 3).transpose(1, 2);
        Detections rv = DetectionPostprocess.defaults().apply(view, 100, 100, COCO);
        assertEquals(r2.list(), rv.list());
    }

    @Test
    void badShapesAndConfig() {
        DetectionPostprocess p = DetectionPostprocess.defaults();
        HeedException e = assertThrows(HeedException.class, () -> p.apply(Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 2, 300, 84), 10, 10, COCO));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("[2, 300, 84]"), e.getMessage());
        assertThrows(HeedException.class, () -> p.apply(Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 300, 4), 10, 10, COCO));
        assertThrows(HeedException.class, () -> p.apply(Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 300, 84), 0, 10, COCO));
        assertThrows(HeedException.class, () -> new DetectionPostprocess(Float.NaN, null, 300));
        assertThrows(HeedException.class, () -> new DetectionPostprocess(0.25f, null, 0));
    }

    @Test
    void namesFromModelMetadata() {
        float[] a = new float[4 + 2];
        a[4 + 1] = 0.9f;
        ClassNames names = ClassNames.fromMetadata(java.util.Map.of("names", "{0: 'cat', 1: 'dog'}"));
        Detections r = DetectionPostprocess.defaults().apply(Tensor.of(a, 1, 1, 6), 10, 10, names);
        assertEquals("dog", r.get(0).name());
    }
}
