#!/usr/bin/env python3
"""Builds the ONNX Runtime peer graphs of AttentionBench (run from the repository root or anywhere).

attention_unfused.onnx : Q, K, V [B, H, L|S, E] -> MatMul(Q, Transpose(K)) -> Mul(1/sqrt(E)) -> Softmax -> MatMul(V)
attention_mha.onnx     : com.microsoft MultiHeadAttention, query/key/value [B, L|S, H*E], num_heads = H

B, L and S are dynamic; H = 12 and E = 64 are fixed (the benchmark's shape). Requires the `onnx` package only.
"""
import math
import os

import onnx
from onnx import TensorProto, helper

H, E = 12, 64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "onnx")


def unfused():
    q = helper.make_tensor_value_info("Q", TensorProto.FLOAT, ["B", H, "L", E])
    k = helper.make_tensor_value_info("K", TensorProto.FLOAT, ["B", H, "S", E])
    v = helper.make_tensor_value_info("V", TensorProto.FLOAT, ["B", H, "S", E])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["B", H, "L", E])
    scale = helper.make_tensor("scale", TensorProto.FLOAT, [], [1.0 / math.sqrt(E)])
    nodes = [
        helper.make_node("Transpose", ["K"], ["Kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["Q", "Kt"], ["scores"]),
        helper.make_node("Mul", ["scores", "scale"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["probs"], axis=-1),
        helper.make_node("MatMul", ["probs", "V"], ["Y"]),
    ]
    graph = helper.make_graph(nodes, "attention_unfused", [q, k, v], [y], initializer=[scale])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="heed-bench")


def mha():
    d = H * E
    q = helper.make_tensor_value_info("query", TensorProto.FLOAT, ["B", "L", d])
    k = helper.make_tensor_value_info("key", TensorProto.FLOAT, ["B", "S", d])
    v = helper.make_tensor_value_info("value", TensorProto.FLOAT, ["B", "S", d])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["B", "L", d])
    node = helper.make_node("MultiHeadAttention", ["query", "key", "value"], ["output"],
                            domain="com.microsoft", num_heads=H)
    graph = helper.make_graph([node], "attention_mha", [q, k, v], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                             producer_name="heed-bench")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    m = unfused()
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT_DIR, "attention_unfused.onnx"))
    onnx.save(mha(), os.path.join(OUT_DIR, "attention_mha.onnx"))  # contrib op: the checker does not know it
    print("wrote", os.path.normpath(OUT_DIR))


if __name__ == "__main__":
    main()
