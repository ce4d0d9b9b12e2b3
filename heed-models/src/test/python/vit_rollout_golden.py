#!/usr/bin/python3
"""Golden attention rollouts for dev.heed.vision.explain.ViTRolloutTest (issue 17).

The independent reference: torchvision's VisionTransformer with the fixture's weights (loaded from the committed
ONNX initializers exactly as vit_golden.py does, so it is the same model), run in float64 with every encoder
layer's nn.MultiheadAttention called with need_weights=True, average_attn_weights=False, so PyTorch itself hands out
each layer's per-head probabilities [1, H, L, L]. Images go through torchvision's real transforms
(Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet)) on PIL decodes of the shared sample images.

Rollout (Abnar & Zuidema 2020), written here in numpy float64 independently of the Java code:
    per layer   A = mean | max | min over heads
                discard: the lowest int(R * L*L) entries of A (stable order), except flat index 0, set to 0
                        (vit-explain's rule)
                Â = 0.5 A + 0.5 I, each row divided by its sum
    R = Â_last @ ... @ Â_first;   explanation = R[0, 1:] reshaped to [grid, grid]
Written to heed-models/src/test/resources/vision/explain/vit_rollout_golden.json: per image, per "fusion/discard"
key, the 7x7 rollout; plus per image the last layer's CLS->patch probabilities per head.

    /usr/bin/python3 heed-models/src/test/python/vit_rollout_golden.py
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image
from torchvision.models.vision_transformer import VisionTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vit_golden import IMAGES, MODEL, state_dict_from_onnx  # noqa: E402  (same weights, same mapping)

if not os.path.isdir(IMAGES):  # a worktree one level deeper than the main checkout
    IMAGES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "..", "shared", "data", "images"))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "vision", "explain", "vit_rollout_golden.json"))
FUSIONS = ("mean", "max", "min")
DISCARDS = (0.0, 0.9)


def attention_probabilities(model, x):
    """Runs the model, returning logits and per layer PyTorch's own [H, L, L] probabilities (float64)."""
    probs, originals = [], []
    for layer in model.encoder.layers:
        mha = layer.self_attention
        original = mha.forward
        originals.append((mha, original))

        def forward(*args, _orig=original, **kwargs):
            kwargs["need_weights"] = True
            kwargs["average_attn_weights"] = False
            out, w = _orig(*args, **kwargs)
            probs.append(w[0].detach().numpy().copy())            # [H, L, L]
            return out, None

        mha.forward = forward
    with torch.no_grad():
        logits = model(x)[0]
    for mha, original in originals:
        mha.forward = original
    return logits, probs


def rollout(probs, fusion, discard):
    tokens = probs[0].shape[-1]
    result = np.eye(tokens)
    for p in probs:
        a = {"mean": p.mean(0), "max": p.max(0), "min": p.min(0)}[fusion].copy()
        flat = a.reshape(-1)
        k = int(flat.size * discard)
        if k:
            lowest = np.argsort(flat, kind="stable")[:k]
            lowest = lowest[lowest != 0]
            flat[lowest] = 0
        a = 0.5 * a + 0.5 * np.eye(tokens)
        a = a / a.sum(-1, keepdims=True)
        result = a @ result
    cls = result[0, 1:]
    side = int(round(np.sqrt(cls.size)))
    return cls.reshape(side, side)


def main():
    model = VisionTransformer(image_size=224, patch_size=32, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                              num_classes=1000)
    model.load_state_dict(state_dict_from_onnx(MODEL), strict=True)
    model = model.double().eval()
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    doc = {"model": os.path.basename(MODEL), "torch": torch.__version__, "fusions": FUSIONS, "discards": DISCARDS,
           "images": {}}
    for name in ("bus.jpg", "zidane.jpg"):
        x = tf(Image.open(os.path.join(IMAGES, name)).convert("RGB"))[None].double()
        logits, probs = attention_probabilities(model, x)
        for p in probs:
            assert np.allclose(p.sum(-1), 1.0), "probabilities rows must sum to 1"
        entry = {"top1": int(logits.argmax()), "layers": len(probs), "heads": probs[0].shape[0], "tokens": probs[0].shape[-1],
                 "last_layer_cls": probs[-1][:, 0, 1:].tolist(), "rollout": {}}
        for f in FUSIONS:
            for d in DISCARDS:
                r = rollout(probs, f, d)
                entry["rollout"][f"{f}/{d}"] = r.tolist()
                print(f"{name} {f} discard {d}: argmax {int(r.argmax())}, max {r.max():.5f}, sum {r.sum():.5f}")
        doc["images"][name] = entry
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
