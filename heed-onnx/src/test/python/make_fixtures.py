#!/usr/bin/python3
"""Writes the tiny ONNX fixtures of heed-onnx's reader/session tests into ../resources/onnx/.

Run: /usr/bin/python3 heed-onnx/src/test/python/make_fixtures.py   (needs Debian's python3-onnx, 1.12 works)
Every fixture is a few hundred bytes; the tests state what each one must decode to.
"""
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "onnx")
os.makedirs(OUT, exist_ok=True)


def save(model, name):
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    onnx.checker.check_model(path)  # by path, so that external data is found


# 1. raw_data vs typed-field initializers, metadata_props, symbolic input dims.
#    outputs: raw = [1, 2, 3] (raw_data), typed = [1, 2, 3] (float_data), ints = [7, -8] (int64_data),
#             xt = transpose(x) for x: float[batch, 3]
w_raw = numpy_helper.from_array(np.array([1, 2, 3], dtype=np.float32), "w_raw")            # raw_data
w_typed = helper.make_tensor("w_typed", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])             # float_data
i_typed = helper.make_tensor("i_typed", TensorProto.INT64, [2], [7, -8])                     # int64_data
graph = helper.make_graph(
    [helper.make_node("Identity", ["w_raw"], ["raw"], name="id_raw"),
     helper.make_node("Identity", ["w_typed"], ["typed"], name="id_typed"),
     helper.make_node("Identity", ["i_typed"], ["ints"], name="id_ints"),
     helper.make_node("Transpose", ["x"], ["xt"], name="transpose", perm=[1, 0])],
    "initializers",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
    [helper.make_tensor_value_info("raw", TensorProto.FLOAT, [3]),
     helper.make_tensor_value_info("typed", TensorProto.FLOAT, [3]),
     helper.make_tensor_value_info("ints", TensorProto.INT64, [2]),
     helper.make_tensor_value_info("xt", TensorProto.FLOAT, [3, "batch"])],
    [w_raw, w_typed, i_typed])
m = helper.make_model(graph, producer_name="heed-fixture", opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
helper.set_model_props(m, {"names": "{0: 'person', 1: 'bus'}", "stride": "32"})
save(m, "initializers.onnx")

# 2. external data: w = [10, 20, 30, 40] float32 at offset 8 of external.bin (8 junk bytes first).
with open(os.path.join(OUT, "external.bin"), "wb") as f:
    f.write(b"JUNKJUNK")
    f.write(struct.pack("<4f", 10, 20, 30, 40))
w_ext = TensorProto()
w_ext.name = "w_ext"
w_ext.data_type = TensorProto.FLOAT
w_ext.dims.extend([2, 2])
w_ext.data_location = TensorProto.EXTERNAL
for k, v in (("location", "external.bin"), ("offset", "8"), ("length", "16")):
    e = w_ext.external_data.add()
    e.key, e.value = k, v
graph = helper.make_graph(
    [helper.make_node("Identity", ["w_ext"], ["w"], name="id_ext")],
    "external", [], [helper.make_tensor_value_info("w", TensorProto.FLOAT, [2, 2])], [w_ext])
m = helper.make_model(graph, producer_name="heed-fixture", opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
save(m, "external.onnx")

# 3. The shape chain exporters emit: Shape -> Gather -> Unsqueeze -> Concat -> Reshape, on a static input.
#    y = reshape(x, [x.shape[0], -1]) for x: float[2, 3, 4]  -> [2, 12]; everything but the Reshape folds.
graph = helper.make_graph(
    [helper.make_node("Shape", ["x"], ["s"], name="shape"),
     helper.make_node("Constant", [], ["zero"], name="c0", value=helper.make_tensor("zero", TensorProto.INT64, [], [0])),
     helper.make_node("Gather", ["s", "zero"], ["d0"], name="gather", axis=0),
     helper.make_node("Constant", [], ["ax"], name="c1", value_ints=[0]),
     helper.make_node("Unsqueeze", ["d0", "ax"], ["d0u"], name="unsqueeze"),
     helper.make_node("Constant", [], ["minus1"], name="c2", value_ints=[-1]),
     helper.make_node("Concat", ["d0u", "minus1"], ["target"], name="concat", axis=0),
     helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape"),
     helper.make_node("Shape", ["y"], ["unused"], name="dead_shape")],
    "shape_chain",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 12])])
m = helper.make_model(graph, producer_name="heed-fixture", opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
save(m, "shape_chain.onnx")
print("wrote fixtures to", os.path.normpath(OUT))
