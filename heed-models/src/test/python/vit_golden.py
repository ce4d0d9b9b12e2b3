#!/usr/bin/python3
"""Golden top-5 and logits for the ViT end-to-end test (dev.heed.vision.ClassifierEndToEndTest).

Builds torchvision's VisionTransformer with the fixture's configuration (224 px, patch 32, 2 layers, 4 heads,
hidden 64, MLP 128, 1000 classes; see heed-onnx/src/test/python/make_model_fixtures.py) and loads its weights from
the committed ONNX file's initializers (onnx.numpy_helper), so that it is the same model: named initializers map
one to one onto the state dict; the weights torch.onnx.export stored transposed under "onnx::MatMul_*" names are
found through the MatMul node that consumes them and transposed back. load_state_dict(strict=True) proves every
parameter was set. Then torchvision's real transforms run on each sample image opened with PIL:

    Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std)

and heed-models/src/test/resources/vision/e2e/vit_golden.json gets, per image, the top-5 class ids, their softmax
probabilities and all 1000 logits (float32 values written as decimal).

    /usr/bin/python3 heed-models/src/test/python/vit_golden.py
"""
import json
import os
import re
import sys

import onnx
import torch
from onnx import numpy_helper
from PIL import Image
import torchvision.transforms as T
from torchvision.models.vision_transformer import VisionTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "vision", "e2e", "vit_golden.json"))
IMAGES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "data", "images"))
MODEL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "heed-onnx", "src", "test", "resources", "models",
                                      "vit_opset17.onnx"))


def state_dict_from_onnx(path):
    m = onnx.load(path)
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    sd = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
    # MatMul weights were exported as W^T under generated names: name them by their consumer node.
    pattern = re.compile(r"^/encoder/layers/(encoder_layer_\d+)/(self_attention|mlp/mlp\.(\d+))/MatMul$")
    for node in m.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in inits or not node.input[1].startswith("onnx::"):
            continue
        g = pattern.match(node.name)
        if g is None:
            sys.exit(f"unexpected MatMul with an unnamed weight: {node.name}")
        layer, block, idx = g.groups()
        key = f"encoder.layers.{layer}.self_attention.in_proj_weight" if idx is None else f"encoder.layers.{layer}.mlp.{idx}.weight"
        if key in sd:
            sys.exit(f"{key} mapped twice")
        sd[key] = inits[node.input[1]].t().contiguous()
    return sd


def main():
    model = VisionTransformer(image_size=224, patch_size=32, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                              num_classes=1000)
    model.load_state_dict(state_dict_from_onnx(MODEL), strict=True)
    model.eval()
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    doc = {"model": os.path.basename(MODEL), "torch": torch.__version__, "images": {}}
    for name in sorted(os.listdir(IMAGES)):
        if not name.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        x = tf(Image.open(os.path.join(IMAGES, name)).convert("RGB"))[None]
        with torch.no_grad():
            logits = model(x)[0]
        probs = logits.double().softmax(-1)
        top = torch.topk(logits, 5)
        doc["images"][name] = {
            "top5": [int(i) for i in top.indices],
            "top5_prob": [float(probs[i]) for i in top.indices],
            "logits": [float(v) for v in logits],
        }
        gap = float(top.values[3] - top.values[4])
        print(f"{name}: top5 {doc['images'][name]['top5']}, logit gap between #4 and #5 {gap:.4f}")
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
