#!/usr/bin/python3
"""Golden detections for the RT-DETR end-to-end test (dev.heed.vision.DetectorEndToEndTest).

Input: ONNX Runtime's raw output0 [1, 300, 84] for each sample image, written by the Java helper
dev.heed.vision.WriteRtDetrOutputs into heed-models/src/test/resources/vision/e2e/rtdetr_<image>_output0.npy.
Output: rtdetr_<image>_golden.json beside it, the detections the Ultralytics RT-DETR predictor's post-processing
(RTDETRPredictor.postprocess) derives from that output, written out here in torch (float32) without Ultralytics:

    boxes, scores = output0.split((4, nc), -1)
    xyxy = xywh2xyxy(boxes)                          # x1 = cx - w / 2 ... (float32)
    score, cls = scores.max(-1)                      # max over classes, argmax
    keep = score > conf  (and cls in classes)
    keep the max_det best by score
    x *= original width, y *= original height

The original image size is read with cv2.imread (EXIF orientation applied, as Heed's Images.read does), or given
on the command line:

    /usr/bin/python3 heed-models/src/test/python/rtdetr_golden.py                       # the committed set
    /usr/bin/python3 heed-models/src/test/python/rtdetr_golden.py OUT0.npy W H OUT.json  # one file
Class names come from the fixture's metadata_props "names".
"""
import ast
import json
import os
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.normpath(os.path.join(HERE, "..", "resources", "vision", "e2e"))
IMAGES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "data", "images"))
MODEL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "heed-onnx", "src", "test", "resources", "models",
                                      "rtdetr_tiny_opset17.onnx"))
CONF = 0.25
MAX_DET = 300


def names_from_model(path):
    meta = {p.key: p.value for p in onnx.load(path, load_external_data=False).metadata_props}
    return ast.literal_eval(meta["names"])


def postprocess(output0, width, height, conf=CONF, max_det=MAX_DET, classes=None):
    preds = torch.from_numpy(output0.astype(np.float32))[0]            # [Q, 4 + nc]
    boxes, scores = preds[:, :4], preds[:, 4:]
    xyxy = torch.empty_like(boxes)
    dw, dh = boxes[:, 2] / 2, boxes[:, 3] / 2
    xyxy[:, 0] = boxes[:, 0] - dw
    xyxy[:, 1] = boxes[:, 1] - dh
    xyxy[:, 2] = boxes[:, 0] + dw
    xyxy[:, 3] = boxes[:, 1] + dh
    score, cls = scores.max(-1)
    keep = score > conf
    if classes is not None:
        keep &= torch.isin(cls, torch.tensor(classes))
    idx = torch.nonzero(keep).flatten()
    order = torch.argsort(score[idx], descending=True, stable=True)[:max_det]
    idx = idx[order]
    out = xyxy[idx].clone()
    out[:, [0, 2]] *= width
    out[:, [1, 3]] *= height
    return [(int(q), out[i].tolist(), float(score[q]), int(cls[q])) for i, q in enumerate(idx.tolist())]


def write(npy, width, height, path, names, image=None):
    dets = postprocess(np.load(npy), width, height)
    doc = {
        "source": os.path.basename(npy), "image": image, "width": width, "height": height, "conf": CONF, "max_det": MAX_DET,
        "detections": [{"name": names.get(c, f"class{c}"), "class": c, "confidence": s, "query": q,
                        "box": {"x1": b[0], "y1": b[1], "x2": b[2], "y2": b[3]}} for q, b, s, c in dets],
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"{path}: {len(dets)} detections above {CONF}")


def main():
    names = names_from_model(MODEL)
    if len(sys.argv) == 5:
        write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], names)
        return
    import cv2
    for image in ("bus.jpg", "zidane.jpg"):
        im = cv2.imread(os.path.join(IMAGES, image))
        if im is None:
            sys.exit(f"cannot read {image} in {IMAGES}")
        stem = image.rsplit(".", 1)[0]
        write(os.path.join(E2E, f"rtdetr_{stem}_output0.npy"), im.shape[1], im.shape[0],
              os.path.join(E2E, f"rtdetr_{stem}_golden.json"), names, image)


if __name__ == "__main__":
    main()
