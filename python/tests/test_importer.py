"""Tests of the ONNX importer (python/dnn_mlir/importer.py, docs/importer.md).

Every supported op and attribute variant is built with onnx.helper, imported,
checked as text after a dnn-opt round trip (op and attributes), and run with
dnn-run on seeded random inputs against onnxruntime (rtol 1e-4, atol 1e-5 for
f32). The error paths run the command line (the console script when it is
installed, else ``python -m dnn_mlir.importer``) and check the exit status,
the message and that no traceback leaks out.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import importer  # noqa: E402

F32, F16, F64, BF16 = T.FLOAT, T.FLOAT16, T.DOUBLE, T.BFLOAT16
_NP = {F32: np.float32, F16: np.float16, F64: np.float64, BF16: np.float32}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def make_model(nodes, inputs, outputs, inits=None, opset=17, value_info=()):
    """inputs: [(name, shape, elem)] (elem defaults to f32); outputs: names or
    (name, elem); inits: {name: array}."""
    ins = []
    for spec in inputs:
        name, shape, elem = (spec + (F32,))[:3] if len(spec) == 2 else spec
        ins.append(helper.make_tensor_value_info(name, elem, shape))
    outs = []
    for spec in outputs:
        name, elem = (spec, F32) if isinstance(spec, str) else spec
        outs.append(helper.make_tensor_value_info(name, elem, None))
    tensors = []
    for name, arr in (inits or {}).items():
        if isinstance(arr, onnx.TensorProto):
            tensors.append(arr)
        else:
            tensors.append(numpy_helper.from_array(np.asarray(arr), name))
    graph = helper.make_graph(nodes, "test", ins, outs, tensors,
                              value_info=list(value_info))
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(
        graph, opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets))
    return model


def rand(shape, seed=0, dtype=np.float32, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def _graph_inputs(model):
    inits = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def _ort(model, feeds):
    import onnxruntime as ort
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def roundtrip(dnn_opt, path, *extra):
    result = subprocess.run([dnn_opt, str(path), *extra], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, f"dnn-opt failed:\n{result.stderr}"
    return result.stdout


def dnn_run_compare(dnn_run, path, inputs, refs, tmp_path, rtol, atol):
    files = []
    for i, arr in enumerate(inputs):
        f = tmp_path / f"in{i}.npy"
        np.save(f, arr)
        files.append(str(f))
    ref_files = []
    for i, arr in enumerate(refs):
        f = tmp_path / f"ref{i}.npy"
        np.save(f, np.asarray(arr))
        ref_files.append(str(f))
    cmd = [dnn_run, str(path), f"--rtol={rtol}", f"--atol={atol}",
           "--compare=" + ",".join(ref_files)]
    if files:
        cmd.append("--input=" + ",".join(files))
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"dnn-run mismatch or failure:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def check(model, tmp_path, dnn_opt, dnn_run, expect=(), forbid=(),
          feeds=None, input_shapes=None, rtol=1e-4, atol=1e-5, refs=None):
    """Imports `model`, checks the dnn-opt round trip against the regexes in
    `expect`/`forbid`, runs it with dnn-run and compares with onnxruntime
    (or `refs`). Returns (imported text, round-tripped text)."""
    text = importer.import_model(model, input_shapes=input_shapes)
    path = tmp_path / "model.mlir"
    path.write_text(text)
    printed = roundtrip(dnn_opt, path)
    for pattern in expect:
        assert re.search(pattern, printed), f"{pattern!r} not in:\n{printed}"
    for pattern in forbid:
        assert not re.search(pattern, printed), f"{pattern!r} in:\n{printed}"
    if feeds is None:
        feeds = {}
        for k, inp in enumerate(_graph_inputs(model)):
            tt = inp.type.tensor_type
            shape = (input_shapes or {}).get(inp.name) or [
                d.dim_value for d in tt.shape.dim]
            feeds[inp.name] = rand(shape, seed=k + 1, dtype=_NP[tt.elem_type])
    if refs is None:
        refs = _ort(model, feeds)
    dnn_run_compare(dnn_run, path, list(feeds.values()), refs, tmp_path,
                    rtol, atol)
    return text, printed


def cli(args, cwd=None, timeout=300, preexec_fn=None):
    """Runs the importer's command line: .venv's console script when it is
    installed next to this interpreter, else python -m dnn_mlir.importer.
    `preexec_fn` runs in the child before the importer (resource limits)."""
    script = pathlib.Path(sys.executable).parent / "dnn-import"
    if script.exists():
        cmd = [str(script)]
    else:
        cmd = [sys.executable, "-m", "dnn_mlir.importer"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "python")] + [p for p in [env.get("PYTHONPATH")] if p])
    env.pop("DNN_IMPORT_TRACEBACK", None)
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd,
                          preexec_fn=preexec_fn)


def expect_cli_error(model, tmp_path, *needles, args=()):
    path = tmp_path / "bad.onnx"
    if isinstance(model, onnx.ModelProto):
        onnx.save(model, path)
    else:
        path.write_bytes(model)
    out = tmp_path / "bad.mlir"
    result = cli([path, "-o", out, *args])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("dnn-import: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in {result.stderr!r}"
    assert not out.exists()
    return result.stderr


def expect_api_error(model, *needles, **kwargs):
    with pytest.raises(importer.OnnxImportError) as info:
        importer.import_model(model, **kwargs)
    for needle in needles:
        assert needle in str(info.value), str(info.value)
    return str(info.value)


def node(op, inputs, outputs, name=None, **attrs):
    return helper.make_node(op, inputs, outputs, name=name or f"{op.lower()}0",
                            **attrs)


# ---------------------------------------------------------------------------
# Conv
# ---------------------------------------------------------------------------

CONV_CASES = [
    # id, x shape, w shape, bias, attrs, expected attribute text
    ("plain", (1, 3, 8, 8), (4, 3, 3, 3), False, {}, r"dnn\.conv2d %\w+, %\w+ :"),
    ("bias_pads_strides", (2, 3, 9, 9), (8, 3, 3, 3), True,
     dict(pads=[1, 1, 1, 1], strides=[2, 2]),
     r"padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>"),
    ("asymmetric_pads", (1, 2, 7, 6), (3, 2, 3, 2), True,
     dict(pads=[0, 1, 2, 0], strides=[1, 2]),
     r"padding = array<i64: 0, 1, 2, 0>, strides = array<i64: 1, 2>"),
    ("dilation", (1, 4, 12, 12), (4, 4, 3, 3), False, dict(dilations=[2, 1]),
     r"dilation = array<i64: 2, 1>"),
    ("groups", (1, 8, 6, 6), (12, 2, 3, 3), True,
     dict(group=4, pads=[1, 1, 1, 1]), r"groups = 4 : i64"),
    ("depthwise", (1, 6, 10, 10), (6, 1, 3, 3), True,
     dict(group=6, strides=[2, 2], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
     r"groups = 6 : i64"),
    ("same_upper_s2", (1, 3, 9, 8), (4, 3, 3, 3), True,
     dict(auto_pad="SAME_UPPER", strides=[2, 2]),
     r"padding = array<i64: 1, 0, 1, 1>, strides = array<i64: 2, 2>"),
    ("same_lower_s2", (1, 3, 9, 8), (4, 3, 3, 3), True,
     dict(auto_pad="SAME_LOWER", strides=[2, 2]),
     r"padding = array<i64: 1, 1, 1, 0>, strides = array<i64: 2, 2>"),
    ("same_upper_even_kernel", (1, 2, 5, 5), (2, 2, 2, 4), False,
     dict(auto_pad="SAME_UPPER"), r"padding = array<i64: 0, 1, 1, 2>"),
    # ONNX Runtime has no SAME padding with dilation: its reference is the
    # same convolution with the pads spelled out.
    ("same_lower_dilated", (1, 2, 7, 7), (2, 2, 3, 3), False,
     dict(auto_pad="SAME_LOWER", dilations=[2, 2]),
     r"dilation = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>",
     dict(pads=[2, 2, 2, 2], dilations=[2, 2])),
    ("same_upper_dilated_s2", (1, 2, 8, 7), (2, 2, 2, 3), False,
     dict(auto_pad="SAME_UPPER", dilations=[3, 2], strides=[2, 2]),
     r"dilation = array<i64: 3, 2>, padding = array<i64: 1, 2, 1, 2>",
     dict(pads=[1, 2, 1, 2], dilations=[3, 2], strides=[2, 2])),
    ("valid", (1, 3, 7, 7), (5, 3, 3, 3), True,
     dict(auto_pad="VALID", strides=[2, 2]), r"strides = array<i64: 2, 2>"),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv(case, tmp_path, dnn_opt, dnn_run):
    _, xs, ws, bias, attrs, pattern = case[:6]
    inits = {"w": rand(ws, seed=10)}
    ins = ["x", "w"]
    if bias:
        inits["b"] = rand(ws[0], seed=11)
        ins.append("b")
    model = make_model([node("Conv", ins, ["y"], name="conv", **attrs)],
                       [("x", xs)], ["y"], inits)
    refs = None
    if len(case) > 6:
        ref_model = make_model([node("Conv", ins, ["y"], **case[6])],
                               [("x", xs)], ["y"], inits)
        refs = _ort(ref_model, {"x": rand(xs, seed=1)})
    check(model, tmp_path, dnn_opt, dnn_run, expect=[pattern], refs=refs)


def test_conv_weight_as_input_and_opset7(tmp_path, dnn_opt, dnn_run):
    model = make_model([node("Conv", ["x", "w"], ["y"], pads=[1, 0, 1, 0])],
                       [("x", (1, 2, 5, 5)), ("w", (3, 2, 3, 3))], ["y"],
                       opset=7)
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"func\.func @main\(%arg0: tensor<1x2x5x5xf32>, "
                  r"%arg1: tensor<3x2x3x3xf32>\)"])


def test_conv_kernel_shape_mismatch():
    model = make_model(
        [node("Conv", ["x", "w"], ["y"], name="c1", kernel_shape=[3, 3])],
        [("x", (1, 2, 5, 5)), ("w", (3, 2, 3, 3))], ["y"])
    model.graph.node[0].attribute[0].ints[:] = [2, 2]
    expect_api_error(model, "node 'c1' (Conv)", "kernel_shape [2, 2]")


def test_conv_1d_rejected():
    model = make_model([node("Conv", ["x", "w"], ["y"], name="c1d")],
                       [("x", (1, 2, 9)), ("w", (3, 2, 3))], ["y"])
    expect_api_error(model, "node 'c1d' (Conv)", "only 2-D convolutions")


# ---------------------------------------------------------------------------
# Gemm, MatMul
# ---------------------------------------------------------------------------

def _gemm_model(a_shape, b_shape, c_shape=None, b_init=True, c_init=True,
                **attrs):
    inputs = [("a", a_shape)]
    inits = {}
    if b_init:
        inits["B"] = rand(b_shape, seed=20)
    else:
        inputs.append(("B", b_shape))
    ins = ["a", "B"]
    if c_shape is not None:
        ins.append("C")
        if c_init:
            inits["C"] = rand(c_shape, seed=21)
        else:
            inputs.append(("C", c_shape))
    return make_model([node("Gemm", ins, ["y"], name="fc", **attrs)], inputs,
                      ["y"], inits)


GEMM_CASES = [
    # id, model kwargs, expected, forbidden
    ("linear_common", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(4,),
                           transB=1),
     [r"dnn\.linear %arg0, %\w+, %\w+ : \(tensor<3x5xf32>, tensor<4x5xf32>, "
      r"tensor<4xf32>\) -> tensor<3x4xf32>"],
     [r"dnn\.(mul|add|transpose|matmul)"]),
    ("linear_no_c", dict(a_shape=(3, 5), b_shape=(4, 5), transB=1),
     [r"dnn\.linear %arg0, %\w+ : \(tensor<3x5xf32>, tensor<4x5xf32>\)"], []),
    ("transB0_folded", dict(a_shape=(3, 5), b_shape=(5, 4), c_shape=(1, 4)),
     [r"dnn\.linear .* -> tensor<3x4xf32>", r"dense_resource<B_T>"],
     [r"dnn\.transpose"]),
    ("alpha_beta_folded", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(4,),
                               transB=1, alpha=0.5, beta=2.0),
     [r"dense_resource<B_scaled>", r"dense_resource<C_scaled>"],
     [r"dnn\.(mul|add)"]),
    ("scalar_c", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(), transB=1),
     [r"dnn\.linear .*tensor<4xf32>\)"], [r"dnn\.add"]),
    ("matrix_c", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(3, 4),
                      transB=1, beta=0.25),
     [r"dnn\.linear %arg0, %\w+ :", r"dnn\.add .*tensor<3x4xf32>, "
      r"tensor<3x4xf32>"], []),
    ("column_c", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(3, 1),
                      transB=1), [r"dnn\.add .*tensor<3x1xf32>"], []),
    ("transA", dict(a_shape=(5, 3), b_shape=(4, 5), c_shape=(4,), transA=1,
                    transB=1),
     [r"dnn\.transpose %arg0 \{permutation = array<i64: 1, 0>\} : "
      r"tensor<5x3xf32> -> tensor<3x5xf32>", r"dnn\.linear"], []),
    ("dynamic_b", dict(a_shape=(3, 5), b_shape=(5, 4), c_shape=(4,),
                       b_init=False),
     [r"dnn\.matmul %arg0, %arg1 : \(tensor<3x5xf32>, tensor<5x4xf32>\)",
      r"dnn\.add"], [r"dnn\.linear"]),
    ("dynamic_b_trans", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(4,),
                             b_init=False, transB=1, transA=0),
     [r"dnn\.linear %arg0, %arg1, %\w+ :"], [r"dnn\.matmul"]),
    ("dynamic_all_alpha_beta", dict(a_shape=(6, 3), b_shape=(6, 4),
                                    c_shape=(1, 4), b_init=False,
                                    c_init=False, transA=1, alpha=1.5,
                                    beta=-0.5),
     [r"dnn\.transpose", r"dnn\.matmul",
      r"dnn\.mul %\w+, %\w+ : tensor<1x4xf32>, tensor<f32>",
      r"dnn\.mul %\w+, %\w+ : tensor<3x4xf32>, tensor<f32>", r"dnn\.add"],
     []),
    ("beta_zero", dict(a_shape=(3, 5), b_shape=(4, 5), c_shape=(4,),
                       c_init=False, transB=1, beta=0.0),
     [r"dnn\.linear %arg0, %\w+ :"], [r"dnn\.add"]),
]


@pytest.mark.parametrize("case", GEMM_CASES, ids=[c[0] for c in GEMM_CASES])
def test_gemm(case, tmp_path, dnn_opt, dnn_run):
    _, kwargs, expect, forbid = case
    check(_gemm_model(**kwargs), tmp_path, dnn_opt, dnn_run, expect=expect,
          forbid=forbid)


MATMUL_CASES = [
    ("2d", (3, 5), (5, 4), r"dnn\.matmul .* -> tensor<3x4xf32>"),
    ("batched_broadcast", (2, 3, 5), (5, 4),
     r"dnn\.matmul .* -> tensor<2x3x4xf32>"),
    ("batch_dims_broadcast", (2, 1, 3, 5), (4, 5, 2),
     r"dnn\.matmul .* -> tensor<2x4x3x2xf32>"),
    ("lhs_1d", (5,), (2, 5, 4),
     r"dnn\.reshape %arg0 : tensor<5xf32> -> tensor<1x5xf32>"),
    ("rhs_1d", (2, 3, 5), (5,),
     r"dnn\.reshape %\w+ : tensor<2x3x1xf32> -> tensor<2x3xf32>"),
    ("both_1d", (5,), (5,), r"dnn\.reshape %\w+ : tensor<1x1xf32> -> "
     r"tensor<f32>"),
]


@pytest.mark.parametrize("case", MATMUL_CASES, ids=[c[0] for c in MATMUL_CASES])
def test_matmul(case, tmp_path, dnn_opt, dnn_run):
    _, a, b, pattern = case
    model = make_model([node("MatMul", ["a", "b"], ["y"])],
                       [("a", a), ("b", b)], ["y"])
    check(model, tmp_path, dnn_opt, dnn_run, expect=[pattern])


def test_matmul_initializer_rhs(tmp_path, dnn_opt, dnn_run):
    model = make_model([node("MatMul", ["a", "w"], ["y"])], [("a", (2, 4, 6))],
                       ["y"], {"w": rand((6, 3), seed=5)})
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.matmul %arg0, %\w+ : \(tensor<2x4x6xf32>, "
                  r"tensor<6x3xf32>\)"])


# ---------------------------------------------------------------------------
# BatchNormalization, activations, Clip
# ---------------------------------------------------------------------------

def _bn_inits(c):
    return {"s": rand(c, 1, low=0.5, high=1.5), "o": rand(c, 2),
            "m": rand(c, 3), "v": rand(c, 4, low=0.5, high=2.0)}


@pytest.mark.parametrize("opset,shape,eps", [(7, (2, 3, 4, 4), None),
                                             (9, (2, 3), 1e-3),
                                             (15, (1, 4, 3, 2, 2), 0.01)])
def test_batch_norm(opset, shape, eps, tmp_path, dnn_opt, dnn_run):
    attrs = {} if eps is None else {"epsilon": eps}
    c = shape[1]
    model = make_model(
        [node("BatchNormalization", ["x", "s", "o", "m", "v"], ["y"], **attrs)],
        [("x", shape)], ["y"], _bn_inits(c), opset=opset)
    eps_text = {None: "1.0e-05", 1e-3: "0.001", 0.01: "0.01"}[eps]
    text, printed = check(model, tmp_path, dnn_opt, dnn_run,
                          expect=[r"dnn\.batch_norm %arg0, "])
    assert f"{{epsilon = {eps_text} : f64}}" in text, text


def test_batch_norm_training_mode_rejected(tmp_path):
    model = make_model(
        [node("BatchNormalization", ["x", "s", "o", "m", "v"],
              ["y", "rm", "rv"], name="bn_train", training_mode=1)],
        [("x", (2, 3, 4, 4))], ["y"], _bn_inits(3), opset=15)
    expect_cli_error(model, tmp_path, "node 'bn_train' (BatchNormalization)",
                     "training_mode=1")


@pytest.mark.parametrize("op,kind", [("Relu", "relu"), ("Sigmoid", "sigmoid"),
                                     ("Tanh", "tanh")])
def test_activation(op, kind, tmp_path, dnn_opt, dnn_run):
    model = make_model([node(op, ["x"], ["y"])], [("x", (2, 3, 4, 5))], ["y"])
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[rf"dnn\.activation {kind} %arg0 : tensor<2x3x4x5xf32>"])


@pytest.mark.parametrize("approx,kind", [(None, "gelu"), ("none", "gelu"),
                                         ("tanh", "gelu_tanh")])
def test_gelu(approx, kind, tmp_path, dnn_opt, dnn_run):
    attrs = {} if approx is None else {"approximate": approx}
    model = make_model([node("Gelu", ["x"], ["y"], **attrs)],
                       [("x", (3, 7))], ["y"], opset=20)
    feeds = {"x": rand((3, 7), low=-4, high=4)}
    check(model, tmp_path, dnn_opt, dnn_run, feeds=feeds,
          expect=[rf"dnn\.activation {kind} %arg0"])


CLIP_CASES = [
    # id, opset, min, max (None: absent), how: attr / init / const, kind
    ("relu6_inputs", 13, 0.0, 6.0, "init", "relu6"),
    ("relu_min_only", 13, 0.0, None, "init", "relu"),
    ("relu6_constant_nodes", 12, 0.0, 6.0, "const", "relu6"),
    ("relu6_attrs_opset6_style", 7, 0.0, 6.0, "attr", "relu6"),
    ("relu_attr_min_only", 10, 0.0, None, "attr", "relu"),
]


def _clip_model(opset, lo, hi, how, name="clip"):
    nodes, inits, ins, attrs = [], {}, ["x"], {}
    if how == "attr":
        if lo is not None:
            attrs["min"] = lo
        if hi is not None:
            attrs["max"] = hi
    else:
        for key, v in (("lo", lo), ("hi", hi)):
            if v is None:
                ins.append("")
                continue
            ins.append(key)
            if how == "init":
                inits[key] = np.array(v, np.float32)
            else:
                nodes.append(helper.make_node(
                    "Constant", [], [key], value=numpy_helper.from_array(
                        np.array(v, np.float32))))
        while ins and ins[-1] == "":
            ins.pop()
    nodes.append(node("Clip", ins, ["y"], name=name, **attrs))
    return make_model(nodes, [("x", (2, 3, 4))], ["y"], inits, opset=opset)


@pytest.mark.parametrize("case", CLIP_CASES, ids=[c[0] for c in CLIP_CASES])
def test_clip(case, tmp_path, dnn_opt, dnn_run):
    _, opset, lo, hi, how, kind = case
    model = _clip_model(opset, lo, hi, how)
    feeds = {"x": rand((2, 3, 4), low=-8, high=8)}
    check(model, tmp_path, dnn_opt, dnn_run, feeds=feeds,
          expect=[rf"dnn\.activation {kind} %arg0"])


def test_clip_without_bounds_is_identity(tmp_path, dnn_opt, dnn_run):
    model = make_model([node("Clip", ["x"], ["c"]), node("Relu", ["c"], ["y"])],
                       [("x", (4, 4))], ["y"], opset=13)
    _, printed = check(model, tmp_path, dnn_opt, dnn_run,
                       expect=[r"dnn\.activation relu %arg0"])
    assert printed.count("dnn.activation") == 1


@pytest.mark.parametrize("lo,hi,shown", [(-1.0, 1.0, "min=-1, max=1"),
                                         (0.0, 1.0, "min=0, max=1"),
                                         (None, 6.0, "min=none, max=6")])
def test_clip_other_bounds_rejected(lo, hi, shown, tmp_path):
    model = _clip_model(13, lo, hi, "init", name="clamp3")
    expect_cli_error(model, tmp_path, "node 'clamp3' (Clip)", shown,
                     "not supported")


# ---------------------------------------------------------------------------
# Add, Mul, Transpose
# ---------------------------------------------------------------------------

BINARY_CASES = [
    ("same", (2, 3, 4), (2, 3, 4)),
    ("trailing", (2, 3, 4, 5), (5,)),
    ("both_ways", (2, 1, 4, 1), (3, 1, 5)),
    ("channel", (1, 6, 4, 4), (6, 1, 1)),
]


@pytest.mark.parametrize("op", ["Add", "Mul"])
@pytest.mark.parametrize("case", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_binary(op, case, tmp_path, dnn_opt, dnn_run):
    _, a, b = case
    model = make_model([node(op, ["a", "b"], ["y"])], [("a", a), ("b", b)],
                       ["y"])
    out = np.broadcast_shapes(a, b)
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[rf"dnn\.{op.lower()} %arg0, %arg1 : "
                  rf"{importer._tensor_type(a, 'f32')}, "
                  rf"{importer._tensor_type(b, 'f32')}",
                  rf"return %\w+ : {importer._tensor_type(out, 'f32')}"])


@pytest.mark.parametrize("op", ["Add", "Mul"])
def test_binary_with_constants(op, tmp_path, dnn_opt, dnn_run):
    model = make_model(
        [node(op, ["x", "bias"], ["t"], name="first"),
         node(op, ["scale", "t"], ["y"], name="second")],
        [("x", (2, 8, 3, 3))], ["y"],
        {"bias": rand((8, 1, 1), 7), "scale": np.array(1.5, np.float32)})
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.constant dense_resource<bias> : tensor<8x1x1xf32>",
                  r"dnn\.constant dense<1\.500000e\+00> : tensor<f32>"])


@pytest.mark.parametrize("perm,shape", [([1, 0], (3, 4)),
                                        ([0, 2, 3, 1], (2, 3, 4, 5)),
                                        (None, (2, 3, 4))])
def test_transpose(perm, shape, tmp_path, dnn_opt, dnn_run):
    attrs = {} if perm is None else {"perm": perm}
    model = make_model([node("Transpose", ["x"], ["y"], **attrs)],
                       [("x", shape)], ["y"])
    p = perm or list(range(len(shape)))[::-1]
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[rf"dnn\.transpose %arg0 \{{permutation = array<i64: "
                  rf"{', '.join(map(str, p))}>\}}"])


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

MAXPOOL_CASES = [
    ("k3s2p1", (1, 3, 9, 9), dict(kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1]),
     r"kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, "
     r"strides = array<i64: 2, 2>"),
    ("ceil", (1, 2, 6, 6), dict(kernel_shape=[3, 3], strides=[2, 2],
                                ceil_mode=1), r"ceil_mode = true"),
    ("ceil_drops_window", (1, 2, 5, 5), dict(kernel_shape=[3, 3],
                                             strides=[3, 3], pads=[1, 1, 1, 1],
                                             ceil_mode=1),
     r"-> tensor<1x2x2x2xf32>"),
    ("dilations", (1, 2, 10, 10), dict(kernel_shape=[2, 3], dilations=[2, 3]),
     r"dilation = array<i64: 2, 3>"),
    ("same_upper", (1, 2, 7, 8), dict(kernel_shape=[3, 3], strides=[2, 2],
                                      auto_pad="SAME_UPPER"),
     r"padding = array<i64: 1, 0, 1, 1>"),
    ("same_lower", (1, 2, 7, 8), dict(kernel_shape=[2, 2],
                                      auto_pad="SAME_LOWER"),
     r"padding = array<i64: 1, 1, 0, 0>"),
    ("valid", (1, 2, 7, 7), dict(kernel_shape=[2, 2], strides=[2, 2],
                                 auto_pad="VALID"),
     r"-> tensor<1x2x3x3xf32>"),
]


@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=[c[0] for c in MAXPOOL_CASES])
def test_max_pool(case, tmp_path, dnn_opt, dnn_run):
    _, shape, attrs, pattern = case
    model = make_model([node("MaxPool", ["x"], ["y"], **attrs)],
                       [("x", shape)], ["y"], opset=12)
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.max_pool2d %arg0 \{", pattern])


def test_max_pool_storage_order_rejected(tmp_path):
    model = make_model([node("MaxPool", ["x"], ["y"], name="pool_so",
                             kernel_shape=[2, 2], storage_order=1)],
                       [("x", (1, 1, 4, 4))], ["y"], opset=12)
    expect_cli_error(model, tmp_path, "node 'pool_so' (MaxPool)",
                     "storage_order=1")


def test_max_pool_indices_rejected(tmp_path):
    model = make_model([node("MaxPool", ["x"], ["y", "idx"], name="pool_idx",
                             kernel_shape=[2, 2])],
                       [("x", (1, 1, 4, 4))], ["y", ("idx", T.INT64)],
                       opset=12)
    expect_cli_error(model, tmp_path, "node 'pool_idx' (MaxPool)",
                     "'idx' (Indices)")


AVGPOOL_CASES = [
    ("exclude_pad", (1, 3, 7, 7), dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     r"kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>\}",
     19),
    ("include_pad", (1, 3, 7, 7), dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                       count_include_pad=1),
     r"count_include_pad = true", 19),
    ("ceil", (1, 2, 6, 6), dict(kernel_shape=[3, 3], strides=[2, 2],
                                ceil_mode=1), r"ceil_mode = true", 10),
    ("ceil_include_pad", (1, 2, 6, 7), dict(kernel_shape=[3, 3], strides=[2, 2],
                                            pads=[1, 1, 1, 1], ceil_mode=1,
                                            count_include_pad=1),
     r"ceil_mode = true, count_include_pad = true", 10),
    ("same_upper", (1, 2, 7, 8), dict(kernel_shape=[3, 3], strides=[2, 2],
                                      auto_pad="SAME_UPPER"),
     r"padding = array<i64: 1, 0, 1, 1>", 7),
    ("same_lower_include_pad", (1, 2, 5, 5), dict(kernel_shape=[2, 2],
                                                  auto_pad="SAME_LOWER",
                                                  count_include_pad=1),
     r"padding = array<i64: 1, 1, 0, 0>", 11),
    ("dilations", (1, 2, 9, 9), dict(kernel_shape=[3, 3], dilations=[2, 2],
                                     strides=[2, 2], pads=[1, 1, 1, 1]),
     r"dilation = array<i64: 2, 2>", 19),
]


@pytest.mark.parametrize("case", AVGPOOL_CASES, ids=[c[0] for c in AVGPOOL_CASES])
def test_avg_pool(case, tmp_path, dnn_opt, dnn_run):
    _, shape, attrs, pattern, opset = case
    model = make_model([node("AveragePool", ["x"], ["y"], **attrs)],
                       [("x", shape)], ["y"], opset=opset)
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.avg_pool2d %arg0 \{", pattern])


def test_global_avg_pool(tmp_path, dnn_opt, dnn_run):
    model = make_model([node("GlobalAveragePool", ["x"], ["y"])],
                       [("x", (2, 5, 6, 7))], ["y"])
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.global_avg_pool %arg0 : tensor<2x5x6x7xf32> -> "
                  r"tensor<2x5x1x1xf32>"])


def test_pool_1d_rejected():
    model = make_model([node("MaxPool", ["x"], ["y"], name="p1d",
                             kernel_shape=[2])], [("x", (1, 2, 8))], ["y"])
    expect_api_error(model, "node 'p1d' (MaxPool)", "only 2-D pooling")


# ---------------------------------------------------------------------------
# Flatten, Reshape, Concat, Softmax
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("axis,out", [(None, "2x60"), (0, "1x120"),
                                      (2, "6x20"), (-1, "24x5"), (4, "120x1")])
def test_flatten(axis, out, tmp_path, dnn_opt, dnn_run):
    attrs = {} if axis is None else {"axis": axis}
    model = make_model([node("Flatten", ["x"], ["y"], **attrs)],
                       [("x", (2, 3, 4, 5))], ["y"], opset=13)
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[rf"dnn\.flatten %arg0.* -> tensor<{out}xf32>"])


RESHAPE_CASES = [
    ("minus_one", [0, -1], 13, 0, "2x60"),
    ("zero_copy", [0, 3, 0, 5], 13, 0, "2x3x4x5"),
    ("explicit", [6, 4, 5], 9, 0, "6x4x5"),
    ("allowzero_no_zero", [4, -1, 3], 14, 1, "4x10x3"),
    ("rank_1", [-1], 14, 0, "120"),
]


@pytest.mark.parametrize("case", RESHAPE_CASES, ids=[c[0] for c in RESHAPE_CASES])
@pytest.mark.parametrize("source", ["initializer", "constant_node"])
def test_reshape(case, source, tmp_path, dnn_opt, dnn_run):
    _, shape, opset, allowzero, out = case
    attrs = {"allowzero": 1} if allowzero else {}
    shape_t = np.array(shape, np.int64)
    nodes, inits = [], {}
    if source == "initializer":
        inits["shape"] = shape_t
    else:
        nodes.append(helper.make_node("Constant", [], ["shape"],
                                      value=numpy_helper.from_array(shape_t)))
    nodes.append(node("Reshape", ["x", "shape"], ["y"], **attrs))
    model = make_model(nodes, [("x", (2, 3, 4, 5))], ["y"], inits, opset=opset)
    text, printed = check(
        model, tmp_path, dnn_opt, dnn_run,
        expect=[rf"(dnn\.reshape %arg0 : tensor<2x3x4x5xf32> -> "
                rf"tensor<{out}xf32>|return %arg0)"])
    # The shape is read, not emitted.
    assert "tensor<" + str(len(shape)) + "xi64>" not in text
    assert "dense_resource<shape>" not in text


def test_reshape_shape_computed_from_shape_op(tmp_path, dnn_opt, dnn_run):
    """PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze ->
    Concat -> Reshape is evaluated at import time."""
    nodes = [
        node("Relu", ["x"], ["r"]),
        helper.make_node("Shape", ["r"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
        node("Reshape", ["r", "shape"], ["y"], name="view"),
    ]
    inits = {"zero": np.array(0, np.int64), "axes": np.array([0], np.int64),
             "minus1": np.array([-1], np.int64)}
    model = make_model(nodes, [("x", (3, 2, 4, 4))], ["y"], inits, opset=13)
    text, _ = check(model, tmp_path, dnn_opt, dnn_run,
                    expect=[r"dnn\.reshape %\w+ : tensor<3x2x4x4xf32> -> "
                            r"tensor<3x32xf32>"])
    assert "i64>" not in text.split("{-#")[0].replace("array<i64", "")


def test_reshape_dynamic_shape_rejected():
    model = make_model([node("Reshape", ["x", "s"], ["y"], name="rs")],
                       [("x", (2, 6)), ("s", (2,), T.INT64)], ["y"])
    expect_api_error(model, "node 'rs' (Reshape)", "not a constant")


@pytest.mark.parametrize("axis", [1, -1, -3])
def test_concat(axis, tmp_path, dnn_opt, dnn_run):
    model = make_model([node("Concat", ["a", "c", "b"], ["y"], axis=axis)],
                       [("a", (2, 3, 4)), ("b", (2, 3, 4))], ["y"],
                       {"c": rand((2, 3, 4), 9)})
    norm = axis % 3
    shape = [2, 3, 4]
    shape[norm] *= 3
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[rf"dnn\.concat %arg0, %\w+, %arg1 \{{axis = {norm} : i64\}} "
                  rf".* -> tensor<{'x'.join(map(str, shape))}xf32>"])


SOFTMAX_CASES = [
    # id, opset, axis attr, shape, expected patterns, forbidden
    ("opset13_default", 13, None, (2, 3, 5),
     [r"dnn\.softmax %arg0 \{axis = 2 : i64\}"], [r"dnn\.reshape"]),
    ("opset13_axis1", 13, 1, (2, 3, 4, 5),
     [r"dnn\.softmax %arg0 \{axis = 1 : i64\}"], [r"dnn\.reshape"]),
    ("opset13_negative", 13, -3, (2, 3, 4, 5),
     [r"dnn\.softmax %arg0 \{axis = 1 : i64\}"], []),
    ("opset11_default_2d", 11, None, (4, 6),
     [r"dnn\.softmax %arg0 \{axis = 1 : i64\}"], [r"dnn\.reshape"]),
    ("opset11_axis1_4d", 11, 1, (2, 3, 4, 5),
     [r"dnn\.reshape %arg0 : tensor<2x3x4x5xf32> -> tensor<2x60xf32>",
      r"dnn\.softmax %\w+ \{axis = 1 : i64\} : tensor<2x60xf32>",
      r"dnn\.reshape %\w+ : tensor<2x60xf32> -> tensor<2x3x4x5xf32>"], []),
    ("opset11_axis0", 11, 0, (2, 3, 4),
     [r"tensor<1x24xf32>", r"dnn\.softmax %\w+ \{axis = 1 : i64\}"], []),
    ("opset7_last_axis", 7, -1, (2, 3, 4),
     [r"dnn\.softmax %arg0 \{axis = 2 : i64\}"], [r"dnn\.reshape"]),
]


@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=[c[0] for c in SOFTMAX_CASES])
def test_softmax(case, tmp_path, dnn_opt, dnn_run):
    _, opset, axis, shape, expect, forbid = case
    attrs = {} if axis is None else {"axis": axis}
    model = make_model([node("Softmax", ["x"], ["y"], **attrs)],
                       [("x", shape)], ["y"], opset=opset)
    feeds = {"x": rand(shape, low=-3, high=3)}
    check(model, tmp_path, dnn_opt, dnn_run, feeds=feeds, expect=expect,
          forbid=forbid)


# ---------------------------------------------------------------------------
# Identity, Dropout, Constant
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("opset", [10, 13])
def test_identity_and_dropout(opset, tmp_path, dnn_opt, dnn_run):
    nodes = [node("Identity", ["x"], ["i"]),
             node("Dropout", ["i"] + (["ratio"] if opset >= 12 else []),
                  ["d", "mask"]),
             node("Relu", ["d"], ["y"])]
    inits = {"ratio": np.array(0.5, np.float32)} if opset >= 12 else {}
    model = make_model(nodes, [("x", (3, 4))], ["y"], inits, opset=opset)
    _, printed = check(model, tmp_path, dnn_opt, dnn_run,
                       expect=[r"dnn\.activation relu %arg0"])
    assert printed.count("dnn.") == 1


def test_dropout_mask_used_rejected(tmp_path):
    model = make_model([node("Dropout", ["x"], ["y", "mask"], name="drop1")],
                       [("x", (3, 4))], ["y", ("mask", T.BOOL)], opset=13)
    expect_cli_error(model, tmp_path, "node 'drop1' (Dropout)",
                     "mask output 'mask' is used")


def test_dropout_training_mode_rejected():
    model = make_model([node("Dropout", ["x", "", "train"], ["y"], name="dt")],
                       [("x", (3, 4))], ["y"],
                       {"train": np.array(True)}, opset=13)
    expect_api_error(model, "node 'dt' (Dropout)", "training_mode")


def test_constant_nodes(tmp_path, dnn_opt, dnn_run):
    w = rand((4, 6), 3)
    nodes = [helper.make_node("Constant", [], ["w"], name="wconst",
                              value=numpy_helper.from_array(w, "w")),
             helper.make_node("Constant", [], ["half"], value_float=0.5),
             helper.make_node("Constant", [], ["vec"],
                              value_floats=[1.0, -2.0, 3.0, 0.5]),
             node("MatMul", ["w", "x"], ["m"]),
             node("Mul", ["m", "half"], ["h"]),
             node("Transpose", ["h"], ["t"]),
             node("Add", ["t", "vec"], ["y"])]
    model = make_model(nodes, [("x", (6, 5))], ["y"])
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.constant dense_resource<w> : tensor<4x6xf32>",
                  r"dnn\.constant dense<5\.000000e-01> : tensor<f32>",
                  r"dnn\.constant dense_resource<vec> : tensor<4xf32>"])


# ---------------------------------------------------------------------------
# Graph structure, element types, names
# ---------------------------------------------------------------------------

def test_unused_values_and_dead_nodes_dropped(tmp_path, dnn_opt, dnn_run):
    nodes = [node("Relu", ["x"], ["y"], name="used"),
             # Dead: nothing reads them, and Resize is not even supported.
             node("Resize", ["x", "", "scales"], ["dead1"], name="dead_resize"),
             node("Sigmoid", ["x"], ["dead2"], name="dead_sigmoid")]
    model = make_model(nodes, [("x", (1, 2, 3, 3))], ["y"],
                       {"scales": np.array([1, 1, 2, 2], np.float32),
                        "unused_weight": rand((16, 16), 2)})
    text, printed = check(model, tmp_path, dnn_opt, dnn_run)
    assert "unused_weight" not in text and "scales" not in text
    assert "sigmoid" not in printed
    assert printed.count("dnn.") == 1


def test_inputs_and_outputs_in_onnx_order(tmp_path, dnn_opt, dnn_run):
    """Arguments are the non-initializer inputs, results the outputs, both
    in ONNX order; an output may be an input or an initializer, and an
    initializer listed among the inputs (IR < 4 style) is a constant."""
    inits = {"k": rand((3,), 5), "w": rand((2, 3), 6)}
    model = make_model(
        [node("Add", ["b", "k"], ["s"]), node("Mul", ["a", "s"], ["p"])],
        [("b", (2, 3)), ("w", (2, 3)), ("a", (2, 3))],
        ["p", "a", "k", "s"], inits)
    text, printed = check(model, tmp_path, dnn_opt, dnn_run)
    assert re.search(r"func\.func @main\(%b: tensor<2x3xf32>, "
                     r"%a: tensor<2x3xf32>\) -> \(tensor<2x3xf32>, "
                     r"tensor<2x3xf32>, tensor<3xf32>, tensor<2x3xf32>\)", text)


@pytest.mark.parametrize("elem,mlir", [(F16, "f16"), (F64, "f64")])
def test_element_types_preserved(elem, mlir, tmp_path, dnn_opt, dnn_run):
    np_t = _NP[elem]
    inits = {"w": rand((4, 3, 3, 3), 1, np_t), "b": rand((4,), 2, np_t),
             "fw": rand((5, 4), 3, np_t)}
    nodes = [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             node("Relu", ["c"], ["r"]),
             node("GlobalAveragePool", ["r"], ["g"]),
             node("Flatten", ["g"], ["f"]),
             node("Gemm", ["f", "fw"], ["y"], transB=1)]
    model = make_model(nodes, [("x", (2, 3, 6, 6), elem)], [("y", elem)],
                       inits)
    # ONNX Runtime's CPU provider has no f16/f64 Conv: the reference is the
    # f32 model on the same values.
    ref_inits = {k: v.astype(np.float32) for k, v in inits.items()}
    ref_model = make_model(nodes, [("x", (2, 3, 6, 6))], ["y"], ref_inits)
    x = rand((2, 3, 6, 6), 4, np_t)
    ref = _ort(ref_model, {"x": x.astype(np.float32)})
    tol = 2e-2 if elem == F16 else 1e-5
    check(model, tmp_path, dnn_opt, dnn_run, feeds={"x": x},
          refs=[r.astype(np_t) for r in ref], rtol=tol, atol=tol,
          expect=[rf"tensor<2x3x6x6x{mlir}>", rf"tensor<4x3x3x3x{mlir}>",
                  rf"-> tensor<2x5x{mlir}>"])


def test_bfloat16_preserved(tmp_path, dnn_opt, dnn_run):
    bf16 = pytest.importorskip("ml_dtypes").bfloat16
    w = rand((4, 6), 1).astype(bf16)
    model = make_model([node("MatMul", ["x", "w"], ["m"]),
                        node("Add", ["m", "b"], ["a"]),
                        node("Relu", ["a"], ["y"])],
                       [("x", (3, 4), BF16)], [("y", BF16)],
                       {"w": numpy_helper.from_array(w, "w"),
                        "b": numpy_helper.from_array(
                            rand((6,), 2).astype(bf16), "b")})
    text = importer.import_model(model)
    assert "tensor<4x6xbf16>" in text and "tensor<3x6xbf16>" in text
    path = tmp_path / "m.mlir"
    path.write_text(text)
    roundtrip(dnn_opt, path)
    x = rand((3, 4), 3).astype(bf16)
    b = numpy_helper.to_array(model.graph.initializer[1]).astype(np.float32)
    ref = np.maximum(x.astype(np.float32) @ w.astype(np.float32) + b, 0)
    dnn_run_compare(dnn_run, path, [x.astype(np.float32)], [ref], tmp_path,
                    rtol=2e-2, atol=2e-2)


def test_resource_keys_sanitized_and_unique(tmp_path, dnn_opt, dnn_run):
    inits = {"model/w:0": rand((3,), 1), "model_w_0": rand((3,), 2),
             "0bias": rand((3,), 3)}
    model = make_model(
        [node("Add", ["x", "model/w:0"], ["a"], name="add_a"),
         node("Add", ["a", "model_w_0"], ["b"], name="add_b"),
         node("Mul", ["b", "0bias"], ["y"])],
        [("x", (2, 3))], ["y"], inits)
    text, _ = check(model, tmp_path, dnn_opt, dnn_run)
    keys = re.findall(r"dense_resource<([^>]+)>", text)
    assert len(keys) == 3 and len(set(keys)) == 3, keys
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", k) for k in keys), keys


def test_external_data(tmp_path, dnn_opt, dnn_run):
    model = make_model([node("MatMul", ["x", "w"], ["y"])], [("x", (2, 64))],
                       ["y"], {"w": rand((64, 32), 1)})
    path = tmp_path / "ext.onnx"
    onnx.save(model, path, save_as_external_data=True,
              all_tensors_to_one_file=True, location="ext.bin",
              size_threshold=0)
    assert (tmp_path / "ext.bin").exists()
    text = importer.import_model(path)
    assert "dense_resource<w>" in text
    # A ModelProto whose external data was not loaded is a clear error.
    bare = onnx.load(str(path), load_external_data=False)
    expect_api_error(bare, "tensor 'w'", "external file ('ext.bin')")


def test_library_api_accepts_path_str_and_proto(tmp_path):
    model = make_model([node("Relu", ["x"], ["y"])], [("x", (2, 2))], ["y"])
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    a = importer.import_model(model)
    b = importer.import_model(path)
    c = importer.import_model(str(path))
    assert "dnn.activation relu" in a
    assert b == c and b.split("\n", 1)[1] == a.split("\n", 1)[1]
    out = tmp_path / "m.mlir"
    stats = importer.import_to_file(path, out)
    assert out.read_text() == b and stats["ops"] == 1
    import dnn_mlir
    assert dnn_mlir.import_model is importer.import_model


# ---------------------------------------------------------------------------
# Command line, shapes
# ---------------------------------------------------------------------------

def _dynamic_model():
    x = helper.make_tensor_value_info("x", F32, ["batch", 3, "h", 8])
    y = helper.make_tensor_value_info("y", F32, None)
    graph = helper.make_graph([node("Relu", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                             ir_version=8)


def test_cli_input_shape_override(tmp_path, dnn_opt, dnn_run):
    path = tmp_path / "dyn.onnx"
    onnx.save(_dynamic_model(), path)
    out = tmp_path / "dyn.mlir"
    result = cli([path, "-o", out, "--input-shape", "x=2,3,5,8"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    text = out.read_text()
    assert "func.func @main(%x: tensor<2x3x5x8xf32>) -> tensor<2x3x5x8xf32>" \
        in text
    roundtrip(dnn_opt, out)
    x = rand((2, 3, 5, 8))
    dnn_run_compare(dnn_run, out, [x], [np.maximum(x, 0)], tmp_path, 0, 0)


def test_cli_stdout_and_default_output(tmp_path, dnn_opt):
    path = tmp_path / "relu.onnx"
    onnx.save(make_model([node("Relu", ["x"], ["y"])], [("x", (2, 2))],
                         ["y"]), path)
    result = cli([path, "-o", "-"])
    assert result.returncode == 0, result.stderr
    assert "dnn.activation relu" in result.stdout
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = cli([path, "-v"], cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert (cwd / "relu.mlir").exists()
    assert "1 dnn ops" in result.stderr


def test_python_dash_m(tmp_path):
    path = tmp_path / "relu.onnx"
    onnx.save(make_model([node("Relu", ["x"], ["y"])], [("x", (2, 2))],
                         ["y"]), path)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python")
    result = subprocess.run([sys.executable, "-m", "dnn_mlir.importer",
                             str(path), "-o", "-"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "dnn.activation relu" in result.stdout


def test_console_script_installed():
    script = pathlib.Path(sys.executable).parent / "dnn-import"
    if not script.exists() and not shutil.which("dnn-import"):
        pytest.skip("dnn-import is not installed (run utils/setup.sh)")
    result = subprocess.run([str(script) if script.exists() else "dnn-import",
                             "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--input-shape" in result.stdout


# ---------------------------------------------------------------------------
# Error paths (command line: exit status 1, one line, no traceback)
# ---------------------------------------------------------------------------

def test_error_unsupported_op(tmp_path):
    model = make_model([node("Relu", ["x"], ["r"]),
                        node("Resize", ["r", "", "scales"], ["y"],
                             name="Resize_12")],
                       [("x", (1, 2, 3, 3))], ["y"],
                       {"scales": np.array([1, 1, 2, 2], np.float32)})
    err = expect_cli_error(model, tmp_path)
    assert err.strip() == ("dnn-import: error: node 'Resize_12' (Resize): "
                           "operator Resize is not supported")


def test_error_unnamed_node_uses_op_type_and_index(tmp_path):
    model = make_model([node("Relu", ["x"], ["r"]),
                        helper.make_node("Erf", ["r"], ["y"])],
                       [("x", (2, 2))], ["y"])
    expect_cli_error(model, tmp_path, "node 'Erf_1' (Erf)",
                     "operator Erf is not supported")


def test_error_custom_domain(tmp_path):
    n = helper.make_node("FusedGemm", ["x", "x"], ["y"], name="fg",
                         domain="com.microsoft")
    graph = helper.make_graph([n], "g", [helper.make_tensor_value_info(
        "x", F32, [2, 2])], [helper.make_tensor_value_info("y", F32, None)])
    model = helper.make_model(graph, ir_version=8, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    expect_cli_error(model, tmp_path, "node 'fg' (FusedGemm)",
                     "com.microsoft.FusedGemm is not supported")


@pytest.mark.parametrize("op", ["LSTM", "GRU", "RNN"])
def test_error_rnn_sequence_lens(op, tmp_path):
    """A length past T (or below 1) is a located error."""
    hidden, gates = 4, {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    model = make_model(
        [node(op, ["x", "W", "R", "", "L"], ["", "h"], name=f"enc.{op.lower()}",
              hidden_size=hidden)],
        [("x", (5, 1, 3))], ["h"],
        {"W": rand((1, gates * hidden, 3), 1),
         "R": rand((1, gates * hidden, hidden), 2),
         "L": np.array([7], dtype=np.int32)})
    expect_cli_error(model, tmp_path, f"node 'enc.{op.lower()}' ({op})",
                     "sequence_lens [7] must hold 1 lengths in [1, 5]")


@pytest.mark.parametrize("which,shape,name", [
    (1, (1, 12, 3), "W"), (2, (1, 12, 4), "R"), (3, (1, 16), "B"),
    (5, (1, 2, 4), "initial_h"), (7, (1, 8), "P")])
def test_error_rnn_operand_shape(which, shape, name, tmp_path):
    """Inconsistent gate sizes are an import error naming the node and the
    operand, not IR that fails to verify later."""
    operands = {1: ("W", (1, 16, 3)), 2: ("R", (1, 16, 4)), 3: ("B", (1, 32)),
                5: ("h0", (1, 1, 4)), 7: ("P", (1, 12))}
    names = ["x", "", "", "", "", "", "", ""]
    inits = {}
    for i, (n, s) in operands.items():
        names[i] = n
        inits[n] = rand(shape if i == which else s, i)
    model = make_model(
        [node("LSTM", names, ["", "h"], name="enc.lstm", hidden_size=4)],
        [("x", (5, 1, 3))], ["h"], inits)
    expect_cli_error(model, tmp_path, "node 'enc.lstm' (LSTM)",
                     f"{name} '{operands[which][0]}' has shape {list(shape)}")


def test_error_rnn_activation(tmp_path):
    model = make_model(
        [node("RNN", ["x", "W", "R"], ["", "h"], name="enc.rnn",
              hidden_size=4, activations=["Swish"])],
        [("x", (5, 1, 3))], ["h"],
        {"W": rand((1, 4, 3), 1), "R": rand((1, 4, 4), 2)})
    expect_cli_error(model, tmp_path, "node 'enc.rnn' (RNN)",
                     "activation 'Swish' is not supported")


def test_error_dynamic_shape_without_override(tmp_path):
    err = expect_cli_error(_dynamic_model(), tmp_path, "graph input 'x'",
                           "dynamic shape [batch, 3, h, 8]",
                           "--input-shape x=1,3,1,8")
    assert "dimension 0 is 'batch'" in err


def test_error_input_shape_unknown_name(tmp_path):
    expect_cli_error(_dynamic_model(), tmp_path, "no input 'y'",
                     args=["--input-shape", "y=1,2"])
    expect_cli_error(_dynamic_model(), tmp_path, "2 dimensions given",
                     args=["--input-shape", "x=1,2"])
    expect_cli_error(_dynamic_model(), tmp_path, "expected NAME=D0,D1",
                     args=["--input-shape", "1,2"])


def test_error_malformed_files(tmp_path):
    expect_cli_error(b"this is not an onnx model\n" * 10, tmp_path,
                     "not a valid ONNX model")
    good = make_model([node("MatMul", ["x", "w"], ["y"])], [("x", (2, 64))],
                      ["y"], {"w": rand((64, 64), 1)}).SerializeToString()
    expect_cli_error(good[: len(good) // 2], tmp_path, "not a valid ONNX model")
    expect_cli_error(b"", tmp_path, "not a valid ONNX model")
    result = cli([tmp_path / "missing.onnx", "-o", tmp_path / "x.mlir"])
    assert result.returncode == 1 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_error_integer_tensors(tmp_path):
    model = make_model([node("Add", ["a", "b"], ["y"], name="int_add")],
                       [("a", (2, 3), T.INT64), ("b", (2, 3), T.INT64)],
                       [("y", T.INT64)])
    expect_cli_error(model, tmp_path, "node 'int_add' (Add)", "input 'a'",
                     "int64", "float16, bfloat16, float32 and float64")
    model = make_model([node("Add", ["x", "k"], ["y"], name="int_const_add")],
                       [("x", (3,), T.INT32)], [("y", T.INT32)],
                       {"k": np.array([1, 2, 3], np.int32)})
    expect_cli_error(model, tmp_path, "int32")
    # An integer initializer reaching a float computation through a Cast is
    # folded; an integer constant used directly names the node.
    model = make_model([node("Cast", ["x"], ["c"], name="to_int", to=T.INT64),
                        node("Relu", ["c"], ["y"], name="int_relu")],
                       [("x", (3,))], [("y", T.INT64)])
    expect_cli_error(model, tmp_path, "node 'to_int' (Cast)",
                     "not supported")


def test_error_integer_constant_operand(tmp_path):
    model = make_model([node("Relu", ["k"], ["r"], name="relu_int"),
                        node("Add", ["r", "r"], ["y"])],
                       [], [("y", T.INT64)],
                       {"k": np.array([1, -2], np.int64)})
    expect_cli_error(model, tmp_path, "node 'relu_int' (Relu)",
                     "input 'k' is a tensor of int64")


def test_error_old_opset(tmp_path):
    model = helper.make_model(
        helper.make_graph([node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", F32, [2])],
                          [helper.make_tensor_value_info("y", F32, [2])]),
        opset_imports=[helper.make_opsetid("", 6)], ir_version=3)
    expect_cli_error(model, tmp_path, "opset 6 is older than 7")


def test_error_unsupported_attribute(tmp_path):
    model = make_model([node("Relu", ["x"], ["y"])], [("x", (2,))], ["y"])
    model.graph.node[0].attribute.append(helper.make_attribute("alpha", 0.1))
    expect_api_error(model, "node 'relu0' (Relu)",
                     "attribute 'alpha' is not supported")


# ---------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------

def test_locations_and_report_names(tmp_path, dnn_opt, dnn_run):
    nodes = [node("Conv", ["x", "w"], ["c"], name="layer1.0.conv1",
                  pads=[1, 1, 1, 1]),
             node("Relu", ["c"], ["r"], name="layer1.0.relu"),
             helper.make_node("GlobalAveragePool", ["r"], ["g"]),  # unnamed
             node("Flatten", ["g"], ["f"], name="flatten"),
             node("Gemm", ["f", "wfc"], ["y"], name="head/fc \"x\"",
                  alpha=0.5)]
    inits = {"w": rand((4, 3, 3, 3), 1), "wfc": rand((4, 5), 2)}
    model = make_model(nodes, [("x", (1, 3, 8, 8))], ["y"], inits)
    text, _ = check(model, tmp_path, dnn_opt, dnn_run)
    assert 'dnn.conv2d' in text and 'loc("layer1.0.conv1")' in text
    assert 'loc("layer1.0.relu")' in text
    assert 'loc("GlobalAveragePool_2")' in text
    assert 'loc("head/fc \\22x\\22")' in text
    report = roundtrip(dnn_opt, tmp_path / "model.mlir",
                       "--dnn-attach-target=gpu=h100", "--dnn-assign-mapping",
                       "--dnn-predict=report=-", "-o", os.devnull)
    names = [line.split()[0] for line in report.splitlines()[2:]
             if line.split() and line.split()[1].startswith("dnn.")]
    assert names[:3] == ["layer1.0.conv1", "layer1.0.relu",
                         "GlobalAveragePool_2"], report
    assert 'head/fc "x"' in report


def test_multi_op_node_locations(tmp_path, dnn_opt, dnn_run):
    """A node that becomes several ops: the main op has the node's name, the
    others a fused location tagged with what they do; the report names all
    of them after the node."""
    model = _gemm_model(a_shape=(6, 3), b_shape=(6, 4), c_shape=(1, 4),
                        b_init=False, c_init=False, transA=1, alpha=1.5,
                        beta=-0.5)
    text, _ = check(model, tmp_path, dnn_opt, dnn_run)
    assert 'dnn.matmul' in text and re.search(
        r'dnn\.matmul .* loc\("fc"\)', text)
    for tag in ("transA", "alpha", "beta", "C"):
        assert f'loc(fused<"{tag}">["fc"])' in text, text
    report = roundtrip(dnn_opt, tmp_path / "model.mlir",
                       "--dnn-attach-target=gpu=h100", "--dnn-assign-mapping",
                       "--dnn-predict=report=-", "-o", os.devnull)
    rows = [line.split() for line in report.splitlines()[2:]
            if len(line.split()) > 1 and line.split()[1].startswith("dnn.")]
    assert rows and all(r[0] == "fc" for r in rows), report


# ---------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------

def _resnet50_sized():
    try:
        from dnn_mlir import models
        return models.resnet50(), "models.resnet50"
    except ImportError:
        pass
    # A plain stack of 3x3 convolutions with about 25 M parameters.
    rng = np.random.default_rng(0)
    nodes, inits, x, c = [], [], "input", 3
    for i, cout in enumerate([64, 128, 256, 512, 512, 512, 512, 512, 512,
                              512, 512, 512, 512, 512, 512, 512, 512]):
        w = rng.standard_normal((cout, c, 3, 3), dtype=np.float32)
        inits.append(numpy_helper.from_array(w, f"conv{i}.weight"))
        nodes.append(helper.make_node("Conv", [x, f"conv{i}.weight"],
                                      [f"conv{i}"], name=f"conv{i}",
                                      pads=[1, 1, 1, 1]))
        x, c = f"conv{i}", cout
    graph = helper.make_graph(nodes, "stack", [helper.make_tensor_value_info(
        "input", F32, [1, 3, 32, 32])], [helper.make_tensor_value_info(
            x, F32, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                             ir_version=8), "conv stack"


def test_import_speed_resnet50_size(tmp_path, dnn_opt):
    model, what = _resnet50_sized()
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert params > 20_000_000
    path = tmp_path / "big.onnx"
    onnx.save(model, path)
    out = tmp_path / "big.mlir"
    start = time.perf_counter()
    importer.import_to_file(path, out)
    elapsed = time.perf_counter() - start
    print(f"\nimport of {what} ({params / 1e6:.1f} M parameters, "
          f"{path.stat().st_size / 1e6:.0f} MB) took {elapsed:.2f} s")
    assert elapsed < 10.0
    roundtrip(dnn_opt, out, "-o", os.devnull)


def test_input_shape_override_with_stale_declared_shapes(tmp_path, dnn_opt,
                                                         dnn_run):
    """A model exported with a static batch of 1, its outputs and
    intermediate values declared so, imported at batch 3."""
    model = make_model([node("Relu", ["x"], ["r"]), node("Flatten", ["r"], ["y"])],
                       [("x", (1, 2, 3, 3))], ["y"])
    model = onnx.shape_inference.infer_shapes(model)
    assert model.graph.value_info and model.graph.output[0].type.tensor_type \
        .shape.dim[0].dim_value == 1
    x = rand((3, 2, 3, 3))
    check(model, tmp_path, dnn_opt, dnn_run, input_shapes={"x": [3, 2, 3, 3]},
          expect=[r"dnn\.flatten %\w+ : tensor<3x2x3x3xf32> -> "
                  r"tensor<3x18xf32>"],
          feeds={"x": x}, refs=[np.maximum(x, 0).reshape(3, 18)])


def test_dead_custom_domain_node_ignored(tmp_path, dnn_opt, dnn_run):
    dead = helper.make_node("Unknown", ["x"], ["z"], name="dead",
                            domain="com.example")
    graph = helper.make_graph(
        [node("Relu", ["x"], ["y"]), dead], "g",
        [helper.make_tensor_value_info("x", F32, [2, 2])],
        [helper.make_tensor_value_info("y", F32, None)])
    model = helper.make_model(graph, ir_version=8, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    text = importer.import_model(model)
    assert "dnn.activation relu" in text and "Unknown" not in text


@pytest.mark.parametrize("opset", [11, 13, 21, 22, 23])
def test_small_cnn_end_to_end(opset, tmp_path, dnn_opt, dnn_run):
    """A residual block and a classifier head, as exporters write them, at
    old and recent opsets."""
    c = 8
    inits = {"w0": rand((c, 3, 3, 3), 1), "b0": rand((c,), 2),
             "w1": rand((c, c, 3, 3), 3, low=-0.3, high=0.3),
             "fc.w": rand((10, c), 4), "fc.b": rand((10,), 5),
             "zero": np.array(0, np.int64), "minus1": np.array([-1], np.int64),
             "lo": np.array(0, np.float32), "hi": np.array(6, np.float32),
             **{f"bn.{k}": v for k, v in _bn_inits(c).items()}}
    if opset >= 13:
        inits["axes"] = np.array([0], np.int64)
        unsqueeze = helper.make_node("Unsqueeze", ["n", "axes"], ["n1"])
    else:
        unsqueeze = helper.make_node("Unsqueeze", ["n"], ["n1"], axes=[0])
    nodes = [
        node("Conv", ["x", "w0", "b0"], ["c0"], name="stem.conv",
             pads=[1, 1, 1, 1], strides=[2, 2]),
        node("Clip", ["c0", "lo", "hi"], ["r0"], name="stem.relu6"),
        node("MaxPool", ["r0"], ["p0"], name="stem.pool", kernel_shape=[3, 3],
             strides=[2, 2], pads=[1, 1, 1, 1]),
        node("Conv", ["p0", "w1"], ["c1"], name="block.conv", pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "bn.s", "bn.o", "bn.m", "bn.v"],
             ["b1"], name="block.bn"),
        node("Add", ["b1", "p0"], ["s1"], name="block.add"),
        node("Relu", ["s1"], ["r1"], name="block.relu"),
        node("GlobalAveragePool", ["r1"], ["g"], name="avgpool"),
        helper.make_node("Shape", ["g"], ["shape_g"]),
        helper.make_node("Gather", ["shape_g", "zero"], ["n"], axis=0),
        unsqueeze,
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        node("Reshape", ["g", "target"], ["f"], name="flatten"),
        node("Gemm", ["f", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
        node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    model = make_model(nodes, [("x", (2, 3, 16, 16))], ["logits", "probs"],
                       inits, opset=opset)
    text, _ = check(model, tmp_path, dnn_opt, dnn_run,
                    expect=[r"dnn\.activation relu6", r"dnn\.linear",
                            r"dnn\.reshape %\w+ : tensor<2x8x1x1xf32> -> "
                            r"tensor<2x8xf32>"])
    for name in ("stem.conv", "stem.relu6", "block.bn", "block.add", "fc",
                 "softmax"):
        assert f'loc("{name}")' in text


def test_reshape_allowzero_empty_rejected():
    model = make_model([node("Reshape", ["x", "s"], ["y"], name="rz",
                             allowzero=1)],
                       [("x", (2, 6))], ["y"],
                       {"s": np.array([0, 12], np.int64)}, opset=14)
    expect_api_error(model, "node 'rz' (Reshape)")


def test_output_written_completely_or_not_at_all(tmp_path):
    model = make_model([node("Relu", ["x"], ["y"])], [("x", (2, 2))], ["y"])
    out = tmp_path / "m.mlir"
    out.write_text("old")
    with pytest.raises(importer.OnnxImportError):
        importer.import_to_file(_dynamic_model(), out)
    assert out.read_text() == "old"
    importer.import_to_file(model, out)
    assert "dnn.activation relu" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.mlir"]
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_current_umask()
    with pytest.raises(importer.OnnxImportError, match="cannot write"):
        importer.import_to_file(model, tmp_path / "missing" / "m.mlir")


def _current_umask():
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def test_local_functions_inlined(tmp_path, dnn_opt, dnn_run):
    fn = helper.make_function(
        "local", "ReluAdd", ["a", "b"], ["c"],
        [helper.make_node("Add", ["a", "b"], ["s"]),
         helper.make_node("Relu", ["s"], ["c"])],
        opset_imports=[helper.make_opsetid("", 17)])
    graph = helper.make_graph(
        [helper.make_node("ReluAdd", ["x", "y"], ["z"], name="block",
                          domain="local")], "g",
        [helper.make_tensor_value_info("x", F32, [2, 3]),
         helper.make_tensor_value_info("y", F32, [2, 3])],
        [helper.make_tensor_value_info("z", F32, None)])
    model = helper.make_model(graph, functions=[fn], ir_version=8,
                              opset_imports=[helper.make_opsetid("", 17),
                                             helper.make_opsetid("local", 1)])
    check(model, tmp_path, dnn_opt, dnn_run,
          expect=[r"dnn\.add %arg0, %arg1", r"dnn\.activation relu"])


def test_header_comment_escapes_control_characters(tmp_path, dnn_opt,
                                                   dnn_run):
    # A newline in the producer name or in the file name used to end the
    # `// Imported by ...` comment and leave the rest as (invalid) MLIR.
    model = make_model([node("Relu", ["x"], ["y"])], [("x", (2, 3))], ["y"])
    model.producer_name = "my\ntool"
    model.producer_version = "1.0\r\n}"
    text, _ = check(model, tmp_path, dnn_opt, dnn_run)
    assert text.splitlines()[0] == (
        "// Imported by dnn-import from an onnx.ModelProto: producer "
        "my\\x0atool 1.0\\x0d\\x0a}, default-domain opset 17.")
    path = tmp_path / "we\nird.onnx"
    onnx.save(model, path)
    out = tmp_path / "weird.mlir"
    importer.import_to_file(path, out)
    roundtrip(dnn_opt, out)
    assert "we\\x0aird.onnx" in out.read_text().splitlines()[0]


def test_input_shapes_malformed_in_library_api():
    # Library callers' malformed shapes raised ValueError/TypeError instead of
    # OnnxImportError; a string of dimensions was not accepted at all.
    model = _dynamic_model()
    name = _graph_inputs(model)[0].name
    for bad in ({name: [2, "a"]}, {name: 2}, [f"{name}=a,3"]):
        with pytest.raises(importer.OnnxImportError,
                           match="expected a list of integer dimensions"):
            importer.import_model(model, input_shapes=bad)
    shape = [d.dim_value or 2 for d in
             _graph_inputs(model)[0].type.tensor_type.shape.dim]
    text = importer.import_model(
        model, input_shapes={name: ",".join(map(str, shape))})
    assert "x".join(map(str, shape)) in text
