"""Whole-model conformance: the model zoo (dnn_mlir.models) imported with
dnn_mlir.importer and run with dnn-run, against onnxruntime.

Each case builds a CNN from the zoo at a reduced image size and width (so the
file stays quick: a few seconds a model on 2 cores), imports it, runs `@main`
with dnn-run on a seeded random input written as .npy and compares the output
with onnxruntime's (CPUExecutionProvider, graph optimizations off so that it
computes the graph as written) on the same input.

Tolerance: rtol 1e-3 and atol 1e-4 * max|reference|. Both sides compute in
f32 but sum in different orders (dnn-run: direct loops or im2col + GEMM;
onnxruntime: MLAS's blocked GEMM), so each convolution's outputs differ by a
few ulps times sqrt(K) relative to the magnitude of its partial sums; over
20-50 layers that stays well below 1e-4 of the output scale (the measured
errors are about 1e-6 of the output scale, docs/model-zoo.md). A purely relative
tolerance is not enough: logits that are close to zero by cancellation carry
the absolute error of their neighbours, so the absolute term is tied to the
output's scale (logits are O(1-20) here) rather than being a fixed number.
Real bugs (a wrong stride, padding, group or weight layout) give errors of
the order of the output itself.

The test also checks that the imported module has one dnn.conv2d per ONNX
Conv node, and that the DeepBench LSTM/GRU models are rejected with a message
that names the node until the RNN ops exist.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
import onnx
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))

from dnn_mlir import models  # noqa: E402

RTOL = 1e-3
ATOL_SCALE = 1e-4

# (id, builder, keyword arguments). Sizes and widths keep each case to a few
# seconds (dnn-run's compile dominates): torchvision's channel counts at 64x64
# for the ResNets, full-size MobileNetV2 at 224x224, VGG-16 at half width.
# resnet18_w0.9 (57/115/230/460 channels, batch 2, Softmax) and
# mobilenet_v2_w0.85 (13/20/27/81/... channels, depthwise groups of 27 and 78)
# exercise channel counts that do not align with anything.
CASES = [
    ("resnet18", models.resnet18, dict(size=64, width=1.0)),
    ("resnet18_w0.9_b2_softmax", models.resnet18,
     dict(size=64, width=0.9, batch=2, softmax=True)),
    ("resnet50", models.resnet50, dict(size=64, width=1.0)),
    ("mobilenet_v2_224", models.mobilenet_v2, dict(size=224, width=1.0)),
    ("mobilenet_v2_w0.85", models.mobilenet_v2, dict(size=64, width=0.85)),
    ("vgg16_w0.5", models.vgg16, dict(size=64, width=0.5)),
]


@pytest.fixture(scope="module")
def importer():
    # A missing or broken importer is a failure of every case, not a skip.
    from dnn_mlir import importer
    return importer


def _ort_session(model):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])


def _input_shape(model):
    return [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]


def _dnn_run(dnn_run, mlir_path, inputs, out_dir):
    result = subprocess.run(
        [dnn_run, str(mlir_path), "--input=" + ",".join(map(str, inputs)),
         f"--output-dir={out_dir}"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"dnn-run failed on {mlir_path}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cnn_matches_onnxruntime(case, importer, dnn_run, tmp_path,
                                 record_property):
    name, build, kwargs = case
    model = build(num_classes=100, seed=7, **kwargs)
    onnx.checker.check_model(model)

    t0 = time.perf_counter()
    text = importer.import_model(model)
    t_import = time.perf_counter() - t0

    convs = sum(n.op_type == "Conv" for n in model.graph.node)
    dnn_convs = len(re.findall(r"\bdnn\.conv2d\b", text))
    assert dnn_convs == convs, (
        f"{name}: {convs} ONNX Conv nodes but {dnn_convs} dnn.conv2d ops")

    mlir = tmp_path / f"{name}.mlir"
    mlir.write_text(text)
    x = np.random.default_rng(11).standard_normal(_input_shape(model),
                                                  dtype=np.float32)
    x_path = tmp_path / "input.npy"
    np.save(x_path, x)
    t0 = time.perf_counter()
    _dnn_run(dnn_run, mlir, [x_path], tmp_path / "out")
    t_run = time.perf_counter() - t0
    got = np.load(tmp_path / "out" / "out0.npy")

    ref = _ort_session(model).run(None, {model.graph.input[0].name: x})[0]
    assert got.shape == ref.shape and got.dtype == ref.dtype, (
        f"{name}: dnn-run gave {got.dtype}{got.shape}, "
        f"onnxruntime {ref.dtype}{ref.shape}")

    scale = float(np.abs(ref).max())
    err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    max_abs = float(err.max())
    max_rel = float((err / np.maximum(np.abs(ref), scale * 1e-3)).max())
    for key, value in (("max_abs_err", max_abs), ("max_rel_err", max_rel),
                       ("output_scale", scale), ("import_s", t_import),
                       ("dnn_run_s", t_run)):
        record_property(key, f"{value:.3g}")
    print(f"{name}: shape {ref.shape} max|ref| {scale:.3g} max abs err "
          f"{max_abs:.3g} max rel err {max_rel:.3g} (import {t_import:.2f} s, "
          f"dnn-run {t_run:.2f} s)")
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL_SCALE * scale,
                               err_msg=f"{name}: dnn-run vs onnxruntime")


# ---------------------------------------------------------------------------
# The zoo itself (no importer needed)
# ---------------------------------------------------------------------------

def test_torchvision_parameter_counts():
    # torchvision's figures (trainable parameters, batch-norm statistics left
    # out); VGG-16 (138,357,544) takes seconds to build and is in the docs.
    assert models.count_params(models.resnet18()) == 11_689_512
    assert models.count_params(models.resnet50()) == 25_557_032
    assert models.count_params(models.mobilenet_v2()) == 3_504_872
    assert round(models.count_macs(models.resnet50()) / 1e9, 2) == 4.09


def _conv_channels(model):
    inits = {t.name: t for t in model.graph.initializer}
    out = {}
    for n in model.graph.node:
        if n.op_type == "Conv":
            group = next((a.i for a in n.attribute if a.name == "group"), 1)
            out[n.name] = (tuple(inits[n.input[1]].dims), group)
    return out


def test_width_multiplier():
    convs = _conv_channels(models.resnet18(size=64, width=0.9))
    assert convs["conv1"][0][0] == 57
    assert [convs[f"layer{s}.1.conv2"][0][0] for s in (1, 2, 3, 4)] == \
        [57, 115, 230, 460]
    convs = _conv_channels(models.mobilenet_v2(size=64, width=0.85))
    depthwise = [(dims, g) for dims, g in convs.values() if g > 1]
    assert depthwise and all(dims[0] == g and dims[1] == 1
                             for dims, g in depthwise)
    assert any(g % 2 for _, g in depthwise)  # odd channel counts reach them
    assert models.scaled(3, 0.01) == 1


@pytest.mark.parametrize("build", [models.resnet18, models.resnet50,
                                   models.mobilenet_v2, models.vgg16],
                         ids=["resnet18", "resnet50", "mobilenet_v2", "vgg16"])
def test_models_valid_in_onnxruntime(build):
    model = build(batch=2, size=32, num_classes=10, width=0.3)
    onnx.checker.check_model(model, full_check=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32), dtype=np.float32)
    (y,) = _ort_session(model).run(None, {"input": x})
    assert y.shape == (2, 10) and np.isfinite(y).all()
    names = [n.name for n in model.graph.node]
    assert len(set(names)) == len(names)


def test_rnn_models_valid_in_onnxruntime():
    for model, outs in ((models.lstm(hidden=32, steps=5, batch=4), 3),
                        (models.gru(hidden=32, steps=5, batch=4), 2)):
        onnx.checker.check_model(model, full_check=True)
        x = np.random.default_rng(0).standard_normal((5, 4, 32), dtype=np.float32)
        ys = _ort_session(model).run(None, {"input": x})
        assert len(ys) == outs and ys[0].shape == (5, 1, 4, 32)
        assert all(np.isfinite(y).all() for y in ys)
    stems = [stem for stem, _ in models.deepbench_rnns()]
    assert len(stems) == 33 and "gru_h2816_t1500_b4" in stems


def test_make_zoo(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "utils" / "make_zoo.py"), "-o", str(tmp_path),
         "--models", "resnet18,lstm", "--size", "32", "--width", "0.25",
         "--hidden", "16", "--steps", "2"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["lstm.onnx", "resnet18.onnx"]
    assert "resnet18" in result.stdout and "lstm" in result.stdout
    onnx.checker.check_model(str(tmp_path / "resnet18.onnx"))
