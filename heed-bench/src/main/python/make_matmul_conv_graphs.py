#!/usr/bin/python3
"""Writes the tiny ONNX graphs GemmBench and ConvBench run on ONNX Runtime.

Every weight is a graph INPUT (not an initializer), so each file is a few hundred bytes and ONNX Runtime
cannot pre-pack it as a constant -- the same situation as Heed's gemm/conv2d calls, which see fresh operands.

Run from the repository root:  /usr/bin/python3 heed-bench/src/main/python/make_matmul_conv_graphs.py
Shapes must match GemmBench.SHAPES and ConvBench.SPECS.
"""
import os

import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "onnx")
OPSET = 17

# M x K x N
MATMULS = ["1024x1024x1024", "2048x2048x2048", "128x384x384", "128x384x1536", "128x1536x384",
           "768x384x384", "768x384x1536", "768x1536x384", "4096x384x384", "4096x384x1536", "4096x1536x384"]

# name: (x [N, C, H, W], w [M, C/g, kH, kW], stride, pad (all sides) or pads [top, left, bottom, right], groups)
CONVS = {
    "c64_160_k3": ([1, 64, 160, 160], [64, 64, 3, 3], 1, 1, 1),
    "c128_80_k3": ([1, 128, 80, 80], [128, 128, 3, 3], 1, 1, 1),
    "c128_80_k3s2": ([1, 128, 80, 80], [128, 128, 3, 3], 2, 1, 1),
    "c256_40_k1": ([1, 256, 40, 40], [256, 256, 1, 1], 1, 0, 1),
    "dw128_80_k3": ([1, 128, 80, 80], [128, 1, 3, 3], 1, 1, 128),
    # RT-DETR-l's HGNetv2 backbone at 640²: stem, stage-1 3x3, stage-2 depthwise downsample, stage-3 depthwise 5x5
    "c3_640_k3s2": ([1, 3, 640, 640], [32, 3, 3, 3], 2, 1, 1),
    "c32_320_k2": ([1, 32, 320, 320], [16, 32, 2, 2], 1, [0, 0, 1, 1], 1),
    "c16_320_k2": ([1, 16, 320, 320], [32, 16, 2, 2], 1, [0, 0, 1, 1], 1),
    "c64_320_k3s2": ([1, 64, 320, 320], [32, 64, 3, 3], 2, 1, 1),
    "c48_160_k3": ([1, 48, 160, 160], [48, 48, 3, 3], 1, 1, 1),
    "dw128_160_k3s2": ([1, 128, 160, 160], [128, 1, 3, 3], 2, 1, 128),
    "dw192_40_k5": ([1, 192, 40, 40], [192, 1, 5, 5], 1, 2, 192),
}


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="heed-bench")
    model.ir_version = 8  # readable by ONNX Runtime 1.22
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(path, os.path.getsize(path), "bytes")


def matmul(spec):
    m, k, n = (int(v) for v in spec.split("x"))
    g = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])], "matmul_" + spec,
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [k, n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])])
    save(g, "matmul_%s.onnx" % spec)


def conv(name, x, w, stride, pad, groups):
    t, l, b, r = pad if isinstance(pad, list) else [pad] * 4
    oh = (x[2] + t + b - w[2]) // stride + 1
    ow = (x[3] + l + r - w[3]) // stride + 1
    # ONNX pads order: x1_begin, x2_begin, x1_end, x2_end = top, left, bottom, right
    node = helper.make_node("Conv", ["X", "W", "B"], ["Y"], strides=[stride, stride], pads=[t, l, b, r],
                            dilations=[1, 1], group=groups, kernel_shape=w[2:])
    g = helper.make_graph(
        [node], "conv_" + name,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, x),
         helper.make_tensor_value_info("W", TensorProto.FLOAT, w),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [w[0]])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [x[0], w[0], oh, ow])])
    save(g, "conv_%s.onnx" % name)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for s in MATMULS:
        matmul(s)
    for name, spec in CONVS.items():
        conv(name, *spec)
