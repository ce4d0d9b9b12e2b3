#!/usr/bin/python3
"""Full-size vision benchmark models for heed-bench, written from their papers (Debian's python3-torch 1.13 +
python3-torchvision; NOT a pyenv python):

    /usr/bin/python3 heed-bench/src/main/python/make_vision_models.py            # full size → .heed-models/ (ignored)
    /usr/bin/python3 heed-bench/src/main/python/make_vision_models.py --small    # the small test copy (committed)
    /usr/bin/python3 heed-bench/src/main/python/make_vision_models.py --vit      # only vit_b_16

Full size, into `.heed-models/` at the repository root (git-ignored, never committed):
  rtdetr_l_opset17.onnx   an RT-DETR-l-sized detector written from the RT-DETR paper (Zhao et al., "DETRs Beat YOLOs
                          on Real-time Object Detection", arXiv 2304.08069) and the HGNetv2-L backbone description:
                          HG stem (two 2×2 convs beside a 2×2 max-pool, with the asymmetric pads), four HG stages with
                          the published widths (mid 48/96/192/384, out 128/512/1024/2048, 1/1/3/1 blocks of 6 layers,
                          light depthwise 5×5 layers in stages 3 and 4), the AIFI encoder layer (one post-norm
                          Transformer layer, 8 heads, FFN 1024, 2-D sin-cos positions) on the stride-32 level, the
                          CCFM neck (top-down FPN and bottom-up PAN with RepC3 fusion blocks of three 3×3 convs, in
                          their fused deploy form), and the decoder: IoU-free top-300 query selection over the 8400
                          encoder tokens, 6 layers of self-attention + multi-scale deformable cross-attention
                          (8 heads, 3 levels, 4 points, bilinear sampling through grid_sample) + FFN 1024, iterative box
                          refinement, the class head on the last layer. Input `images` [1, 3, 640, 640], output
                          `output0` [1, 300, 84] (cx, cy, w, h, 80 class scores), opset 17, random (seeded) weights.
  vit_b_16_opset17.onnx   torchvision's vit_b_16 with random weights, input `pixel_values` [1, 3, 224, 224], output
                          `logits` [1, 1000].

--small writes heed-onnx/src/test/resources/models/rtdetr_hg_small_opset17.onnx: exactly the same structure with tiny
widths (every layer, block count, 6 decoder layers and 300 queries kept) for ModelsVsOrtTest.

The script prints parameters and GFLOPs (2 × multiply-adds of every conv, linear and attention matmul, as
Ultralytics and the RT-DETR paper count them) and fails if the full-size detector is outside ±15 % of the published
32 M parameters / 110 GFLOPs.
"""
import math
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
BIG = os.path.join(ROOT, ".heed-models")
SMALL = os.path.join(ROOT, "heed-onnx", "src", "test", "resources", "models")


# ---------------------------------------------------------------- building blocks

class ConvBN(nn.Module):
    """Conv (no bias) + BatchNorm + activation; groups for depthwise; explicit padding (default k // 2)."""

    def __init__(self, cin, cout, k=1, s=1, p=None, g=1, act=nn.SiLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, k // 2 if p is None else p, groups=g, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = act() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class HGStem(nn.Module):
    """HGNetv2 stem: 3×3/2 conv, then a 2×2 conv pair beside a 2×2 max-pool (both after a right/bottom pad of 1),
    concatenated, 3×3/2 conv, 1×1 conv. Stride 4 in all."""

    def __init__(self, cin, cm, cout):
        super().__init__()
        self.stem1 = ConvBN(cin, cm, 3, 2, act=nn.ReLU)
        self.stem2a = ConvBN(cm, cm // 2, 2, 1, 0, act=nn.ReLU)
        self.stem2b = ConvBN(cm // 2, cm, 2, 1, 0, act=nn.ReLU)
        self.stem3 = ConvBN(cm * 2, cm, 3, 2, act=nn.ReLU)
        self.stem4 = ConvBN(cm, cout, 1, 1, act=nn.ReLU)
        self.pool = nn.MaxPool2d(2, 1, 0, ceil_mode=True)

    def forward(self, x):
        x = F.pad(self.stem1(x), [0, 1, 0, 1])
        x2 = self.stem2b(F.pad(self.stem2a(x), [0, 1, 0, 1]))
        x = torch.cat([self.pool(x), x2], 1)
        return self.stem4(self.stem3(x))


class LightConv(nn.Module):
    """1×1 conv (no activation) then a k×k depthwise conv with ReLU."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv1 = ConvBN(cin, cout, 1, act=None)
        self.conv2 = ConvBN(cout, cout, k, g=cout, act=nn.ReLU)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class HGBlock(nn.Module):
    """n layers chained, every intermediate concatenated with the input, squeezed to cout / 2 and excited to cout."""

    def __init__(self, cin, cm, cout, k, n=6, light=False, shortcut=False):
        super().__init__()
        self.m = nn.ModuleList(
            (LightConv(cin if i == 0 else cm, cm, k) if light else ConvBN(cin if i == 0 else cm, cm, k, act=nn.ReLU))
            for i in range(n))
        self.sc = ConvBN(cin + n * cm, cout // 2, 1, act=nn.ReLU)
        self.ec = ConvBN(cout // 2, cout, 1, act=nn.ReLU)
        self.add = shortcut and cin == cout

    def forward(self, x):
        y = [x]
        for m in self.m:
            y.append(m(y[-1]))
        y = self.ec(self.sc(torch.cat(y, 1)))
        return y + x if self.add else y


class HGNetv2(nn.Module):
    """Stem, then four stages: stage i > 1 starts with a 3×3/2 depthwise downsample (no activation)."""

    def __init__(self, w):
        super().__init__()
        self.stem = HGStem(3, w["stem"][0], w["stem"][1])
        stages, cin = [], w["stem"][1]
        for i, (cm, cout, k, blocks, light) in enumerate(w["stages"]):
            mods = [] if i == 0 else [ConvBN(cin, cin, 3, 2, g=cin, act=None)]
            for b in range(blocks):
                mods.append(HGBlock(cin if b == 0 else cout, cm, cout, k, 6, light, shortcut=b > 0))
            stages.append(nn.Sequential(*mods))
            cin = cout
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        x = self.stem(x)
        out = []
        for s in self.stages:
            x = s(x)
            out.append(x)
        return out[1:]  # strides 8, 16, 32


def sincos_2d(w, h, dim, temperature=10000.0):
    """2-D sin-cos position embedding [1, w*h, dim]: sin/cos of x, then sin/cos of y (AIFI)."""
    gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    pos_dim = dim // 4
    omega = 1.0 / temperature ** (torch.arange(pos_dim, dtype=torch.float32) / pos_dim)
    ox = gx.flatten()[:, None] * omega[None]
    oy = gy.flatten()[:, None] * omega[None]
    return torch.cat([ox.sin(), ox.cos(), oy.sin(), oy.cos()], 1)[None]


class AIFI(nn.Module):
    """Attention-based intra-scale feature interaction: one post-norm Transformer encoder layer on the S5 tokens."""

    def __init__(self, c, ffn, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(c, ffn), nn.Linear(ffn, c)
        self.norm1, self.norm2 = nn.LayerNorm(c), nn.LayerNorm(c)

    def forward(self, x):  # x [B, C, H, W]
        b, c, h, w = x.shape
        pos = sincos_2d(w, h, c)
        src = x.flatten(2).permute(0, 2, 1)
        qk = src + pos
        src = self.norm1(src + self.attn(qk, qk, src, need_weights=False)[0])
        src = self.norm2(src + self.fc2(F.gelu(self.fc1(src))))
        return src.permute(0, 2, 1).view(b, c, h, w)


class RepC3(nn.Module):
    """CCFM fusion block: cv3(m(cv1(x)) + cv2(x)), m = n RepConvs (3×3 ∥ 1×1, in their fused deploy form: one 3×3)."""

    def __init__(self, cin, cout, n=3):
        super().__init__()
        self.cv1, self.cv2 = ConvBN(cin, cout), ConvBN(cin, cout)
        self.m = nn.Sequential(*(ConvBN(cout, cout, 3) for _ in range(n)))

    def forward(self, x):
        return self.m(self.cv1(x)) + self.cv2(x)


class CCFM(nn.Module):
    """Cross-scale feature fusion: AIFI on S5, top-down (lateral 1×1, nearest ×2, concat, RepC3) and bottom-up
    (3×3/2, concat, RepC3) paths. Returns the three fused maps at strides 8/16/32, `hd` channels each."""

    def __init__(self, chs, hd, ffn, heads):
        super().__init__()
        self.proj5 = ConvBN(chs[2], hd, act=None)
        self.aifi = AIFI(hd, ffn, heads)
        self.lat5 = ConvBN(hd, hd)
        self.proj4 = ConvBN(chs[1], hd, act=None)
        self.fpn4 = RepC3(2 * hd, hd)
        self.lat4 = ConvBN(hd, hd)
        self.proj3 = ConvBN(chs[0], hd, act=None)
        self.fpn3 = RepC3(2 * hd, hd)
        self.down3 = ConvBN(hd, hd, 3, 2)
        self.pan4 = RepC3(2 * hd, hd)
        self.down4 = ConvBN(hd, hd, 3, 2)
        self.pan5 = RepC3(2 * hd, hd)

    def forward(self, s3, s4, s5):
        y5 = self.lat5(self.aifi(self.proj5(s5)))
        y4 = self.lat4(self.fpn4(torch.cat([F.interpolate(y5, scale_factor=2.0, mode="nearest"), self.proj4(s4)], 1)))
        x3 = self.fpn3(torch.cat([F.interpolate(y4, scale_factor=2.0, mode="nearest"), self.proj3(s3)], 1))
        f4 = self.pan4(torch.cat([self.down3(x3), y4], 1))
        f5 = self.pan5(torch.cat([self.down4(f4), y5], 1))
        return x3, f4, f5


def mlp(din, dh, dout, layers):
    mods = []
    for i in range(layers):
        mods.append(nn.Linear(din if i == 0 else dh, dout if i == layers - 1 else dh))
        if i < layers - 1:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


class MSDeformAttn(nn.Module):
    """Multi-scale deformable attention (Zhu et al., Deformable DETR): per head, level and point a learnt offset
    around the reference box, bilinear sampling through grid_sample, softmax weights over levels × points."""

    def __init__(self, d, heads, levels, points):
        super().__init__()
        self.h, self.l, self.p, self.hd = heads, levels, points, d // heads
        self.offsets = nn.Linear(d, heads * levels * points * 2)
        self.weights = nn.Linear(d, heads * levels * points)
        self.value = nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, query, ref, memory, shapes):  # query [B, Q, d], ref [B, Q, 4] (cx, cy, w, h), memory [B, N, d]
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


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, levels, points):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.cross = MSDeformAttn(d, heads, levels, points)
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, tgt, pos, ref, memory, shapes):
        qk = tgt + pos
        tgt = self.n1(tgt + self.self_attn(qk, qk, tgt, need_weights=False)[0])
        tgt = self.n2(tgt + self.cross(tgt + pos, ref, memory, shapes))
        return self.n3(tgt + self.fc2(F.relu(self.fc1(tgt))))


class RTDETRDecoder(nn.Module):
    def __init__(self, hd, heads, ffn, layers, queries, nc, size, levels=3, points=4):
        super().__init__()
        self.q, self.nc = queries, nc
        self.shapes = [(size // s, size // s) for s in (8, 16, 32)]
        self.input_proj = nn.ModuleList([nn.Sequential(nn.Conv2d(hd, hd, 1, bias=False), nn.BatchNorm2d(hd))
                                         for _ in range(levels)])
        anchors = []
        for lvl, (hh, ww) in enumerate(self.shapes):
            gy, gx = torch.meshgrid(torch.arange(hh, dtype=torch.float32), torch.arange(ww, dtype=torch.float32),
                                    indexing="ij")
            xy = (torch.stack([gx, gy], -1) + 0.5) / torch.tensor([ww, hh], dtype=torch.float32)
            anchors.append(torch.cat([xy, torch.full_like(xy, 0.05 * 2.0 ** lvl)], -1).view(-1, 4))
        a = torch.cat(anchors)[None]
        valid = ((a > 0.01) & (a < 0.99)).all(-1, keepdim=True)
        self.register_buffer("anchors", torch.log(a / (1 - a)).masked_fill(~valid, float("inf")), persistent=False)
        self.register_buffer("valid", valid.float(), persistent=False)
        self.enc_output = nn.Sequential(nn.Linear(hd, hd), nn.LayerNorm(hd))
        self.enc_score = nn.Linear(hd, nc)
        self.enc_bbox = mlp(hd, hd, 4, 3)
        self.query_pos = mlp(4, 2 * hd, hd, 2)
        self.layers = nn.ModuleList([DecoderLayer(hd, heads, ffn, levels, points) for _ in range(layers)])
        self.bbox_heads = nn.ModuleList([mlp(hd, hd, 4, 3) for _ in range(layers)])
        self.score_head = nn.Linear(hd, nc)  # only the last layer's class head runs at inference

    def forward(self, feats):
        memory = torch.cat([p(f).flatten(2).permute(0, 2, 1) for p, f in zip(self.input_proj, feats)], 1)  # [B, N, hd]
        b, _, hd = memory.shape
        out = self.enc_output(self.valid * memory)
        idx = torch.topk(self.enc_score(out).max(-1).values, self.q, dim=1).indices  # [B, Q]
        target = torch.gather(out, 1, idx.unsqueeze(-1).repeat(1, 1, hd))
        anchors = torch.gather(self.anchors.expand(b, -1, -1), 1, idx.unsqueeze(-1).repeat(1, 1, 4))
        ref = (self.enc_bbox(target) + anchors).sigmoid()
        tgt = target
        for i, layer in enumerate(self.layers):
            tgt = layer(tgt, self.query_pos(ref), ref, memory, self.shapes)
            ref_logit = torch.log(ref.clamp(min=1e-5) / (1 - ref).clamp(min=1e-5))
            ref = (self.bbox_heads[i](tgt) + ref_logit).sigmoid()
        return torch.cat([ref, self.score_head(tgt).sigmoid()], -1)  # [B, Q, 4 + nc]


class RTDETR(nn.Module):
    def __init__(self, w, nc=80, size=640):
        super().__init__()
        self.backbone = HGNetv2(w)
        chs = [s[1] for s in w["stages"][1:]]
        self.neck = CCFM(chs, w["hd"], w["ffn"], w["heads"])
        self.head = RTDETRDecoder(w["hd"], w["heads"], w["ffn"], 6, 300, nc, size)

    def forward(self, images):
        return self.head(self.neck(*self.backbone(images)))


# HGNetv2-L (PaddleDetection / RT-DETR): stem 32 → 48; stages (mid, out, kernel, blocks, light)
LARGE = {"stem": (32, 48), "stages": [(48, 128, 3, 1, False), (96, 512, 3, 1, False), (192, 1024, 5, 3, True),
                                      (384, 2048, 5, 1, True)], "hd": 256, "ffn": 1024, "heads": 8}
TINY = {"stem": (8, 8), "stages": [(8, 16, 3, 1, False), (8, 16, 3, 1, False), (8, 32, 5, 3, True),
                                   (8, 32, 5, 1, True)], "hd": 32, "ffn": 64, "heads": 4}


# ---------------------------------------------------------------- counting

def count_gflops(model, x):
    """2 × multiply-adds of every Conv2d, Linear and MultiheadAttention's two attention matmuls, at input x."""
    macs = [0]

    def conv(m, i, o):
        macs[0] += o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def lin(m, i, o):
        macs[0] += o.numel() * m.in_features

    def mha(m, i, o):
        # torchvision passes query/key/value as keywords (hooks then see no inputs): self-attention, lk = lq
        lq = o[0].shape[1]
        lk = i[1].shape[1] if len(i) > 1 else lq
        macs[0] += 2 * lq * lk * m.embed_dim  # Q·Kᵀ and P·V
        macs[0] += (2 * lq + 2 * lk) * m.embed_dim * m.embed_dim  # q, k, v and out projections (out_proj skipped below)

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv))
        elif isinstance(m, nn.Linear) and not isinstance(m, nn.modules.linear.NonDynamicallyQuantizableLinear):
            hooks.append(m.register_forward_hook(lin))
        elif isinstance(m, nn.MultiheadAttention):
            hooks.append(m.register_forward_hook(mha))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return 2 * macs[0] / 1e9


def rerandomise(model):
    """Default inits leave biases and BN statistics trivial; give every parameter a real spread (small copy only)."""
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p[0].numel()))
            elif name.endswith("weight"):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def export(model, x, path, input_name, output_name):
    model.eval()
    torch.onnx.export(model, (x,), path, opset_version=17, input_names=[input_name], output_names=[output_name],
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"{path}: {os.path.getsize(path) / 2 ** 20:.1f} MiB, {len(m.graph.node)} nodes {dict(sorted(ops.items()))}")


def main():
    small = "--small" in sys.argv[1:]
    if "--vit" in sys.argv[1:]:
        export_vit()
        return
    torch.manual_seed(0)
    x = torch.rand(1, 3, 640, 640, generator=torch.Generator().manual_seed(7))
    m = RTDETR(TINY if small else LARGE).eval()
    if small:
        rerandomise(m)
    params = sum(p.numel() for p in m.parameters()) / 1e6
    gflops = count_gflops(m, x)
    with torch.no_grad():
        y = m(x)
    print(f"rtdetr ({'small' if small else 'l'}): {params:.2f} M parameters, {gflops:.1f} GFLOPs at 640², "
          f"output {list(y.shape)}, box std {y[..., :4].std():.3f}, score std {y[..., 4:].std():.3f}")
    if not torch.isfinite(y).all():
        sys.exit("rtdetr: non-finite output")
    if small:
        export(m, x, os.path.join(SMALL, "rtdetr_hg_small_opset17.onnx"), "images", "output0")
        return
    if not (0.85 * 32 <= params <= 1.15 * 32 and 0.85 * 110 <= gflops <= 1.15 * 110):
        sys.exit(f"rtdetr-l: {params:.1f} M / {gflops:.1f} GFLOPs is outside ±15 % of 32 M / 110 GFLOPs")
    os.makedirs(BIG, exist_ok=True)
    export(m, x, os.path.join(BIG, "rtdetr_l_opset17.onnx"), "images", "output0")
    export_vit()


def export_vit():
    from torchvision.models import vit_b_16
    os.makedirs(BIG, exist_ok=True)
    v = vit_b_16(weights=None).eval()
    xv = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(7))
    print(f"vit_b_16: {sum(p.numel() for p in v.parameters()) / 1e6:.1f} M parameters, "
          f"{count_gflops(v, xv):.1f} GFLOPs at 224²")
    export(v, xv, os.path.join(BIG, "vit_b_16_opset17.onnx"), "pixel_values", "logits")


if __name__ == "__main__":
    main()
