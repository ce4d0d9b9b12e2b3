#!/usr/bin/python3
"""Generates Heed's small PyTorch-exported ONNX fixtures (run with Debian's python3-torch 1.13 + python3-torchvision).

    /usr/bin/python3 heed-onnx/src/test/python/make_model_fixtures.py

Writes heed-onnx/src/test/resources/models/<name>_opset<16|17>.onnx for:
  mha            nn.MultiheadAttention self-attention with a key padding mask, dynamic batch and sequence
  mha_cross      nn.MultiheadAttention cross-attention (query length != key length)
  encoder        nn.TransformerEncoder (2 post-norm layers, GELU), dynamic batch and sequence
  vit            torchvision VisionTransformer (224 px, patch 32, 2 layers, 4 heads, hidden 64, 1000 classes)
  rtdetr_tiny    an RT-DETR-like detector written here: conv backbone (strides 8/16/32), one self-attention encoder
                 layer with a 2-D sin-cos position embedding on the stride-32 level, TopK query selection over the
                 flattened multi-scale features, a decoder layer with self-attention and multi-scale deformable
                 cross-attention through grid_sample, sigmoid box and score heads. Input `images` [1, 3, 640, 640],
                 output `output0` [1, 300, 84] as Ultralytics' RT-DETR export; class names in metadata_props `names`.
Every weight is re-randomised (seeded) so that outputs depend strongly on inputs; the script prints the spread of
each fixture's output over two random inputs and fails if it is too small.
"""
import math
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "models")
OPSETS = (16, 17)

COCO80 = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
          "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
          "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
          "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
          "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
          "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
          "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
          "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
          "teddy bear", "hair drier", "toothbrush"]


def rerandomise(model, std=0.2):
    """Default inits leave biases and norms trivial; give every parameter and BN statistic a real spread."""
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
            elif name.endswith("weight"):  # norm scales
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def export(model, args, name, input_names, output_names, dynamic_axes=None, metadata=None):
    model.eval()
    for opset in OPSETS:
        path = os.path.join(OUT, f"{name}_opset{opset}.onnx")
        torch.onnx.export(model, args, path, opset_version=opset, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
        m = onnx.load(path)
        if metadata:
            for k, v in metadata.items():
                e = m.metadata_props.add()
                e.key, e.value = k, v
        onnx.checker.check_model(m)
        onnx.save(m, path)
        ops = sorted({n.op_type for n in m.graph.node})
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} KiB, ops {ops}")


def check_spread(name, model, make_input, part=lambda t: t):
    model.eval()
    with torch.no_grad():
        a = part(model(*make_input(1)))
        b = part(model(*make_input(2)))
    spread, diff = a.std().item(), (a - b).abs().mean().item()
    print(f"{name}: output std {spread:.3f}, mean |out(x1) - out(x2)| {diff:.3f}")
    if spread < 0.05 or diff < 0.02:
        sys.exit(f"{name}: output barely depends on its input (std {spread}, diff {diff})")


# ---------------------------------------------------------------- attention fixtures

class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x, key_padding_mask):  # x [B, L, 32], key_padding_mask [B, L] bool (true = padding)
        return self.mha(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)[0]


class CrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(32, 4, batch_first=True, kdim=24, vdim=24)

    def forward(self, q, kv):  # q [B, L, 32], kv [B, S, 24]
        return self.mha(q, kv, kv, need_weights=False)[0]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, dropout=0.0, activation="gelu", batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x):
        return self.enc(x)


def seeded(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------- RT-DETR-like detector

class ConvBNAct(nn.Module):
    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


def sincos_2d(w, h, dim, temperature=10000.0):
    """2-D sin-cos position embedding [1, w*h, dim] (x and y halves), as RT-DETR's AIFI encoder uses."""
    gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    pos_dim = dim // 4
    omega = 1.0 / temperature ** (torch.arange(pos_dim, dtype=torch.float32) / pos_dim)
    ox = gx.flatten()[:, None] * omega[None]
    oy = gy.flatten()[:, None] * omega[None]
    return torch.cat([ox.sin(), ox.cos(), oy.sin(), oy.cos()], 1)[None]


def mlp(din, dh, dout, layers):
    mods = []
    for i in range(layers):
        mods.append(nn.Linear(din if i == 0 else dh, dout if i == layers - 1 else dh))
        if i < layers - 1:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


class DeformableCrossAttention(nn.Module):
    """Multi-scale deformable attention (Zhu et al.) with bilinear sampling through grid_sample."""

    def __init__(self, d, heads, levels, points):
        super().__init__()
        self.h, self.l, self.p, self.hd = heads, levels, points, d // heads
        self.offsets = nn.Linear(d, heads * levels * points * 2)
        self.weights = nn.Linear(d, heads * levels * points)
        self.value = nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, query, ref, memory, shapes):  # query [1, Q, d], ref [1, Q, 4] (cx, cy, w, h), memory [1, N, d]
        b, q, _ = query.shape
        value = self.value(memory).view(b, -1, self.h, self.hd)
        off = self.offsets(query).view(b, q, self.h, self.l, self.p, 2)
        attn = self.weights(query).view(b, q, self.h, self.l * self.p).softmax(-1).view(b, q, self.h, self.l, self.p)
        loc = ref[:, :, None, None, None, :2] + off / self.p * ref[:, :, None, None, None, 2:] * 0.5
        grids = 2 * loc - 1
        sampled, start = [], 0
        for lvl, (hh, ww) in enumerate(shapes):
            v = value[:, start:start + hh * ww].permute(0, 2, 3, 1).reshape(b * self.h, self.hd, hh, ww)
            start += hh * ww
            g = grids[:, :, :, lvl].permute(0, 2, 1, 3, 4).reshape(b * self.h, q, self.p, 2)
            sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
        s = torch.stack(sampled, -2)  # [B*H, hd, Q, L, P]
        w = attn.permute(0, 2, 1, 3, 4).reshape(b * self.h, 1, q, self.l, self.p)
        out = (s * w).sum((-1, -2)).view(b, self.h * self.hd, q).transpose(1, 2)
        return self.out(out)


class RTDETRTiny(nn.Module):
    def __init__(self, nc=80, d=64, queries=300, size=640):
        super().__init__()
        self.nc, self.q = nc, queries
        self.stem = nn.Sequential(ConvBNAct(3, 16, 3, 2), ConvBNAct(16, 32, 3, 2), ConvBNAct(32, 32, 3, 2))
        self.s4 = ConvBNAct(32, 64, 3, 2)
        self.s5 = ConvBNAct(64, 64, 3, 2)
        self.proj = nn.ModuleList([nn.Sequential(nn.Conv2d(c, d, 1, bias=False), nn.BatchNorm2d(d)) for c in (32, 64, 64)])
        self.shapes = [(size // s, size // s) for s in (8, 16, 32)]
        # AIFI-style encoder layer on the stride-32 level
        self.enc_attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.enc_ffn = mlp(d, 2 * d, d, 2)
        self.enc_n1, self.enc_n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        h5, w5 = self.shapes[2]
        self.register_buffer("pos", sincos_2d(w5, h5, d), persistent=False)
        # query selection
        anchors = []
        for lvl, (hh, ww) in enumerate(self.shapes):
            gy, gx = torch.meshgrid(torch.arange(hh, dtype=torch.float32), torch.arange(ww, dtype=torch.float32), indexing="ij")
            xy = (torch.stack([gx, gy], -1) + 0.5) / torch.tensor([ww, hh], dtype=torch.float32)
            wh = torch.full_like(xy, 0.05 * 2.0 ** lvl)
            anchors.append(torch.cat([xy, wh], -1).view(-1, 4))
        a = torch.cat(anchors)[None]
        self.register_buffer("anchors", torch.log(a / (1 - a)), persistent=False)
        self.enc_out = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))
        self.enc_score = nn.Linear(d, nc)
        self.enc_bbox = mlp(d, d, 4, 3)
        # decoder
        self.query_pos = mlp(4, 2 * d, d, 2)
        self.dec_self = nn.MultiheadAttention(d, 4, batch_first=True)
        self.dec_cross = DeformableCrossAttention(d, 4, 3, 4)
        self.dec_ffn = mlp(d, 2 * d, d, 2)
        self.dec_n1, self.dec_n2, self.dec_n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.bbox_head = mlp(d, d, 4, 3)
        self.score_head = nn.Linear(d, nc)

    def calibrate(self, image):
        """After re-randomisation: sharper class logits with a common offset chosen so that about 5% of the queries
        pass the 0.25 threshold on `image` — which ones, and their classes, then depend on the image, as with a
        trained detector."""
        g = torch.Generator().manual_seed(99)
        with torch.no_grad():
            self.score_head.weight.mul_(3.0)
            self.score_head.bias.copy_(0.3 * torch.randn(self.score_head.bias.shape, generator=g))
            logits = torch.logit(self(image)[0, :, 4:].clamp(1e-6, 1 - 1e-6)).max(-1).values
            offset = math.log(0.25 / 0.75) - torch.quantile(logits, 0.95).item()
            self.score_head.bias.add_(offset)

    def forward(self, images):
        p3 = self.stem(images)
        p4 = self.s4(p3)
        p5 = self.s5(p4)
        feats = [proj(p) for proj, p in zip(self.proj, (p3, p4, p5))]
        b, d, h5, w5 = feats[2].shape
        src = feats[2].flatten(2).transpose(1, 2)
        qk = src + self.pos
        src = self.enc_n1(src + self.enc_attn(qk, qk, src, need_weights=False)[0])
        src = self.enc_n2(src + self.enc_ffn(src))
        feats[2] = src.transpose(1, 2).reshape(b, d, h5, w5)
        memory = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], 1)  # [1, 8400, d]
        out = self.enc_out(memory)
        logits = self.enc_score(out)
        boxes_unact = self.enc_bbox(out) + self.anchors
        idx = torch.topk(logits.max(-1).values, self.q, dim=1).indices  # [1, Q]
        target = torch.gather(out, 1, idx.unsqueeze(-1).repeat(1, 1, d))
        ref_unact = torch.gather(boxes_unact, 1, idx.unsqueeze(-1).repeat(1, 1, 4))
        ref = ref_unact.sigmoid()
        pos = self.query_pos(ref)
        qk = target + pos
        tgt = self.dec_n1(target + self.dec_self(qk, qk, target, need_weights=False)[0])
        tgt = self.dec_n2(tgt + self.dec_cross(tgt + pos, ref, memory, self.shapes))
        tgt = self.dec_n3(tgt + self.dec_ffn(tgt))
        boxes = (self.bbox_head(tgt) + ref_unact).sigmoid()
        scores = self.score_head(tgt).sigmoid()
        return torch.cat([boxes, scores], -1)  # [1, Q, 4 + nc]


def load_image(name):
    """Ultralytics-style pre-processing of one of the shared sample images: stretch to 640², BGR→RGB, /255, NCHW."""
    import cv2
    import numpy as np
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "shared", "data", "images", name)
    im = cv2.imread(path)
    if im is None:
        sys.exit(f"cannot read {path}")
    im = cv2.resize(im, (640, 640), interpolation=cv2.INTER_LINEAR)[:, :, ::-1]
    return torch.from_numpy(np.ascontiguousarray(im.transpose(2, 0, 1))).float()[None] / 255


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    m = SelfAttention(); rerandomise(m)
    mask = torch.zeros(2, 7, dtype=torch.bool); mask[1, 5:] = True
    check_spread("mha", m, lambda s: (seeded(s, 2, 7, 32), mask))
    export(m, (seeded(1, 2, 7, 32), mask), "mha", ["x", "key_padding_mask"], ["y"],
           {"x": {0: "batch", 1: "seq"}, "key_padding_mask": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})

    m = CrossAttention(); rerandomise(m)
    check_spread("mha_cross", m, lambda s: (seeded(s, 2, 5, 32), seeded(s + 7, 2, 9, 24)))
    export(m, (seeded(1, 2, 5, 32), seeded(3, 2, 9, 24)), "mha_cross", ["q", "kv"], ["y"],
           {"q": {0: "batch", 1: "lq"}, "kv": {0: "batch", 1: "lkv"}, "y": {0: "batch", 1: "lq"}})

    m = Encoder(); rerandomise(m)
    check_spread("encoder", m, lambda s: (seeded(s, 2, 11, 32),))
    export(m, (seeded(1, 2, 11, 32),), "encoder", ["x"], ["y"], {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})

    from torchvision.models.vision_transformer import VisionTransformer
    m = VisionTransformer(image_size=224, patch_size=32, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                          num_classes=1000)
    rerandomise(m)
    check_spread("vit", m, lambda s: (seeded(s, 1, 3, 224, 224),))
    export(m, (seeded(1, 1, 3, 224, 224),), "vit", ["pixel_values"], ["logits"],
           {"pixel_values": {0: "batch"}, "logits": {0: "batch"}})

    m = RTDETRTiny(); rerandomise(m); m.eval(); m.calibrate(load_image("bus.jpg"))
    check_spread("rtdetr_tiny boxes", m, lambda s: (torch.rand(1, 3, 640, 640, generator=torch.Generator().manual_seed(s)),),
                 part=lambda o: o[..., :4])
    with torch.no_grad():
        for image in ("bus.jpg", "zidane.jpg"):
            kept = (m(load_image(image))[0, :, 4:].max(-1).values > 0.25).sum().item()
            print(f"rtdetr_tiny: {kept} queries above 0.25 on {image}")
            if kept == 0:
                sys.exit("rtdetr_tiny: no detections on a sample image")
    names = "{" + ", ".join(f"{i}: '{n}'" for i, n in enumerate(COCO80)) + "}"
    export(m, (torch.rand(1, 3, 640, 640),), "rtdetr_tiny", ["images"], ["output0"],
           metadata={"names": names, "task": "detect", "imgsz": "[640, 640]", "description": "Heed RT-DETR-like fixture"})


if __name__ == "__main__":
    main()
