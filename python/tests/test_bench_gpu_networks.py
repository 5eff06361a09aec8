"""The here-half of utils/bench-gpu/networks.py and the parts of its
there-half that need no GPU.

`prepare --quick` compiles a tiny case set (a conv layer and a ResNet-18 and
a MobileNetV2 at 32x32 with a quarter of the channels, checked against the
CPU reference; a linear layer whose weights are made on the device; the f16
and bf16 ones: an f16 conv and a bf16 linear layer and the ResNet-18 in f16,
checked against the CPU reference, an f16 linear layer made on the device);
the tests check the folder (files, manifests, dtypes, sizes, references,
tolerances, the op list against the module), the parsers and packers, the
`run` half's dnn-bench path under the fake CUDA driver (kernels never run,
so outputs are wrong: checks off, or expected to fail), the throughput
summary against PyTorch (made-up rows), and the PyTorch executor of the op
list against dnn-run's reference with the same weights. PyTorch is not in the
project's venv: the executor tests run with $DNN_TORCH_PYTHON (a Python with
torch and numpy, e.g. Debian's python3-torch) or sys.executable if it has
torch, and are skipped otherwise.

Skipped when dnn-compile cannot link a model (no CUDA runtime archive, no C++
compiler).
"""
from __future__ import annotations

import collections
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, compile_ready, find_torch_python, load_script

SCRIPT = ROOT / "utils" / "bench-gpu" / "networks.py"


nw = load_script(SCRIPT, "bench_gpu_networks")


def _prepare(build, out, *extra):
    reason = compile_ready(build)
    if reason:
        pytest.skip(f"dnn-compile cannot run: {reason}")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "prepare", "--quick", "--out", str(out),
         "--build-dir", str(build), *extra],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, time.perf_counter() - t0


@pytest.fixture(scope="module")
def prepared(build_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("networks")
    proc, seconds = _prepare(build_dir, out, "--keep-mlir")
    print(proc.stdout)
    print(f"prepare --quick: {seconds:.1f} s")
    spec = json.loads((out / "cases.json").read_text())
    return out, spec


# ---------------------------------------------------------------------------
# The prepared folder
# ---------------------------------------------------------------------------

QUICK_DTYPES = {"tiny_conv": "f32", "tiny_linear": "f32", "tiny_conv_f16": "f16",
                "tiny_linear_f16": "f16", "tiny_linear_bf16": "bf16",
                "tiny_resnet18": "f32", "tiny_mobilenet_v2": "f32",
                "tiny_resnet18_f16": "f16"}
NPY_DESCR = {"f32": "<f4", "f16": "<f2", "bf16": "|V2"}


def test_cases_and_files(prepared, build_dir):
    out, spec = prepared
    cases = {c["name"]: c for c in spec["cases"]}
    assert set(cases) == set(QUICK_DTYPES)
    assert {c["kind"] for c in cases.values()} == {"layer", "network"}
    assert os.access(out / spec["dnn_bench"], os.X_OK)
    for c in cases.values():
        so = out / c["so"]
        assert so.is_file() and (out / c["ops"]).is_file()
        # The manifest parses in dnn-bench and is the one in cases.json.
        proc = subprocess.run([str(out / spec["dnn_bench"]), str(so), "--manifest"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        man = c["manifest"]
        assert man == nw.read_manifest(so)
        assert man["target"]["chip"] == "sm_90" and man["target"]["format"] == "isa"
        assert f"weights: {man['weights_bytes']} bytes" in proc.stdout
        for a in man["args"]:
            what = f"{a['bytes']} bytes" if a["kind"] == "workspace" else \
                re.escape(a["name"]) + r"\b"
            assert re.search(rf"^\s*{a['index']} {a['kind']} {what}",
                             proc.stdout, re.M), (a, proc.stdout)
        assert c["macs"] > 0
        # The case's dtype is its inputs', outputs' and weights'.
        assert c["dtype"] == QUICK_DTYPES[c["name"]]
        assert {a["dtype"] for a in man["args"] if a["kind"] != "workspace"} \
            == {c["dtype"]}
        assert c["gemms"] >= 1 and c["max_k"] > 0 and not c["large"]
        rtol, atol_scale = nw.check_tolerance(c["dtype"], c["max_k"], c["gemms"])
        assert c["check"]["rtol"] == rtol
        assert c["check"]["atol_scale"] == atol_scale
        if c["random_weights"]:
            assert c["weights"]["source"] == "generated"
            assert c["check"]["against"] == "pytorch-f64"
            assert not c["references"] and all(i["file"] is None
                                               for i in c["inputs"])
            assert not list(out.glob(c["name"] + ".weights*"))
            assert not list(out.glob(c["name"] + ".*.npy"))
            continue
        # Carried: the weights rebuild to the manifest's size, the input
        # and the reference have the manifest's shapes.
        raw = nw.load_case_weights(out, c)
        assert len(raw) == man["weights_bytes"] > 0
        if c["dtype"] == "f32":   # bf16-rounded f32 weights pack to half
            assert c["weights"]["encoding"] == "bf16z"
            assert (out / c["weights"]["file"]).stat().st_size < len(raw) * 0.6
        else:                     # 16-bit weights travel as they are
            assert c["weights"]["encoding"] == "raw"
            assert (out / c["weights"]["file"]).read_bytes() == raw
        for spec_in, a in zip(c["inputs"], nw.manifest_args(man, "input")):
            # The descr dnn-bench reads for the manifest's dtype.
            x = np.load(out / spec_in["file"])
            assert list(x.shape) == a["shape"]
            assert x.dtype.str == NPY_DESCR[a["dtype"]], (c["name"], x.dtype)
        outs = nw.manifest_args(man, "output")
        assert [r["name"] for r in c["references"]] == [a["name"] for a in outs]
        for r, a in zip(c["references"], outs):
            y = np.load(out / r["file"])
            # dnn-run writes f16 as f16, bf16 as the f32 values.
            assert list(y.shape) == a["shape"]
            assert y.dtype == (np.float16 if a["dtype"] == "f16" else np.float32)
            if a["dtype"] == "bf16":
                assert not np.any(y.view("<u4") & 0xFFFF)
            assert np.isfinite(y).all() and np.abs(y).max() > 0
        assert c["check"]["against"] == "cpu-reference"
        assert c["check"]["atol"] == pytest.approx(
            c["check"]["atol_scale"] * float(np.abs(y.astype(np.float64)).max()))
    for name in ("tiny_conv", "tiny_conv_f16", "tiny_linear_bf16",
                 "tiny_resnet18_f16"):
        assert not cases[name]["random_weights"], name
    assert cases["tiny_linear"]["random_weights"]
    assert cases["tiny_linear_f16"]["random_weights"]


def _conv_nchw(x, w, b, stride, pad):
    """float64 NCHW convolution (square stride and padding), NumPy only."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[-1]
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]
    return np.einsum("nchwij,fcij->nfhw", win, w) + b[None, :, None, None]


@pytest.mark.parametrize("name", ["tiny_conv_f16", "tiny_linear_bf16"])
def test_16bit_references_are_the_layer(prepared, name):
    # The carried f16/bf16 weights, input and CPU reference are the layer:
    # the exact result (float64, from the same 16-bit values) rounds to the
    # reference within the case's tolerance, and the tolerance is not so
    # loose that a wrong layer passes.
    out, spec = prepared
    c = next(c for c in spec["cases"] if c["name"] == name)
    w = nw.weights_from_bytes(nw.load_case_weights(out, c), c["manifest"])
    weight, bias = (np.asarray(w[f"{name}.{k}"], np.float64)
                    for k in ("weight", "bias"))
    x = nw.load_npy_values(out / c["inputs"][0]["file"]).astype(np.float64)
    p = nw.QUICK_LAYERS[name]
    if p["op"] == "conv2d":
        exact = _conv_nchw(x, weight, bias, p["stride"], p["pad"])
    else:
        exact = x @ weight.T + bias
    ref = nw.load_npy_values(out / c["references"][0]["file"])
    # Every value is exact in the case's dtype.
    for arr in (weight, bias, x):
        assert np.array_equal(
            nw.dtype_values(nw.to_dtype_array(arr, c["dtype"]), c["dtype"]), arr)
    scale = float(np.abs(exact).max())
    ok = nw.compare(ref, exact, c["check"]["rtol"], c["check"]["atol_scale"] * scale)
    assert ok["pass"], ok
    assert ok["max_abs"] <= 2 * nw.UNIT_ROUNDOFF[c["dtype"]] * scale
    off = nw.compare(ref, exact * (1 + 4 * c["check"]["rtol"]), c["check"]["rtol"],
                     c["check"]["atol_scale"] * scale)
    assert not off["pass"]


def test_folder_within_budget(prepared):
    out, spec = prepared
    total = sum(f.stat().st_size for f in out.iterdir()
                if f.is_file() and f.suffix != ".mlir")   # --keep-mlir extras
    assert total < 45 * 2 ** 20
    assert total < 8 * 2 ** 20     # the quick set is small


def test_budget_leaves_weights_behind(build_dir, tmp_path):
    out = tmp_path / "small"
    proc, _ = _prepare(build_dir, out, "--layers", "none", "--models",
                       "tiny_resnet18", "--budget-mb", "0.6")
    spec = json.loads((out / "cases.json").read_text())
    (case,) = spec["cases"]
    assert case["random_weights"]
    assert "budget" in case["weights"]["reason"]
    assert "weights not carried" in proc.stdout
    assert not list(out.glob("*.weights*")) and not list(out.glob("*.npy"))


def _module_ops(text: str) -> collections.Counter:
    return collections.Counter(re.findall(r"^\s*%\S+ = dnn\.(\w+)", text, re.M))


def test_op_list_covers_the_module(prepared):
    out, spec = prepared
    for c in spec["cases"]:
        oplist = json.loads((out / c["ops"]).read_text())
        module = (out / f"{c['name']}.mlir").read_text()
        counts = collections.Counter(op["op"] for op in oplist["ops"])
        assert counts == _module_ops(module), c["name"]
        assert counts == collections.Counter(c["op_counts"])
        assert set(counts) <= nw.SUPPORTED_OPS
        man = c["manifest"]
        # Inputs/outputs are the manifest's.
        assert [(i["name"], i["shape"]) for i in oplist["inputs"]] == \
            [(a["name"], a["shape"]) for a in nw.manifest_args(man, "input")]
        assert [(o["name"], o["shape"]) for o in oplist["outputs"]] == \
            [(a["name"], a["shape"]) for a in nw.manifest_args(man, "output")]
        # Every constant is a manifest weight of the same shape and back.
        weights = {a["name"]: a for a in nw.manifest_args(man, "weight")}
        keys = set()
        for op in oplist["ops"]:
            if op["op"] == "constant":
                key = op["attrs"]["resource"]
                keys.add(key)
                assert weights[key]["shape"] == op["shape"]
                assert weights[key]["dtype"] == op["dtype"]
            else:
                assert op["operands"] and op["shape"]
                assert len(op["operand_shapes"]) == len(op["operands"])
        assert keys == set(weights)
        assert set(c["weight_roles"]) == keys
        # Each op kind has the attributes PyTorch needs.
        for op in oplist["ops"]:
            if op["op"] == "conv2d":
                assert {"strides", "padding", "dilation", "groups"} <= set(op["attrs"])
            if op["op"] == "activation":
                assert op["attrs"]["kind"] in nw.ACTIVATIONS
            if op["op"] == "max_pool2d":
                assert len(op["attrs"]["kernel_size"]) == 2
    mobilenet = next(c for c in spec["cases"] if c["name"] == "tiny_mobilenet_v2")
    ops = json.loads((out / mobilenet["ops"]).read_text())["ops"]
    assert any(op["op"] == "conv2d" and op["attrs"]["groups"] > 1 for op in ops)
    assert any(op["op"] == "activation" and op["attrs"]["kind"] == "relu6"
               for op in ops)
    assert all(op.get("name") for op in ops)   # torchvision names from loc()


# ---------------------------------------------------------------------------
# Parsers, packers, weights (no tools)
# ---------------------------------------------------------------------------

GENERIC = r'''"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1x4x6x6xf32> loc("m.mlir":1:2)):
    %0 = "dnn.constant"() <{value = dense_resource<"w.0"> : tensor<4x1x3x3xf32>}> : () -> tensor<4x1x3x3xf32> loc("w")
    %1 = "dnn.constant"() <{value = dense<[1.0, -2.5, 0x7F800000, 3.0]> : tensor<4xf32>}> : () -> tensor<4xf32> loc(unknown)
    %2 = "dnn.conv2d"(%arg0, %0, %1) <{dilation = array<i64: 1, 1>, groups = 4 : i64, padding = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}> : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32> loc(fused<"epilogue">["conv"])
    %3 = "dnn.activation"(%2) <{kind = 5 : i32}> : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> loc("act")
    %4 = "dnn.batch_norm"(%3, %1, %1, %1, %1) <{epsilon = 1.000000e-03 : f64}> : (tensor<1x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
    %5 = "dnn.avg_pool2d"(%4) <{ceil_mode = false, count_include_pad = true, dilation = array<i64: 1, 1>, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
    "func.return"(%5) : (tensor<1x4x3x3xf32>) -> () loc("m.mlir":9:5)
  }) : () -> () loc("m.mlir":1:1)
}) : () -> () loc(unknown)
'''


def test_parse_generic_op_list():
    ol = nw.parse_op_list(GENERIC)
    assert ol["inputs"] == [{"ssa": "%arg0", "name": "arg0", "shape": [1, 4, 6, 6],
                             "dtype": "f32"}]
    assert ol["outputs"] == [{"ssa": "%5", "name": "result0",
                              "shape": [1, 4, 3, 3], "dtype": "f32"}]
    ops = ol["ops"]
    assert [op["op"] for op in ops] == ["constant", "constant", "conv2d",
                                        "activation", "batch_norm", "avg_pool2d"]
    assert ops[0]["attrs"] == {"resource": "w.0"} and ops[0]["name"] == "w"
    assert ops[1]["attrs"]["value"] == [1.0, -2.5, float("inf"), 3.0]
    conv = ops[2]
    assert conv["attrs"] == {"dilation": [1, 1], "groups": 4,
                             "padding": [0, 0, 1, 1], "strides": [2, 2]}
    assert conv["operands"] == ["%arg0", "%0", "%1"]
    assert conv["operand_shapes"] == [[1, 4, 6, 6], [4, 1, 3, 3], [4]]
    assert conv["name"] == "conv" and "name" not in ops[1]
    assert ops[3]["attrs"]["kind"] == "gelu_tanh"
    assert ops[4]["attrs"]["epsilon"] == pytest.approx(1e-3)
    assert ops[5]["attrs"]["count_include_pad"] is True
    assert nw.op_macs(conv) == 1 * 4 * 3 * 3 * 9
    assert nw.constant_roles(ol) == {"w.0": "weight"}


def test_parse_rejects_what_it_cannot_rebuild():
    with pytest.raises(ValueError, match="no function @main"):
        nw.parse_op_list(GENERIC.replace('"main"', '"other"'))
    with pytest.raises(ValueError, match="dynamic"):
        nw.parse_tensor_type("tensor<?x4xf32>")
    with pytest.raises(ValueError, match="activation"):
        nw.parse_op_list(GENERIC.replace("kind = 5 : i32", "kind = 9 : i32"))


def test_parse_manifest():
    man = nw.parse_manifest(
        "dnn-model 1\nentry main\ntarget h100-sxm sm_90 isa\nweights 768\n"
        "arg 0 input arg0 f32 2x3\narg 1 weight fc.weight f32 4x3 0\n"
        "arg 2 weight s f16 scalar 512\narg 3 output result0 f32 2x4\n"
        "arg 4 workspace workspace i8 1024\nkernel linear_0 1 1 1 256 0\n")
    assert man["weights_bytes"] == 768 and man["kernels"] == 1
    assert man["target"] == {"gpu": "h100-sxm", "chip": "sm_90", "format": "isa"}
    assert [a["kind"] for a in man["args"]] == ["input", "weight", "weight",
                                                "output", "workspace"]
    assert man["args"][2]["shape"] == [] and man["args"][2]["offset"] == 512
    assert man["args"][4]["bytes"] == 1024


def test_bf16_rounding_and_packing():
    vals = np.array([1.0, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, 1.0 + 2 ** -9,
                     -3.14159, 0.0, np.inf, np.nan, 1e-40], np.float32)
    r = nw.round_to_bf16(vals.view("<u4")).view("<f4")
    assert r[0] == 1.0 and r[1] == 1.0          # tie to even (down)
    assert r[2] == 1.0 + 4 * 2 ** -8            # tie to even (up)
    assert r[3] == 1.0 and r[5] == 0.0 and r[6] == np.inf and np.isnan(r[7])
    assert abs(r[4] + 3.14159) < 0.02
    assert not np.any(r.view("<u4") & 0xFFFF)
    raw = np.concatenate([r[:7], np.zeros(57, np.float32)]).tobytes()
    packed = nw.pack_bf16z(raw)
    assert packed is not None and nw.unpack_bf16z(packed) == raw
    assert nw.pack_bf16z(np.array([1.1], np.float32).tobytes()) is None
    assert nw.pack_bf16z(b"\0\0\0") is None


def test_weights_round_trip_and_generation():
    man = nw.parse_manifest(
        "dnn-model 1\nentry main\ntarget h100-sxm sm_90 isa\nweights 1024\n"
        "arg 0 input arg0 f32 2x3\narg 1 weight c.weight f32 8x2x3x3 0\n"
        "arg 2 weight c.bias f32 8 768\narg 3 output result0 f32 2x4\n")
    roles = {"c.weight": "weight", "c.bias": "bias"}
    w = nw.generate_weights(man, roles, seed=3)
    assert w["c.weight"].shape == (8, 2, 3, 3) and w["c.bias"].shape == (8,)
    bound = np.sqrt(6.0 / 18)
    assert np.abs(w["c.weight"]).max() <= bound and np.abs(w["c.bias"]).max() <= 0.1
    again = nw.generate_weights(man, roles, seed=3)
    assert all(np.array_equal(w[k], again[k]) for k in w)
    raw = nw.weights_to_bytes(w, man)
    assert len(raw) == 1024
    back = nw.weights_from_bytes(raw, man)
    assert all(np.array_equal(w[k], back[k]) for k in w)
    assert raw[8 * 18 * 4:768] == bytes(768 - 8 * 18 * 4)   # padding is zero


def test_16bit_arrays_and_npy(tmp_path):
    vals = np.array([1.0, 1.0 + 2 ** -11, -3.14159, 65504.0, 1e-8, 0.0], np.float32)
    h = nw.to_dtype_array(vals, "f16")
    assert h.dtype == np.float16 and h[1] == 1.0 and h[3] == 65504.0
    b = nw.to_dtype_array(vals, "bf16")
    assert b.dtype == np.uint16 and b[0] == 0x3F80
    back = nw.dtype_values(b, "bf16")
    assert back[1] == 1.0 and abs(back[2] + 3.14159) < 0.02
    assert np.array_equal(nw.dtype_values(nw.to_dtype_array(back, "bf16"), "bf16"),
                          back)
    for dtype, descr in NPY_DESCR.items():
        nw.save_npy(tmp_path / f"{dtype}.npy", vals, dtype)
        raw = np.load(tmp_path / f"{dtype}.npy")
        assert raw.dtype.str == descr
        got = nw.load_npy_values(tmp_path / f"{dtype}.npy")
        assert got.dtype == np.float32
        assert np.array_equal(got, nw.dtype_values(nw.to_dtype_array(vals, dtype),
                                                   dtype))


def test_layer_module_in_16_bits():
    p = dict(op="linear", m=4, n=6, k=8)
    f32 = nw.layer_module("l", p, 3)
    for dtype in ("f16", "bf16"):
        text = nw.layer_module("l", p, 3, dtype=dtype)
        assert f"tensor<4x8x{dtype}>" in text and f"tensor<6x8x{dtype}>" in text
        assert "f32" not in text.split("{-#")[0]
        blob = re.search(r'l\.weight: "0x04000000([0-9A-F]+)"', text).group(1)
        assert len(blob) == 6 * 8 * 2 * 2          # 2 bytes a value
    # The same draws, rounded: f16 weights are the f32 ones to f16.
    w32 = np.frombuffer(bytes.fromhex(re.search(
        r'l\.weight: "0x04000000([0-9A-F]+)"', f32).group(1)), "<f4")
    w16 = np.frombuffer(bytes.fromhex(re.search(
        r'l\.weight: "0x04000000([0-9A-F]+)"',
        nw.layer_module("l", p, 3, bf16=False, dtype="f16")).group(1)), "<f2")
    assert np.allclose(w16, w32, rtol=2 ** -8)


def test_check_tolerance_by_dtype():
    assert nw.check_tolerance("f32", 4096, 1) == (nw.RTOL, nw.ATOL_SCALE)
    assert nw.check_tolerance("f32", 4096, 50) == (nw.RTOL, nw.ATOL_SCALE)
    rtol, atol = nw.check_tolerance("f16", 4096, 1)
    assert rtol == 2 ** -10 and atol == pytest.approx(2 ** -10 + 4096 * 2 ** -24)
    # K matters (the f32 summation bound), and so do depth and dtype.
    assert nw.check_tolerance("f16", 147, 1)[1] < atol
    assert nw.check_tolerance("f16", 4096, 53)[0] == 8 * 2 ** -11
    assert nw.check_tolerance("bf16", 4096, 1)[0] == 2 ** -7


def _row(case, dtype, ours, theirs, large=True, kind="layer"):
    row = {"case": case, "kind": kind, "dtype": dtype, "large": large,
           "description": case, "gmac": 1.0, "weights": "carried",
           "ours": {"median_ms": ours}, "check": {"timing_only": True,
                                                   "pass": None}}
    if theirs is not None:
        row[nw.torch_key(dtype)] = {"median_ms": theirs}
    row["vs_torch"] = nw.vs_torch(row)
    return row


def test_throughput_against_pytorch_and_targets():
    rows = [_row("a_f32", "f32", 2.0, 1.5),          # 75%: meets 70%
            _row("b_f32", "f32", 2.0, 1.0),          # 50%: below
            _row("c_f16", "f16", 1.0, 0.6),          # 60%: meets 50%
            _row("d_bf16", "bf16", 1.0, 0.4),        # 40%: below
            _row("e_f16", "f16", 1.0, None),         # PyTorch failed
            _row("small_f16", "f16", 1.0, 0.1, large=False),
            _row("net_f16", "f16", 4.0, 2.0, large=False, kind="network")]
    v = rows[0]["vs_torch"]
    assert v["throughput_pct"] == pytest.approx(75.0)
    assert v["ratio"] == pytest.approx(2.0 / 1.5)
    assert v["target_pct"] == 70.0 and v["meets_target"] is True
    assert rows[1]["vs_torch"]["meets_target"] is False
    assert rows[2]["vs_torch"]["target_pct"] == 50.0
    assert rows[2]["vs_torch"]["meets_target"] is True
    assert rows[3]["vs_torch"]["meets_target"] is False
    assert rows[4]["vs_torch"]["throughput_pct"] is None
    assert rows[4]["vs_torch"]["meets_target"] is None
    assert rows[5]["vs_torch"]["target_pct"] is None   # not a large layer
    assert rows[6]["vs_torch"]["throughput_pct"] == pytest.approx(50.0)
    t = nw.target_summary(rows)
    assert set(t) == {"f32", "f16", "bf16"}
    assert t["f32"] == {"target_pct": 70.0, "cases": 2, "measured": 2, "met": 1,
                        "min_pct": pytest.approx(50.0), "min_case": "b_f32",
                        "below": ["b_f32"]}
    assert t["f16"]["cases"] == 2 and t["f16"]["measured"] == 1
    assert t["f16"]["met"] == 1
    table = nw.markdown({"date": "today", "runs": 5, "warmup": 1, "rows": rows})
    assert "| c_f16 | layer | f16 | 1.000 | carried | 1.000 | 0.600 | 1.67 | 60.0 " \
           "| >= 50%: yes |" in table
    assert "| d_bf16 | layer | bf16 |" in table and ">= 50%: NO" in table
    assert "| small_f16 | layer | f16 | 1.000 | carried | 1.000 | 0.100 | 10.00 " \
           "| 10.0 | - |" in table
    assert "- f32: 1 of 2 measured at >= 70%; lowest 50.0% (b_f32); below: " \
           "b_f32" in table
    assert "- f16: 1 of 1 measured at >= 50% (1 not measured)" in table


def test_default_case_list():
    import argparse
    args = argparse.Namespace(quick=False, layers="all", models=nw.DEFAULT_MODELS,
                              size=224, classes=1000, batch=1)
    specs = {s["name"]: s for s in nw._case_specs(args)}
    # Every f32 layer also in f16, the large linear layer in bf16, and
    # ResNet-50 in f16 beside the f32 networks.
    for name, p in nw.F32_LAYERS.items():
        assert specs[name]["params"].get("dtype", "f32") == "f32"
        p16 = specs[f"{name}_f16"]["params"]
        assert p16["dtype"] == "f16"
        assert {k: v for k, v in p16.items() if k not in ("dtype", "what")} == \
            {k: v for k, v in p.items() if k != "what"}
    assert specs["linear_4096x4096x4096_bf16"]["params"]["dtype"] == "bf16"
    assert specs["linear_4096x4096x4096_bf16"]["params"]["large"]
    assert not specs["conv3x3_14x14x256_b1_f16"]["params"].get("large")
    r50 = specs["resnet50_f16"]
    assert r50["arch"] == "resnet50" and r50["params"]["dtype"] == "f16"
    assert "dtype" not in specs["resnet50"]["params"]
    with pytest.raises(SystemExit, match="bf16 networks"):
        nw._case_specs(argparse.Namespace(**dict(vars(args), layers="none",
                                                 models="resnet50_bf16")))


def test_compare_semantics():
    ref = np.array([1.0, 0.0, np.nan, np.inf, 100.0])
    ok = nw.compare(ref + np.array([1e-4, 1e-5, 0, 0, 0.05]), ref, 1e-3, 1e-4)
    assert ok["pass"] and ok["mismatches"] == 0
    bad = nw.compare(np.array([1.0, 0.0, 1.0, np.inf, 100.0]), ref, 1e-3, 1e-4)
    assert not bad["pass"] and bad["mismatches"] == 1 and bad["max_abs"] is None
    assert not nw.compare(np.zeros(3), np.zeros(4), 0, 0)["pass"]


# ---------------------------------------------------------------------------
# The run half under the fake CUDA driver (kernels never run)
# ---------------------------------------------------------------------------

def _run_half(python, out, tmp, fake_cuda, *extra):
    env = dict(os.environ, DNN_CUDA_LIBRARY=fake_cuda)
    result, table = tmp / "result.json", tmp / "result.md"
    proc = subprocess.run(
        [python, str(SCRIPT), "run", "--dir", str(out), "--runs", "2",
         "--warmup", "1", "--work", str(tmp / "work"), "--out", str(result),
         "--markdown", str(table), *extra],
        capture_output=True, text=True, timeout=600, env=env)
    return proc, (json.loads(result.read_text()) if result.exists() else None), \
        (table.read_text() if table.exists() else "")


def test_run_times_every_case_with_the_fake_driver(prepared, fake_cuda, tmp_path):
    out, spec = prepared
    proc, result, table = _run_half(sys.executable, out, tmp_path, fake_cuda,
                                    "--no-check", "--no-torch")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r["case"] for r in result["rows"]] == [c["name"] for c in spec["cases"]]
    for r, c in zip(result["rows"], spec["cases"]):
        # dnn-bench took every carried and device-made input (f16 as <f2,
        # bf16 as |V2) and weights file.
        assert r["ours"]["exit_code"] == 0 and r["ours"]["error"] is None, r
        assert r["dtype"] == c["dtype"]
        assert r["vs_torch"]["ours_ms"] == r["ours"]["median_ms"]
        assert r["vs_torch"]["torch"] == f"torch_{c['dtype']}"
        assert r["ours"]["median_ms"] == pytest.approx(0.25)   # the fake's events
        assert r["ours"]["launches"] == c["manifest"]["kernels"]
        assert r["check"] == {"timing_only": True, "pass": None}
        assert f"| {c['name']} | {c['kind']} | {c['dtype']} |" in table
    assert result["device"] == "Fake CUDA device"
    for name in ("tiny_linear", "tiny_linear_f16"):
        linear = next(r for r in result["rows"] if r["case"] == name)
        assert linear["weights"].startswith("made on the device")


def test_run_checks_catch_wrong_outputs(prepared, fake_cuda, tmp_path):
    # The fake driver runs no kernel: every output stays zero, and each
    # CPU-reference check must fail (exit 1), with dnn-bench's numbers.
    out, spec = prepared
    proc, result, table = _run_half(sys.executable, out, tmp_path, fake_cuda,
                                    "--no-torch", "--dnn-bench-random-weights")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = {r["case"]: r for r in result["rows"]}
    for name in ("tiny_conv", "tiny_resnet18", "tiny_mobilenet_v2",
                 "tiny_conv_f16", "tiny_linear_bf16", "tiny_resnet18_f16"):
        assert rows[name]["check"]["pass"] is False
        assert rows[name]["check"]["max_abs"] > 0
        assert rows[name]["weights"] == "carried"
    for name in ("tiny_linear", "tiny_linear_f16"):
        assert rows[name]["weights"] == "dnn-bench random (timing only)"
        assert rows[name]["check"]["timing_only"]
    assert "FAIL" in table and "timing only" in table


# ---------------------------------------------------------------------------
# The PyTorch executor (needs torch; runs on the CPU)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch_python():
    python = find_torch_python()
    if python is None:
        pytest.skip("no Python with PyTorch (set DNN_TORCH_PYTHON)")
    return python


@pytest.mark.parametrize("dtype", ["f32", "f64", "bf16"])
def test_torch_executor_matches_cpu_reference(prepared, torch_python, dtype):
    # f32: every carried case (the f16/bf16 ones computed in f32 meet their
    # tolerance); f64: a network in each dtype; bf16: the bf16 layer in
    # bf16 (PyTorch on the CPU has no f16 conv/linear before 2.x).
    out, spec = prepared
    checked = [c for c in spec["cases"] if not c["random_weights"]]
    assert len(checked) == 6
    if dtype == "f64":
        checked = [c for c in checked
                   if c["name"] in ("tiny_resnet18", "tiny_resnet18_f16")]
    if dtype == "bf16":
        checked = [c for c in checked if c["dtype"] == "bf16"]
    for c in checked:
        proc = subprocess.run(
            [torch_python, str(SCRIPT), "execute", "--dir", str(out), "--case",
             c["name"], "--compare", "--dtype", dtype],
            capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout)
        (output,) = report["outputs"]
        assert output["check"]["pass"], (c["name"], output)
        assert output["check"]["max_abs"] <= output["check"]["atol"] + \
            output["check"]["rtol"] * output["check"]["scale"]


def test_torch_executor_takes_weights_from_npz(prepared, torch_python, tmp_path):
    out, _ = prepared
    npz = tmp_path / "w.npz"
    proc = subprocess.run([sys.executable, str(SCRIPT), "export-weights", "--dir",
                           str(out), "--case", "tiny_resnet18", "--out", str(npz)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with np.load(npz) as z:
        assert "fc.weight" in z.files and "conv1.weight_1" in z.files
    base = [torch_python, str(SCRIPT), "execute", "--dir", str(out), "--case",
            "tiny_resnet18", "--compare", "--weights-npz"]
    proc = subprocess.run(base + [str(npz)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Other weights: the comparison must fail.
    with np.load(npz) as z:
        other = {k: z[k] * 1.5 for k in z.files}
    np.savez(tmp_path / "other.npz", **other)
    proc = subprocess.run(base + [str(tmp_path / "other.npz")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_run_with_torch_on_the_cpu(prepared, torch_python, fake_cuda, tmp_path):
    out, spec = prepared
    proc, result, table = _run_half(torch_python, out, tmp_path, fake_cuda,
                                    "--no-check", "--torch-device", "cpu")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for r in result["rows"]:
        key = f"torch_{r['dtype']}"
        assert r["vs_torch"]["torch"] == key
        if r["dtype"] == "f16" and "not implemented for 'Half'" in \
                r.get("torch_error", ""):
            continue   # PyTorch's CPU kernels (1.x) have no f16 conv/linear
        assert "torch_error" not in r, r
        assert r[key]["median_ms"] > 0
        assert r["vs_torch"]["torch_ms"] == r[key]["median_ms"]
        assert r["vs_torch"]["throughput_pct"] == pytest.approx(
            100 * r[key]["median_ms"] / r["ours"]["median_ms"])
        assert ("torch_tf32" in r) == (r["dtype"] == "f32")
    assert "ours/PyTorch" in table and "% of PyTorch" in table
