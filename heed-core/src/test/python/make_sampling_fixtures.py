#!/usr/bin/python3
"""Expected outputs of PyTorch's grid_sample and interpolate, for GridSampleTest and ResizeTest.
    /usr/bin/python3 heed-core/src/test/python/make_sampling_fixtures.py
"""
import os
import numpy as np
import torch
import torch.nn.functional as F

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "sampling")
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(7)
x = torch.randn(2, 3, 5, 7, generator=g)
grid = torch.rand(2, 4, 6, 2, generator=g) * 2.6 - 1.3          # reaches outside [-1, 1]
grid[0, 0, 0] = torch.tensor([-1.0, 1.0]); grid[0, 0, 1] = torch.tensor([0.0, 0.0])  # corners and centre
np.save(os.path.join(out, "gs_x.npy"), x.numpy())
np.save(os.path.join(out, "gs_grid.npy"), grid.numpy())
for mode in ("bilinear", "nearest", "bicubic"):
    for pad in ("zeros", "border", "reflection"):
        for ac in (False, True):
            y = F.grid_sample(x.double(), grid.double(), mode=mode, padding_mode=pad, align_corners=ac).float()
            np.save(os.path.join(out, f"gs_{mode}_{pad}_{int(ac)}.npy"), y.numpy())

xi = torch.randn(1, 2, 5, 7, generator=g)
np.save(os.path.join(out, "rs_x.npy"), xi.numpy())
for name, kw in {
    "nearest": dict(mode="nearest"),
    "bilinear_ac0": dict(mode="bilinear", align_corners=False),
    "bilinear_ac1": dict(mode="bilinear", align_corners=True),
    "bicubic_ac0": dict(mode="bicubic", align_corners=False),
}.items():
    for size in ((9, 4), (10, 14), (1, 3)):
        y = F.interpolate(xi.double(), size=size, **kw).float()
        np.save(os.path.join(out, f"rs_{name}_{size[0]}x{size[1]}.npy"), y.numpy())
