#!/usr/bin/python3
"""Golden deformable-attention sampling points for dev.heed.vision.RtDetrExplainTest (issue 17).

The independent reference is the PyTorch module itself: RTDETRTiny from heed-onnx's make_model_fixtures.py, built
exactly as that script builds the committed fixture (seeded re-randomisation, calibration on bus.jpg). Before use
the script proves it is the same model: every named ONNX initializer of rtdetr_tiny_opset17.onnx equals the module's
parameter bit for bit (including the calibrated score bias), and the module's float32 output on the committed input
equals the committed ONNX Runtime output0 (rtdetr_bus_output0.npy, printed).

Then the module runs in float64 on heed-models/src/test/resources/vision/cv_bus_640x640.npy (cv2's 640x640 resize of
bus.jpg, RGB uint8; /255, NCHW) with two hooks that take PyTorch's own values:
  * F.grid_sample wrapped: each call's grid [B*H, Q, P, 2] (one call per level, in level order);
    sampling location = (grid + 1) / 2 in 0..1 of the image (align_corners=False);
  * Tensor.softmax wrapped while dec_cross runs: the attention weights [B, Q, H, L*P].
Detections are the queries whose max class score > 0.25 (Ultralytics' RT-DETR post-processing, no NMS), in query
order. Per detection: its query row and every point {x, y, weight, level, head} with x = loc_x * W, y = loc_y * H
(W = H = 640 here, the image fed), plus the normalised loc. Also the AIFI encoder layer's own probabilities
(nn.MultiheadAttention called with need_weights=True, average_attn_weights=False) summarised as the attention each
stride-32 position receives, averaged over heads and query positions: encoder_heat [20, 20]. Written to
heed-models/src/test/resources/vision/explain/rtdetr_bus_points.json.

    /usr/bin/python3 heed-models/src/test/python/rtdetr_explain_golden.py
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "heed-onnx", "src", "test", "python"))
import make_model_fixtures as fx  # noqa: E402

MODEL = os.path.join(ROOT, "heed-onnx", "src", "test", "resources", "models", "rtdetr_tiny_opset17.onnx")
INPUT = os.path.join(ROOT, "heed-models", "src", "test", "resources", "vision", "cv_bus_640x640.npy")
ORT_OUT = os.path.join(ROOT, "heed-models", "src", "test", "resources", "vision", "e2e", "rtdetr_bus_output0.npy")
OUT = os.path.join(ROOT, "heed-models", "src", "test", "resources", "vision", "explain", "rtdetr_bus_points.json")
CONF = 0.25
IMAGES = next(d for d in (os.path.join(ROOT, "..", "shared", "data", "images"),
                          os.path.join(ROOT, "..", "..", "shared", "data", "images")) if os.path.isdir(d))


def load_image(name):
    """fx.load_image, but finding the shared images from a worktree too (the parameter check below proves it)."""
    import cv2
    im = cv2.resize(cv2.imread(os.path.join(IMAGES, name)), (640, 640), interpolation=cv2.INTER_LINEAR)[:, :, ::-1]
    return torch.from_numpy(np.ascontiguousarray(im.transpose(2, 0, 1))).float()[None] / 255


def build():
    torch.manual_seed(0)
    m = fx.RTDETRTiny()
    fx.rerandomise(m)
    m.eval()
    m.calibrate(load_image("bus.jpg"))
    sd = m.state_dict()
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(MODEL).graph.initializer}
    named = [k for k in inits if not k.startswith("onnx::")]
    for k in named:
        if not np.array_equal(sd[k].numpy(), inits[k]):
            sys.exit(f"{k}: the rebuilt module differs from the committed fixture")
    print(f"{len(named)} named initializers equal the rebuilt module's parameters")
    return m


def main():
    m = build()
    rgb = np.load(INPUT)                                                    # [640, 640, 3] uint8 RGB
    x32 = torch.from_numpy(rgb.transpose(2, 0, 1).copy()).float()[None] / 255
    with torch.no_grad():
        out32 = m(x32).numpy()
    print(f"max |module float32 - committed ORT output0| = {np.abs(out32 - np.load(ORT_OUT)).max():.3g}"
          " (ORT ran on Heed's own resize of bus.jpg)")

    m = m.double()
    grids, weights, inside = [], [], [False]
    real_grid_sample, real_softmax = F.grid_sample, torch.Tensor.softmax

    def grid_sample(inp, grid, *a, **k):
        grids.append(grid.detach().numpy().copy())
        return real_grid_sample(inp, grid, *a, **k)

    def softmax(self, *a, **k):
        y = real_softmax(self, *a, **k)
        if inside[0]:
            weights.append(y.detach().numpy().copy())
        return y

    enc = []                                                                # AIFI: PyTorch's own [H, L, L]
    real_enc_forward = m.enc_attn.forward

    def enc_forward(*a, **k):
        k["need_weights"], k["average_attn_weights"] = True, False
        out, w = real_enc_forward(*a, **k)
        enc.append(w[0].detach().numpy().copy())
        return out, None

    m.enc_attn.forward = enc_forward
    m.dec_cross.register_forward_pre_hook(lambda mod, args: inside.__setitem__(0, True))
    m.dec_cross.register_forward_hook(lambda mod, args, out: inside.__setitem__(0, False))
    F.grid_sample, torch.Tensor.softmax = grid_sample, softmax
    try:
        with torch.no_grad():
            out = m(x32.double()).numpy()[0]                                 # [Q, 4 + nc]
    finally:
        F.grid_sample, torch.Tensor.softmax = real_grid_sample, real_softmax
    assert len(weights) == 1 and len(grids) == 3 and len(enc) == 1, (len(weights), len(grids), len(enc))
    side = int(round(np.sqrt(enc[0].shape[-1])))
    received = enc[0].mean(0).mean(0).reshape(side, side)                    # attention each key receives, mean over heads and queries
    w = weights[0][0]                                                       # [Q, H, L*P]
    levels = len(grids)
    heads, points = m.dec_cross.h, m.dec_cross.p
    loc = np.stack([(g + 1) / 2 for g in grids], 2)                          # [H, Q, L, P, 2]
    width = height = rgb.shape[0]
    scores = out[:, 4:].max(-1)
    detections = []
    for q in np.nonzero(scores > CONF)[0]:
        pts = []
        for h in range(heads):
            for lv in range(levels):
                for p in range(points):
                    lx, ly = loc[h, q, lv, p]
                    pts.append({"x": float(lx * width), "y": float(ly * height), "nx": float(lx), "ny": float(ly),
                                "weight": float(w[q, h, lv * points + p]), "level": lv, "head": h, "point": p})
        detections.append({"query": int(q), "score": float(scores[q]), "points": pts})
    doc = {"model": os.path.basename(MODEL), "torch": torch.__version__, "input": os.path.basename(INPUT),
           "width": width, "height": height, "heads": heads, "levels": levels, "points_per_level": points,
           "conf": CONF, "detections": detections, "encoder_heat": received.tolist()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print(f"wrote {OUT}: {len(detections)} detections, queries {[d['query'] for d in detections]}")


if __name__ == "__main__":
    main()
