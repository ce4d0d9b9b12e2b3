#!/usr/bin/python3
"""Writes the reference data for heed-models' vision tests (dev.heed.vision.*Test).

Run from the repository root with Debian's interpreter (python3-opencv 4.6, Pillow 9.4, torchvision 0.14):

    /usr/bin/python3 heed-models/src/test/python/vision_make_references.py

Outputs go to heed-models/src/test/resources/vision/:
  * synthetic input images (PNG, JPEG with EXIF orientation 6, CMYK JPEG, RGBA, grayscale, 1x1, 1280x1280),
  * cv_<name>_<W>x<H>.npy : uint8 [H, W, 3] RGB = cv2.imread -> cv2.resize(INTER_LINEAR) -> BGR->RGB
    (exactly the Ultralytics RT-DETR predictor before /255 and HWC->CHW),
  * cvdec_<name>.npy      : uint8 [H, W, 3] RGB = cv2.imread alone (small images only: decoding + EXIF check),
  * vit_<name>.npy        : uint8 [224, 224, 3] = PIL open -> convert('RGB') -> torchvision Resize(256, bilinear,
    antialias) -> CenterCrop(224), i.e. the image that ToTensor + Normalize turn into the ViT input.
Everything is stored as uint8 (not float) to keep the committed data small; the Java tests divide by 255.
"""
import os
import sys

import cv2
import numpy as np
from PIL import Image
import torchvision.transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "vision"))
REAL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "data", "images"))


def cv_resized(path, w, h):
    bgr = cv2.imread(path)  # IMREAD_COLOR: EXIF orientation applied, alpha dropped, gray replicated
    assert bgr is not None, path
    out = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(out[:, :, ::-1])


def cv_decoded(path):
    bgr = cv2.imread(path)
    assert bgr is not None, path
    return np.ascontiguousarray(bgr[:, :, ::-1])


def vit_crop(path):
    img = Image.open(path).convert("RGB")
    tf = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop(224)])
    return np.asarray(tf(img), dtype=np.uint8).copy()


def synthetic():
    rng = np.random.default_rng(20240613)
    made = {}
    # 37x23 random RGB: a 17x upscale, every pixel is an edge.
    a = rng.integers(0, 256, size=(23, 37, 3), dtype=np.uint8)
    Image.fromarray(a, "RGB").save(os.path.join(OUT, "synth_37x23.png"))
    made["synth_37x23.png"] = a
    # the same pixels as lossless WebP (read through the TwelveMonkeys plugin; must decode to the PNG's pixels)
    Image.fromarray(a, "RGB").save(os.path.join(OUT, "synth_37x23_lossless.webp"), lossless=True)
    # 1000x333 gradient + structure + noise: a non-integer downscale.
    y, x = np.mgrid[0:333, 0:1000]
    b = np.stack([(x * 255 // 999), (y * 255 // 332), ((x * 7 + y * 13) % 256)], axis=-1)
    b = np.clip(b + rng.integers(-2, 3, size=b.shape), 0, 255).astype(np.uint8)
    Image.fromarray(b, "RGB").save(os.path.join(OUT, "synth_1000x333.png"))
    # grayscale 101x77
    g = ((np.add.outer(np.arange(77) * 3, np.arange(101) * 2)) % 256).astype(np.uint8)
    Image.fromarray(g, "L").save(os.path.join(OUT, "synth_gray_101x77.png"))
    # RGBA 50x40 with a varying alpha (imread IMREAD_COLOR drops alpha, no compositing)
    r = rng.integers(0, 256, size=(40, 50, 4), dtype=np.uint8)
    Image.fromarray(r, "RGBA").save(os.path.join(OUT, "synth_rgba_50x40.png"))
    # 1x1
    Image.fromarray(np.array([[[200, 30, 90]]], dtype=np.uint8), "RGB").save(os.path.join(OUT, "synth_1x1.png"))
    # 1280x1280: exactly 2x of 640, where OpenCV switches INTER_LINEAR to its fast INTER_AREA path.
    y, x = np.mgrid[0:1280, 0:1280]
    big = np.stack([(x * y) % 256, (x ^ y) % 256, (x + 3 * y) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(big, "RGB").save(os.path.join(OUT, "synth_1280x1280.png"), optimize=True)
    # JPEG with EXIF orientation 6 (stored 120x80, displayed 80x120): smooth content, an asymmetric marker.
    y, x = np.mgrid[0:80, 0:120]
    e = np.stack([x * 2, y * 3, np.full_like(x, 128)], axis=-1).astype(np.uint8)
    e[5:20, 5:40] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(e, "RGB").save(os.path.join(OUT, "synth_exif6_120x80.jpg"), quality=95, exif=exif.tobytes())
    # lossy WebP of smooth content (TwelveMonkeys' VP8 decoder vs libwebp in OpenCV)
    y, x = np.mgrid[0:48, 0:64]
    lw = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype(np.uint8)
    Image.fromarray(lw, "RGB").save(os.path.join(OUT, "synth_lossy_64x48.webp"), quality=90)
    # PNG with an eXIf chunk, orientation 6: OpenCV 4.6 applies it to PNGs as well
    o = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    Image.fromarray(o, "RGB").save(os.path.join(OUT, "synth_exif6_30x20.png"), exif=exif.tobytes())
    # CMYK JPEG (Pillow writes Adobe-inverted CMYK with an APP14 marker, as Photoshop does)
    c = np.zeros((48, 64, 4), dtype=np.uint8)
    c[:, :32, 0] = 200   # cyan left
    c[:, 32:, 1] = 180   # magenta right
    c[24:, :, 3] = 60    # some black at the bottom
    Image.fromarray(c, "CMYK").save(os.path.join(OUT, "synth_cmyk_64x48.jpg"), quality=95)


def save(name, arr):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(arr, dtype=np.uint8))
    print(f"{name}: {arr.shape}")


def main():
    os.makedirs(OUT, exist_ok=True)
    print("cv2", cv2.__version__, "numpy", np.__version__, file=sys.stderr)
    synthetic()
    # RT-DETR stretch, real images at 640x640
    for n in ["bus.jpg", "zidane.jpg"]:
        save(f"cv_{n.split('.')[0]}_640x640.npy", cv_resized(os.path.join(REAL, n), 640, 640))
    # synthetic: smaller targets to keep the data small
    save("cv_synth_37x23_100x61.npy", cv_resized(os.path.join(OUT, "synth_37x23.png"), 100, 61))
    save("cv_synth_1000x333_160x160.npy", cv_resized(os.path.join(OUT, "synth_1000x333.png"), 160, 160))
    save("cv_synth_1000x333_333x101.npy", cv_resized(os.path.join(OUT, "synth_1000x333.png"), 333, 101))
    save("cv_synth_gray_101x77_160x160.npy", cv_resized(os.path.join(OUT, "synth_gray_101x77.png"), 160, 160))
    save("cv_synth_rgba_50x40_160x160.npy", cv_resized(os.path.join(OUT, "synth_rgba_50x40.png"), 160, 160))
    save("cv_synth_1x1_16x16.npy", cv_resized(os.path.join(OUT, "synth_1x1.png"), 16, 16))
    save("cv_synth_1280x1280_640x640.npy", cv_resized(os.path.join(OUT, "synth_1280x1280.png"), 640, 640))
    save("cv_synth_exif6_120x80_160x160.npy", cv_resized(os.path.join(OUT, "synth_exif6_120x80.jpg"), 160, 160))
    save("cvdec_synth_exif6_120x80.npy", cv_decoded(os.path.join(OUT, "synth_exif6_120x80.jpg")))
    save("cvdec_synth_exif6_30x20.npy", cv_decoded(os.path.join(OUT, "synth_exif6_30x20.png")))
    save("cvdec_synth_lossy_64x48.npy", cv_decoded(os.path.join(OUT, "synth_lossy_64x48.webp")))
    save("cvdec_synth_cmyk_64x48.npy", cv_decoded(os.path.join(OUT, "synth_cmyk_64x48.jpg")))
    save("cvdec_synth_rgba_50x40.npy", cv_decoded(os.path.join(OUT, "synth_rgba_50x40.png")))
    save("cvdec_synth_gray_101x77.npy", cv_decoded(os.path.join(OUT, "synth_gray_101x77.png")))
    # ViT / torchvision
    for n in ["bus.jpg", "zidane.jpg"]:
        save(f"vit_{n.split('.')[0]}.npy", vit_crop(os.path.join(REAL, n)))
    save("vit_synth_1000x333.npy", vit_crop(os.path.join(OUT, "synth_1000x333.png")))
    save("vit_synth_37x23.npy", vit_crop(os.path.join(OUT, "synth_37x23.png")))


if __name__ == "__main__":
    main()
