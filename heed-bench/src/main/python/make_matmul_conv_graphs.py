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

# name: (x [N, C, H, W], w [M, C/g, kH, kW], stride, pad, groups)
CONVS = {
    "c64_160_k3": ([1, 64, 160, 160], [64, 64, 3, 3], 1, 1, 1),
    "c128_80_k3": ([1, 128, 80, 80], [128, 128, 3, 3], 1, 1, 1),
    "c128_80_k3s2": ([1, 128, 80, 80], [128, 128, 3, 3], 2, 1, 1),
    "c256_40_k1": ([1, 256, 40, 40], [256, 256, 1, 1], 1, 0, 1),
    "dw128_80_k3": ([1, 128, 80, 80], [128, 1, 3, 3], 1, 1, 128),
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
    oh = (x[2] + 2 * pad - w[2]) // stride + 1
    ow = (x[3] + 2 * pad - w[3]) // stride + 1
    node = helper.make_node("Conv", ["X", "W", "B"], ["Y"], strides=[stride, stride], pads=[pad] * 4,
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
