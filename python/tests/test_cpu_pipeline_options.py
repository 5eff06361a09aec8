"""dnn-cpu-loop-order (loop reordering, im2col) must not change any number.

Each case runs one network three ways through dnn-run, on the same seeded
random inputs: as shipped, with every convolution direct
(`im2col-below-width=0`), and with linalg's default loop order
(`loop-order=0`, the untransformed reference). The outputs must be
bit-identical: the transformations keep each output element's summation
order. (That the shipped configuration matches NumPy is
test_cpu_reference.py's job.)
"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

import numpy_reference as ref

CONFIGS = {
    "default": [],
    "direct": ["--cpu-pipeline=im2col-below-width=0"],
    "untransformed": ["--cpu-pipeline=loop-order=0"],
}

# (name, input NCHW, F, kernel, stride, padding, dilation, groups)
CASES = [
    ("narrow", (1, 8, 9, 9), 16, 3, 1, 1, 1, 1),
    ("wide", (1, 4, 40, 40), 8, 3, 1, 1, 1, 1),
    ("strided_wide", (2, 3, 70, 66), 8, 5, 2, 2, 1, 1),
    ("pointwise_strided", (1, 16, 14, 14), 32, 1, 2, 0, 1, 1),
    ("dilated", (1, 4, 12, 12), 4, 3, 1, 2, 2, 1),
    ("grouped", (1, 8, 10, 10), 8, 3, 1, 1, 1, 2),
]


def conv_module(x, f, k, s, p, d, g):
    n, c, h, w = x
    oh = (h + 2 * p - d * (k - 1) - 1) // s + 1
    ow = (w + 2 * p - d * (k - 1) - 1) // s + 1
    tx = ref.tensor_type(x, "f32")
    tw = ref.tensor_type((f, c // g, k, k), "f32")
    ty = ref.tensor_type((n, f, oh, ow), "f32")
    tb = ref.tensor_type((f,), "f32")
    text = (
        f"func.func @main(%x: {tx}, %w: {tw}, %b: {tb}) -> {ty} {{\n"
        f"  %y = dnn.conv2d %x, %w, %b {{strides = array<i64: {s}, {s}>, "
        f"padding = array<i64: {p}, {p}, {p}, {p}>, dilation = array<i64: {d}, {d}>, "
        f"groups = {g} : i64}} : ({tx}, {tw}, {tb}) -> {ty}\n"
        f"  %r = dnn.activation relu %y : {ty}\n"
        f"  return %r : {ty}\n}}\n")
    return text


@pytest.mark.parametrize("name,x,f,k,s,p,d,g", CASES, ids=[c[0] for c in CASES])
def test_loop_order_and_im2col_keep_numbers(dnn_run, tmp_path, name, x, f, k, s, p, d, g):
    model = tmp_path / "model.mlir"
    model.write_text(conv_module(x, f, k, s, p, d, g))
    outs = {}
    for config, extra in CONFIGS.items():
        out_dir = tmp_path / config
        proc = subprocess.run([str(dnn_run), str(model), "--seed=7",
                               f"--output-dir={out_dir}", *extra],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outs[config] = np.load(out_dir / "out0.npy")
    np.testing.assert_array_equal(outs["default"], outs["untransformed"])
    np.testing.assert_array_equal(outs["direct"], outs["untransformed"])
    assert np.isfinite(outs["default"]).all() and np.abs(outs["default"]).sum() > 0


def test_configurations_differ_in_code(dnn_run, tmp_path):
    """The three configurations really compile different code (so the
    equality above is not vacuous): their object files differ."""
    model = tmp_path / "model.mlir"
    model.write_text(conv_module((1, 8, 9, 9), 16, 3, 1, 1, 1, 1))
    objects = {}
    for config, extra in CONFIGS.items():
        obj = tmp_path / f"{config}.o"
        proc = subprocess.run([str(dnn_run), str(model), f"--dump-object={obj}", *extra],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        objects[config] = obj.read_bytes()
    assert len(set(objects.values())) == 3
