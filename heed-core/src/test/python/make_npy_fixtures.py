#!/usr/bin/python3
"""Writes small .npy files with NumPy itself, so Heed's reader is tested against the real format.
    /usr/bin/python3 heed-core/src/test/python/make_npy_fixtures.py
"""
import os
import numpy as np
import numpy.lib.format as fmt

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "npy")
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "f32_2x3.npy"), np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
np.save(os.path.join(out, "f64_3.npy"), np.array([1.5, -2.25, 1e-3]))
np.save(os.path.join(out, "i64_scalar.npy"), np.array(-7, dtype=np.int64))
np.save(os.path.join(out, "i32_4.npy"), np.array([1, -2, 3, 2**31 - 1], dtype=np.int32))
np.save(os.path.join(out, "bool_2x2.npy"), np.array([[True, False], [False, True]]))
np.save(os.path.join(out, "u8_0x3.npy"), np.zeros((0, 3), dtype=np.uint8))
np.save(os.path.join(out, "f32_fortran.npy"), np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
with open(os.path.join(out, "f32_v2.npy"), "wb") as f:
    fmt.write_array(f, np.array([[1, 2], [3, 4]], dtype=np.float32), version=(2, 0))
