#!/usr/bin/env python3
"""Whole networks and large layers on a GPU: our compiled models against PyTorch.

Two halves, because the machine with the compiler has no GPU and the GPU
machine has no compiler (nor LLVM/MLIR, nor onnx):

  here:   .venv/bin/python utils/bench-gpu/networks.py prepare --out DIR
              [--models resnet18,mobilenet_v2,resnet50,resnet50_f16]
              [--layers all]
              [--batch 1] [--size 224] [--budget-mb 45] [--quick]
          compiles every case with dnn-compile (target h100, PTX), and writes
          into DIR: NAME.so, NAME.ops.json (the model's op list, see below),
          for the cases whose weights fit the budget NAME.weights.bf16z (the
          weights file, packed), a seeded input NAME.in.ARG.npy and the CPU
          reference NAME.ref.RESULT.npy (dnn-run), a copy of dnn-bench and
          cases.json.
  there:  python3 utils/bench-gpu/networks.py run --dir DIR
              [--runs 50 --warmup 10] [--out results.json] [--markdown results.md]
          (needs only NumPy and PyTorch) runs each model with dnn-bench, checks
          its output, times it (median), times the same op list in PyTorch
          eager on the GPU in the case's dtype (cudnn.benchmark on; f32 with
          TF32 off, then with TF32 on; f16/bf16 with cuBLAS's reduced-
          precision reductions off, i.e. f32 accumulation like ours) and
          writes a JSON file and a markdown table: per case our time,
          PyTorch's, the ratio and our throughput as a percentage of
          PyTorch's ("vs_torch"), and per dtype how many of the large
          layers meet the issue's target ("targets": >= 70% of cuBLAS/cuDNN
          in f32, >= 50% in f16/bf16).

Cases. Layers ("layer"): single conv/linear layers with bias, written as
small dnn modules with seeded weights (ResNet-50's 3x3 conv at 56x56x64 batch
32, its 1x1 conv 256->1024 at 14x14 batch 32, the 7x7 stem at batch 32, a
MobileNet depthwise 3x3 at batch 32, a 4096x4096x4096 linear: the "large"
ones; a batch-1 3x3 conv at 14x14x256), each in f32 and in f16 (NAME_f16;
GEMMs on the tensor-core kernel with f32 accumulation), and the linear layer
in bf16 (linear_4096x4096x4096_bf16). Networks ("network"): the model zoo
(python/dnn_mlir/models.py) through the ONNX importer, batch norms folded
(dnn-fold-batch-norm), at --batch and --size; NAME_f16 is the network
converted to float16 (models.to_precision; bf16 cannot go through ONNX,
whose Conv has no bfloat16).

Weights. Every f32 weight is rounded to the nearest bfloat16-representable
f32 value before compiling (--weights-format f32 turns that off), so that the
weights file packs into half its size: NAME.weights.bf16z is zlib of the high
bytes, then the low bytes, of the upper 16 bits of every 32-bit word (the
lower 16 bits are all zero); `run` rebuilds the exact .weights file. ResNet-18
(47 MB of f32) packs to about 17 MB, MobileNetV2 to 5 MB. The values are
random anyway; the network computes in f32 as before. f16/bf16 weights files
travel as they are (NAME.weights). Inputs are .npy files of the model's
dtype (f16 as <f2, bf16 as the bit patterns in |V2, as dnn-bench reads
them); dnn-run gets bf16 inputs as float32 and writes bf16 outputs as
float32, which dnn-bench takes as references.

A case is checked against the CPU reference (dnn-run on the same module, its
input and output carried in DIR) when its weights, input and outputs fit:
inputs+outputs at most --io-limit-mb, and the running total of DIR under
--budget-mb, in case order. Otherwise nothing but the .so and the op list is
carried (cases.json: "random_weights": true) and `run` makes the weights
itself: by default seeded He-uniform weights written as a weights file from
the manifest (dnn-bench --weights) and a seeded input, and the reference is
the op list in PyTorch float64 on the GPU with the same values ("vs PyTorch
f64"); with --dnn-bench-random-weights it passes `--random-weights 1` to
dnn-bench instead and only times the case ("timing only", as deep networks
overflow with dnn-bench's uniform [-1, 1) weights). ResNet-50 in f16 (51 MB
of weights) is such a case; with the He-uniform weights its activations stay
below 7e3, well inside f16's range.

Tolerances (check_tolerance; |ours - ref| <= atol + rtol |ref| with atol =
atol_scale * max|ref|): f32 rtol 1e-3, atol_scale 1e-4. f16/bf16, u the unit
roundoff (2^-11, 2^-8): a layer rtol 2u, atol_scale 2u + K 2^-24 (both sides
accumulate its K products in f32 and round once or twice: one ulp apart,
plus the f32 summation-order bound); a network (every activation rounded)
rtol 8u, atol_scale 8u + K 2^-24. On the CPU path ResNet-50 in f16 is 3.8e-4
x max|ref| from float64 at most, a tenth of its 4.2e-3 x max|ref|.

The op list (NAME.ops.json) is the entry function of the compiled module
(after batch-norm folding) as `dnn-opt --mlir-print-op-generic` prints it:
inputs, outputs and every op with its operands, operand/result shapes and
attributes (strides, padding [top, left, bottom, right], dilation, groups,
kernel_size, axis, activation kind, epsilon, ...); constants name their
dense_resource key, which is the weight's name in the model's manifest. `run`
and `execute` rebuild the network from it in PyTorch eager (F.conv2d,
F.linear, torch.matmul, F.batch_norm, activations, torch.add/mul,
F.max_pool2d, F.avg_pool2d, adaptive average pooling, reshape/flatten,
permute, torch.cat, F.softmax).

  .venv/bin/python utils/bench-gpu/networks.py execute --dir DIR --case NAME
      [--device cpu] [--dtype f32|f64|f16|bf16] [--weights-npz W.npz]
      [--compare]
runs one case's op list in PyTorch with its carried weights (or those of an
.npz keyed by weight name; `export-weights` writes one) and compares the
output with the carried reference.

On the device machine (64 MiB travel with the working tree, so keep DIR in
the tree, untracked, and under the default budget):

  prepare --out bench-networks                      (here)
  run tool: python3 utils/bench-gpu/networks.py run --dir bench-networks \\
      --out $OUT/networks.json --markdown $OUT/networks.md

Exit status of `run`: 0 if every checked case passed, 1 if a check failed or
a case could not run.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

# Layers: name -> parameters. conv: batch, cin, hw, cout, k, stride, pad,
# groups; linear: m, n, k. With a bias, in f32 unless "dtype" says f16 or
# bf16. "carry": False never carries the weights (the case is checked on the
# device); "large": the issue's throughput targets apply (docs: >= 70% of
# PyTorch's cuBLAS/cuDNN in f32, >= 50% in f16/bf16).
F32_LAYERS = {
    "conv3x3_56x56x64_b32": dict(
        op="conv2d", batch=32, cin=64, hw=56, cout=64, k=3, stride=1, pad=1,
        large=True,
        what="ResNet-50 layer1 3x3 conv, 64->64 at 56x56, batch 32"),
    "conv1x1_14x14_256to1024_b32": dict(
        op="conv2d", batch=32, cin=256, hw=14, cout=1024, k=1, stride=1, pad=0,
        large=True,
        what="ResNet-50 layer3 1x1 conv, 256->1024 at 14x14, batch 32"),
    "conv7x7s2_224_stem_b32": dict(
        op="conv2d", batch=32, cin=3, hw=224, cout=64, k=7, stride=2, pad=3,
        large=True,
        what="ResNet stem 7x7/2 conv, 3->64 at 224x224, batch 32"),
    "dwconv3x3_112x112x32_b32": dict(
        op="conv2d", batch=32, cin=32, hw=112, cout=32, k=3, stride=1, pad=1,
        groups=32, large=True,
        what="MobileNetV2 depthwise 3x3, 32 ch at 112x112, batch 32"),
    "linear_4096x4096x4096": dict(
        op="linear", m=4096, n=4096, k=4096, large=True,
        what="linear M=4096 N=4096 K=4096"),
    "conv3x3_14x14x256_b1": dict(
        op="conv2d", batch=1, cin=256, hw=14, cout=256, k=3, stride=1, pad=1,
        what="ResNet layer3 3x3 conv, 256->256 at 14x14, batch 1"),
}
# The same layers in f16 (GEMMs on the tensor-core kernel, f32
# accumulation), and the linear layer in bf16.
LAYERS = dict(F32_LAYERS)
LAYERS.update({f"{n}_f16": dict(p, dtype="f16", what=p["what"] + ", f16")
               for n, p in F32_LAYERS.items()})
LAYERS["linear_4096x4096x4096_bf16"] = dict(
    F32_LAYERS["linear_4096x4096x4096"], dtype="bf16",
    what="linear M=4096 N=4096 K=4096, bf16")

# --quick: tiny cases for the test (seconds to prepare).
QUICK_LAYERS = {
    "tiny_conv": dict(op="conv2d", batch=2, cin=8, hw=10, cout=12, k=3,
                      stride=2, pad=1, what="3x3/2 conv 8->12 at 10x10, batch 2"),
    "tiny_linear": dict(op="linear", m=16, n=24, k=32, carry=False,
                        what="linear M=16 N=24 K=32 (weights made on the device)"),
    "tiny_conv_f16": dict(op="conv2d", batch=2, cin=16, hw=10, cout=24, k=3,
                          stride=1, pad=1, dtype="f16",
                          what="3x3 conv 16->24 at 10x10, batch 2, f16"),
    "tiny_linear_f16": dict(op="linear", m=16, n=24, k=64, dtype="f16",
                            carry=False, what="linear M=16 N=24 K=64, f16 "
                                              "(weights made on the device)"),
    "tiny_linear_bf16": dict(op="linear", m=32, n=40, k=256, dtype="bf16",
                             what="linear M=32 N=40 K=256, bf16"),
}
QUICK_MODELS = {
    "tiny_resnet18": ("resnet18", dict(size=32, width=0.25, num_classes=10)),
    "tiny_mobilenet_v2": ("mobilenet_v2", dict(size=32, width=0.25,
                                               num_classes=10)),
    "tiny_resnet18_f16": ("resnet18", dict(size=32, width=0.25, num_classes=10,
                                           dtype="f16")),
}
# A network name NAME_f16 is the zoo's NAME converted to float16
# (models.to_precision). bf16 networks cannot go through ONNX (its Conv has
# no bfloat16).
DEFAULT_MODELS = "resnet18,mobilenet_v2,resnet50,resnet50_f16"
NETWORK_DTYPES = {"f16": "float16"}

ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "gelu", "gelu_tanh"]
SUPPORTED_OPS = {"constant", "conv2d", "linear", "matmul", "batch_norm",
                 "activation", "add", "mul", "softmax", "max_pool2d",
                 "avg_pool2d", "global_avg_pool", "flatten", "reshape",
                 "transpose", "concat"}
NP_DTYPES = {"f32": "<f4", "f16": "<f2", "f64": "<f8", "i8": "|i1"}
ITEMSIZE = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8, "i8": 1}
ATOL_SCALE = 1e-4   # atol = ATOL_SCALE * max|reference| (f32)
RTOL = 1e-3
# Unit roundoff (half an ulp at 1) of the element types.
UNIT_ROUNDOFF = {"f32": 2.0 ** -24, "f16": 2.0 ** -11, "bf16": 2.0 ** -8,
                 "f64": 2.0 ** -53}
# PyTorch's dtype per case dtype, and the issue's throughput targets (ours
# as a percentage of PyTorch's cuBLAS/cuDNN throughput, large layers).
TORCH_DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}
TARGET_PCT = {"f32": 70.0, "f16": 50.0, "bf16": 50.0}


# ---------------------------------------------------------------------------
# The op list: parsing `dnn-opt --mlir-print-op-generic` (no MLIR needed
# to read the result)
# ---------------------------------------------------------------------------

def parse_tensor_type(text: str):
    """'tensor<1x3xf32>' -> ([1, 3], 'f32'); 'tensor<f32>' -> ([], 'f32')."""
    m = re.fullmatch(r"\s*tensor<([^>]*)>\s*", text)
    if not m:
        raise ValueError(f"not a ranked tensor type: {text!r}")
    parts = m.group(1).split("x")
    dims, dtype = parts[:-1], parts[-1]
    if any(not d.isdigit() for d in dims):
        raise ValueError(f"dynamic or malformed shape: {text!r}")
    return [int(d) for d in dims], dtype


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Splits at `sep` outside brackets and strings ('->' is not a bracket)."""
    out, depth, cur, i, quote = [], 0, [], 0, False
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
            cur.append(c)
        elif c == "-" and text.startswith("->", i):
            cur.append("->")
            i += 1
        elif c in "<[({":
            depth += 1
            cur.append(c)
        elif c in ">])}":
            depth -= 1
            cur.append(c)
        elif c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur))
    return [s.strip() for s in out]


def _match_close(text: str, start: int, open_: str, close: str) -> int:
    """Index just past the `close` that matches the `open_` at `start`."""
    depth, i, quote = 0, start, False
    while i < len(text):
        if quote:
            if text[i] == "\\":
                i += 1
            elif text[i] == '"':
                quote = False
        elif text[i] == '"':
            quote = True
        elif text.startswith("->", i):
            i += 1
        elif text.startswith(open_, i):
            depth += 1
            i += len(open_) - 1
        elif text.startswith(close, i):
            depth -= 1
            if depth == 0:
                return i + len(close)
            i += len(close) - 1
        i += 1
    raise ValueError(f"unbalanced {open_!r} in {text[start:start + 80]!r}")


def _unquote(key: str) -> str:
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        return bytes(key[1:-1], "utf-8").decode("unicode_escape")
    return key


def _parse_float(text: str, dtype: str) -> float:
    import struct
    text = text.strip()
    if text.lower().startswith("0x"):
        bits = int(text, 16)
        if dtype == "f64":
            return struct.unpack("<d", struct.pack("<Q", bits))[0]
        if dtype == "f16":
            import numpy as np
            return float(np.array([bits], "<u2").view("<f2")[0])
        if dtype == "bf16":
            bits <<= 16
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    return float(text)


def _dense_values(inner: str, shape, dtype: str) -> list[float]:
    """The values of `dense<inner>`, flattened (a splat is expanded)."""
    inner = inner.strip()
    count = math.prod(shape) if shape else 1
    if inner.startswith('"0x'):
        import numpy as np
        raw = bytes.fromhex(inner[3:-1])
        if dtype == "bf16":
            arr = (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
        else:
            arr = np.frombuffer(raw, NP_DTYPES[dtype])
        if arr.size == 1 and count > 1:
            arr = np.full(count, arr[0])
        return [float(v) for v in arr]
    if inner in ("true", "false"):
        return [float(inner == "true")] * count
    tokens = re.findall(r"0x[0-9A-Fa-f]+|[-+]?(?:inf|nan|[0-9.]+(?:[eE][-+]?\d+)?)",
                        inner)
    values = [_parse_float(t, dtype) for t in tokens]
    if len(values) == 1 and count > 1 and not inner.startswith("["):
        values = values * count
    if len(values) != count:
        raise ValueError(f"dense<{inner[:40]}...>: {len(values)} values for "
                         f"shape {shape}")
    return values


def parse_attr_value(text: str):
    v = text.strip()
    m = re.fullmatch(r"array<i64(?::(.*))?>", v, re.S)
    if m:
        return [int(x) for x in (m.group(1) or "").split(",") if x.strip()]
    m = re.fullmatch(r"array<f(?:32|64)(?::(.*))?>", v, re.S)
    if m:
        return [float(x) for x in (m.group(1) or "").split(",") if x.strip()]
    m = re.fullmatch(r"(-?\d+)\s*:\s*(?:[isu]\d+|index)", v)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"(\S+)\s*:\s*(f16|bf16|f32|f64)", v)
    if m:
        return _parse_float(m.group(1), m.group(2))
    if v in ("true", "false"):
        return v == "true"
    if v == "unit":
        return True
    m = re.fullmatch(r"dense_resource<(.*)>\s*:\s*(tensor<[^>]*>)", v, re.S)
    if m:
        return {"resource": _unquote(m.group(1))}
    m = re.fullmatch(r"dense<(.*)>\s*:\s*(tensor<[^>]*>)", v, re.S)
    if m:
        shape, dtype = parse_tensor_type(m.group(2))
        return {"value": _dense_values(m.group(1), shape, dtype)}
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return _unquote(v)
    return v


def _parse_attr_dict(text: str) -> dict:
    out = {}
    for item in _split_top(text):
        if not item:
            continue
        if "=" not in item:
            out[item.strip()] = True
            continue
        key, value = item.split("=", 1)
        out[_unquote(key.strip())] = parse_attr_value(value)
    return out


def _loc_name(text: str) -> str | None:
    """The name in loc("name") or loc(fused<"what">["name"])."""
    m = re.search(r'\["((?:[^"\\]|\\.)*)"', text or "") or \
        re.search(r'"((?:[^"\\]|\\.)*)"', text or "")
    return m.group(1) if m else None


def _activation_kind(value) -> str:
    if isinstance(value, int) and 0 <= value < len(ACTIVATIONS):
        return ACTIVATIONS[value]
    text = str(value)
    for name in sorted(ACTIVATIONS, key=len, reverse=True):
        if re.search(rf"\b{name}\b", text):
            return name
    raise ValueError(f"unknown activation kind {value!r}")


_OP_LINE = re.compile(r'\s*(?:(%[^\s=]+) = )?"([\w.$]+)"\(([^)]*)\)(.*)$')


def parse_op_list(text: str, entry: str = "main") -> dict:
    """The op list of function `entry` in a module printed with
    `--mlir-print-op-generic` (with or without debug locations)."""
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if '"func.func"' in line and re.search(
                rf'sym_name = "{re.escape(entry)}"', line):
            start = i
            break
    if start is None:
        raise ValueError(f"no function @{entry} in the module")
    inputs, ops, outputs = [], [], []
    indent = len(lines[start]) - len(lines[start].lstrip())
    for line in lines[start + 1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("})") and \
                len(line) - len(line.lstrip()) <= indent:
            break
        if stripped.startswith("^bb0("):
            for ssa, ty in re.findall(r"(%[^\s:,()]+): (tensor<[^>]*>)",
                                      stripped):
                shape, dtype = parse_tensor_type(ty)
                inputs.append({"ssa": ssa, "name": f"arg{len(inputs)}",
                               "shape": shape, "dtype": dtype})
            continue
        if stripped.startswith("^"):
            raise ValueError(f"@{entry} has more than one block")
        m = _OP_LINE.match(line)
        if not m:
            raise ValueError(f"cannot parse op line: {stripped[:160]}")
        result, name, operand_text, rest = m.groups()
        operands = [o.strip() for o in operand_text.split(",") if o.strip()]
        loc = None
        at = rest.rfind(" loc(")
        if at >= 0:
            loc, rest = rest[at + 1:], rest[:at]
        rest = rest.strip()
        props = {}
        if rest.startswith("<{"):
            end = _match_close(rest, 0, "<{", "}>")
            props = _parse_attr_dict(rest[2:end - 2])
            rest = rest[end:].strip()
        if rest.startswith("{"):
            end = _match_close(rest, 0, "{", "}")
            props.update(_parse_attr_dict(rest[1:end - 1]))
            rest = rest[end:].strip()
        if rest.startswith("("):   # regions: not in a dnn function body
            raise ValueError(f"op with a region in @{entry}: {stripped[:120]}")
        if not rest.startswith(":"):
            raise ValueError(f"no type in op line: {stripped[:160]}")
        sig = rest[1:].strip()
        arrow = sig.rfind("->")
        in_types = re.findall(r"tensor<[^>]*>", sig[:arrow])
        out_types = re.findall(r"tensor<[^>]*>", sig[arrow + 2:])
        if name == "func.return":
            for ssa, ty in zip(operands, in_types):
                shape, dtype = parse_tensor_type(ty)
                outputs.append({"ssa": ssa, "name": f"result{len(outputs)}",
                                "shape": shape, "dtype": dtype})
            continue
        if not name.startswith("dnn."):
            raise ValueError(f"op {name} in @{entry} is not a dnn op")
        if len(out_types) != 1 or result is None:
            raise ValueError(f"{name}: expected one result: {stripped[:120]}")
        shape, dtype = parse_tensor_type(out_types[0])
        op = {"op": name[4:], "result": result, "operands": operands,
              "operand_shapes": [parse_tensor_type(t)[0] for t in in_types],
              "shape": shape, "dtype": dtype, "attrs": props}
        if op["op"] == "constant":
            value = props.pop("value", None)
            if not isinstance(value, dict):
                raise ValueError(f"constant with an unsupported value: "
                                 f"{stripped[:120]}")
            op["attrs"] = value
        if op["op"] == "activation":
            props["kind"] = _activation_kind(props.get("kind"))
        name_ = _loc_name(loc)
        if name_:
            op["name"] = name_
        ops.append(op)
    return {"entry": entry, "inputs": inputs, "outputs": outputs, "ops": ops}


def constant_roles(oplist: dict) -> dict[str, str]:
    """resource key -> role (weight, bias, scale, offset, mean, variance,
    other), from the first op that uses the constant."""
    by_ssa = {op["result"]: op for op in oplist["ops"] if op["op"] == "constant"}
    roles = {}
    names = {"conv2d": {1: "weight", 2: "bias"}, "linear": {1: "weight", 2: "bias"},
             "batch_norm": {1: "scale", 2: "offset", 3: "mean", 4: "variance"}}
    for op in oplist["ops"]:
        for i, o in enumerate(op["operands"]):
            c = by_ssa.get(o)
            if c is None or "resource" not in c["attrs"]:
                continue
            roles.setdefault(c["attrs"]["resource"],
                             names.get(op["op"], {}).get(i, "other"))
    for c in by_ssa.values():
        if "resource" in c["attrs"]:
            roles.setdefault(c["attrs"]["resource"], "other")
    return roles


def op_reduction(op: dict) -> int:
    """The reduction length K of a GEMM op (0 for the others)."""
    k, s = op["op"], op["operand_shapes"]
    if k == "conv2d":
        return math.prod(s[1][1:])
    if k in ("linear", "matmul"):
        return s[0][-1]
    return 0


def op_macs(op: dict) -> int:
    """Multiply-accumulates of one op (0 for the non-GEMM ones)."""
    k, s = op["op"], op["operand_shapes"]
    if k == "conv2d":
        w = s[1]
        return math.prod(op["shape"]) * math.prod(w[1:])
    if k == "linear":
        return math.prod(op["shape"]) * s[0][-1]
    if k == "matmul":
        return math.prod(op["shape"]) * s[0][-1]
    return 0


# ---------------------------------------------------------------------------
# Manifests and weights (NumPy only)
# ---------------------------------------------------------------------------

def parse_manifest(text: str) -> dict:
    """The manifest of dnn/Runtime/ModelABI.h as a dict."""
    out = {"args": [], "kernels": 0}
    for line in text.splitlines():
        f = line.split(" ")
        if f[0] == "dnn-model":
            out["version"] = int(f[1])
        elif f[0] == "entry":
            out["entry"] = f[1]
        elif f[0] == "target":
            out["target"] = {"gpu": f[1], "chip": f[2], "format": f[3]}
        elif f[0] == "weights":
            out["weights_bytes"] = int(f[1])
        elif f[0] == "kernel":
            out["kernels"] += 1
        elif f[0] == "arg":
            arg = {"index": int(f[1]), "kind": f[2], "name": f[3], "dtype": f[4]}
            if f[2] == "workspace":
                arg["bytes"] = int(f[5])
            else:
                arg["shape"] = [] if f[5] == "scalar" else \
                    [int(d) for d in f[5].split("x")]
                if f[2] == "weight":
                    arg["offset"] = int(f[6])
            out["args"].append(arg)
    out["args"].sort(key=lambda a: a["index"])
    return out


def read_manifest(so_path) -> dict:
    """The manifest of a model library (dlopen; no GPU needed)."""
    import ctypes
    lib = ctypes.CDLL(str(pathlib.Path(so_path).resolve()),
                      mode=getattr(os, "RTLD_LOCAL", 0))
    sym = ctypes.c_char.in_dll(lib, "dnn_model_manifest")
    text = ctypes.string_at(ctypes.addressof(sym)).decode()
    return parse_manifest(text)


def manifest_args(manifest: dict, kind: str) -> list[dict]:
    return [a for a in manifest["args"] if a["kind"] == kind]


def round_to_bf16(u32):
    """uint32 words of f32 values -> the same words rounded to the nearest
    bfloat16-representable value (ties to even); NaN/inf kept."""
    import numpy as np
    u32 = np.asarray(u32, np.uint32)
    u = u32.astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    special = (u32 & 0x7F800000) == 0x7F800000          # inf or NaN
    nan = special & ((u32 & 0x007FFFFF) != 0)
    kept = (u32 & 0xFFFF0000) | np.where(nan, 0x00400000, 0).astype(np.uint32)
    return np.where(special, kept, rounded).astype(np.uint32)


def pack_bf16z(raw: bytes) -> bytes | None:
    """zlib(high bytes + low bytes of the upper halves) of a file of 32-bit
    words whose lower halves are all zero; None if it is not one."""
    import numpy as np
    if len(raw) % 4:
        return None
    u = np.frombuffer(raw, "<u4")
    if np.any(u & 0xFFFF):
        return None
    hi = (u >> 16).astype("<u2")
    split = (hi >> 8).astype(np.uint8).tobytes() + (hi & 0xFF).astype(np.uint8).tobytes()
    return zlib.compress(split, 6)


def unpack_bf16z(packed: bytes) -> bytes:
    import numpy as np
    split = np.frombuffer(zlib.decompress(packed), np.uint8)
    n = split.size // 2
    hi = (split[:n].astype("<u4") << 8) | split[n:].astype("<u4")
    return (hi << 16).astype("<u4").tobytes()


def weights_from_bytes(raw: bytes, manifest: dict) -> dict:
    """weight name -> array, read at the manifest's offsets."""
    import numpy as np
    out = {}
    for a in manifest_args(manifest, "weight"):
        count = math.prod(a["shape"]) if a["shape"] else 1
        if a["dtype"] == "bf16":
            words = np.frombuffer(raw, "<u2", count, a["offset"])
            arr = (words.astype("<u4") << 16).view("<f4")
        else:
            arr = np.frombuffer(raw, NP_DTYPES[a["dtype"]], count, a["offset"])
        out[a["name"]] = arr.reshape(a["shape"]).copy()
    return out


def generate_weights(manifest: dict, roles: dict, seed: int = 0) -> dict:
    """Seeded weights of sane scale for every manifest weight: He-uniform
    for GEMM weights (fan-in = product of all but the first dim), small
    biases, batch-norm scales/variances around 1."""
    import numpy as np
    out = {}
    for a in manifest_args(manifest, "weight"):
        rng = np.random.default_rng([seed, a["index"]])
        shape = a["shape"]
        role = roles.get(a["name"], "other")
        if role == "weight" or (role == "other" and len(shape) >= 2):
            fan_in = max(1, math.prod(shape[1:]))
            v = rng.uniform(-1, 1, shape) * math.sqrt(6.0 / fan_in)
        elif role in ("scale", "variance"):
            v = rng.uniform(0.5, 1.5, shape)
        elif role in ("bias", "offset", "mean"):
            v = rng.uniform(-0.1, 0.1, shape)
        else:
            v = rng.uniform(-1, 1, shape)
        out[a["name"]] = v.astype(np.float32)
    return out


def weights_to_bytes(weights: dict, manifest: dict) -> bytes:
    """A weights file holding `weights` at the manifest's offsets."""
    import numpy as np
    buf = bytearray(manifest["weights_bytes"])
    for a in manifest_args(manifest, "weight"):
        arr = np.asarray(weights[a["name"]], np.float32)
        if a["dtype"] == "bf16":
            data = (round_to_bf16(arr.view("<u4").ravel()) >> 16) \
                .astype("<u2").tobytes()
        else:
            data = arr.astype(NP_DTYPES[a["dtype"]]).tobytes()
        buf[a["offset"]:a["offset"] + len(data)] = data
    return bytes(buf)


def check_tolerance(dtype: str, max_k: int, gemms: int) -> tuple[float, float]:
    """(rtol, atol_scale) of the check of a case whose outputs are `dtype`;
    atol = atol_scale * max|reference|. `max_k`: the longest reduction of its
    GEMM ops, `gemms`: how many there are.

    f32 (and f64): rtol 1e-3, atol 1e-4 * scale, as dnn-bench's defaults.
    f16/bf16 with u the unit roundoff (2^-11, 2^-8), for one GEMM layer: both
    sides accumulate in f32 (mma.sync here; dnn-run's CPU path too) and round
    to the 16-bit type at the end, the CPU path twice (the GEMM's result,
    then the bias sum): rtol 2u (one ulp apart in the final rounding), atol
    scale * (2u + K * 2^-24) (the CPU path's first rounding, of a sum as
    large as the output, plus the f32 summation-order bound gamma_K = K 2^-24
    for K products, taken relative to the output's scale). A network rounds
    every activation: each layer's difference of up to an ulp propagates
    and adds up, so the check there is on the scale: rtol 8u, atol scale *
    (8u + K * 2^-24): ResNet-50 in f16 on the CPU path (dnn-run) is at most
    3.8e-4 x scale from float64, with the zoo's weights and with run's
    He-uniform ones."""
    if dtype not in ("f16", "bf16"):
        return RTOL, ATOL_SCALE
    u = UNIT_ROUNDOFF[dtype]
    acc = max_k * 2.0 ** -24
    if gemms <= 1:
        return 2 * u, 2 * u + acc
    return 8 * u, 8 * u + acc


def compare(got, ref, rtol: float, atol: float) -> dict:
    """dnn-bench's comparison (|got - ref| <= atol + rtol |ref|, NaN matches
    NaN), in float64."""
    import numpy as np
    g = np.asarray(got, np.float64)
    r = np.asarray(ref, np.float64)
    if g.shape != r.shape:
        return {"pass": False, "error": f"shape {list(g.shape)} vs {list(r.shape)}"}
    both_nan = np.isnan(g) & np.isnan(r)
    same_inf = np.isinf(g) & np.isinf(r) & (g == r)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(g - r)
        bad_special = ~(both_nan | same_inf) & ~np.isfinite(d)
        d = np.where(both_nan | same_inf, 0.0, np.where(bad_special, np.inf, d))
        ok = d <= atol + rtol * np.abs(np.where(np.isfinite(r), r, 0.0))
        nz = (r != 0) & np.isfinite(r)
        rel = np.where(nz, d / np.where(nz, np.abs(r), 1.0), 0.0)
    finite = np.isfinite(r)
    max_abs = float(d.max()) if d.size else 0.0
    max_rel = float(rel.max()) if rel.size else 0.0
    return {"pass": bool(ok.all()), "mismatches": int((~ok).sum()),
            "elements": int(d.size),
            "max_abs": None if math.isinf(max_abs) else max_abs,
            "max_rel": None if math.isinf(max_rel) else max_rel,
            "scale": float(np.abs(r[finite]).max()) if finite.any() else None,
            "rtol": rtol, "atol": atol}


# ---------------------------------------------------------------------------
# PyTorch executor of an op list
# ---------------------------------------------------------------------------

class TorchNet:
    """The op list in PyTorch eager. `weights`: resource key (= manifest
    weight name) -> array; constants with inline values use those. Every
    floating tensor is cast to `dtype` (torch.float32 by default)."""

    def __init__(self, oplist: dict, weights: dict, device="cpu", dtype=None):
        import torch
        self.torch = torch
        self.oplist = oplist
        self.device = torch.device(device)
        self.dtype = dtype or torch.float32
        self.consts = {}
        for op in oplist["ops"]:
            if op["op"] != "constant":
                continue
            attrs = op["attrs"]
            if "resource" in attrs:
                key = attrs["resource"]
                if key not in weights:
                    raise KeyError(f"no weights for constant '{key}'")
                arr = weights[key]
            else:
                import numpy as np
                arr = np.asarray(attrs["value"], np.float64).reshape(op["shape"])
            t = torch.as_tensor(arr).to(self.device, self.dtype)
            if list(t.shape) != list(op["shape"]):
                raise ValueError(f"constant '{attrs.get('resource')}': weights "
                                 f"of shape {list(t.shape)}, the op list says "
                                 f"{op['shape']}")
            self.consts[op["result"]] = t.contiguous()
        unknown = {op["op"] for op in oplist["ops"]} - SUPPORTED_OPS
        if unknown:
            raise NotImplementedError(f"ops without a PyTorch mapping: "
                                      f"{sorted(unknown)}")

    def __call__(self, *inputs):
        torch = self.torch
        F = torch.nn.functional
        env = dict(self.consts)
        for spec, x in zip(self.oplist["inputs"], inputs):
            env[spec["ssa"]] = x
        for op in self.oplist["ops"]:
            k, a = op["op"], op["attrs"]
            if k == "constant":
                continue
            xs = [env[o] for o in op["operands"]]
            if k == "conv2d":
                t, l, b, r = a.get("padding", [0, 0, 0, 0])
                x = xs[0]
                if t == b and l == r:
                    pad = (t, l)
                else:
                    x, pad = F.pad(x, (l, r, t, b)), (0, 0)
                y = F.conv2d(x, xs[1], xs[2] if len(xs) > 2 else None,
                             stride=tuple(a.get("strides", [1, 1])), padding=pad,
                             dilation=tuple(a.get("dilation", [1, 1])),
                             groups=int(a.get("groups", 1)))
            elif k == "linear":
                y = F.linear(xs[0], xs[1], xs[2] if len(xs) > 2 else None)
            elif k == "matmul":
                y = torch.matmul(xs[0], xs[1])
            elif k == "batch_norm":
                y = F.batch_norm(xs[0], xs[3], xs[4], xs[1], xs[2], False, 0.0,
                                 float(a.get("epsilon", 1e-5)))
            elif k == "activation":
                y = self._activation(a["kind"], xs[0])
            elif k == "add":
                y = torch.add(xs[0], xs[1])
            elif k == "mul":
                y = torch.mul(xs[0], xs[1])
            elif k == "softmax":
                y = F.softmax(xs[0], dim=int(a["axis"]))
            elif k in ("max_pool2d", "avg_pool2d"):
                y = self._pool(k, a, xs[0])
            elif k == "global_avg_pool":
                x = xs[0]
                y = F.adaptive_avg_pool2d(x, 1) if x.dim() == 4 else \
                    x.mean(dim=tuple(range(2, x.dim())), keepdim=True)
            elif k in ("flatten", "reshape"):
                y = xs[0].reshape(op["shape"])
            elif k == "transpose":
                y = xs[0].permute(*a["permutation"])
            elif k == "concat":
                y = torch.cat(xs, dim=int(a["axis"]))
            else:
                raise NotImplementedError(k)
            env[op["result"]] = y
        return [env[o["ssa"]].contiguous() for o in self.oplist["outputs"]]

    def _activation(self, kind, x):
        F = self.torch.nn.functional
        if kind == "relu":
            return F.relu(x)
        if kind == "relu6":
            return F.relu6(x)
        if kind == "sigmoid":
            return self.torch.sigmoid(x)
        if kind == "tanh":
            return self.torch.tanh(x)
        if kind == "gelu":
            return F.gelu(x)
        if kind == "gelu_tanh":
            return F.gelu(x, approximate="tanh")
        raise NotImplementedError(f"activation {kind}")

    def _pool(self, k, a, x):
        F = self.torch.nn.functional
        ks = tuple(a["kernel_size"])
        st = tuple(a.get("strides", [1, 1]))
        dil = tuple(a.get("dilation", [1, 1]))
        t, l, b, r = a.get("padding", [0, 0, 0, 0])
        ceil = bool(a.get("ceil_mode", False))
        symmetric = t == b and l == r and 2 * t <= ks[0] and 2 * l <= ks[1]
        if k == "max_pool2d":
            if not symmetric:
                x = F.pad(x, (l, r, t, b), value=float("-inf"))
                t = l = 0
            return F.max_pool2d(x, ks, st, (t, l), dil, ceil_mode=ceil)
        if dil != (1, 1) or not symmetric:
            raise NotImplementedError("avg_pool2d with dilation or asymmetric "
                                      "padding has no PyTorch equivalent")
        return F.avg_pool2d(x, ks, st, (t, l), ceil_mode=ceil,
                            count_include_pad=bool(a.get("count_include_pad",
                                                         False)))


def torch_timed(fn, warmup: int, runs: int, device) -> dict:
    """Times fn() (CUDA events on a GPU, perf_counter on the CPU)."""
    import torch
    for _ in range(warmup):
        fn()
    ms = []
    if device.type == "cuda":
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), \
            torch.cuda.Event(enable_timing=True)
        for _ in range(runs):
            start.record()
            fn()
            end.record()
            end.synchronize()
            ms.append(start.elapsed_time(end))
    else:
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(ms), "min_ms": min(ms),
            "mean_ms": sum(ms) / len(ms), "runs": runs, "warmup": warmup}


def set_tf32(enabled: bool) -> None:
    import torch
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled
    if hasattr(torch, "set_float32_matmul_precision"):
        torch.set_float32_matmul_precision("high" if enabled else "highest")


# ---------------------------------------------------------------------------
# prepare (here)
# ---------------------------------------------------------------------------

def _tensor(shape, dtype="f32") -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def _blob(arr) -> str:
    """A dense_resource blob: alignment 4 (little-endian), then the bytes."""
    return '"0x04000000' + arr.tobytes().hex().upper() + '"'


def to_dtype_array(values, dtype: str):
    """f32 values -> the array that holds them in `dtype`: float32, float16
    (rounded to nearest even) or, for bf16, the uint16 bit patterns
    (rounded to nearest even)."""
    import numpy as np
    v = np.ascontiguousarray(values, np.float32)
    if dtype == "f32":
        return v
    if dtype == "f16":
        return v.astype(np.float16)
    if dtype == "bf16":
        return (round_to_bf16(v.view("<u4")) >> 16).astype("<u2")
    raise ValueError(f"no layer cases in {dtype}")


def dtype_values(arr, dtype: str):
    """The inverse of to_dtype_array: float32 values (exact)."""
    import numpy as np
    if dtype == "bf16":
        return (np.asarray(arr).view("<u2").astype("<u4") << 16).view("<f4")
    return np.asarray(arr).astype(np.float32)


def save_npy(path, values, dtype: str) -> None:
    """f32 values as a .npy of `dtype` that dnn-bench reads: <f4, <f2, or
    for bf16 the bit patterns as |V2 (how NumPy saves ml_dtypes.bfloat16)."""
    import numpy as np
    arr = to_dtype_array(values, dtype)
    if dtype == "bf16":
        arr = arr.view("V2")
    np.save(path, arr)


def load_npy_values(path):
    """A .npy file (f32, f16, f64 or bf16 as V2) as float32 values."""
    import numpy as np
    arr = np.load(path)
    if arr.dtype.kind == "V" and arr.dtype.itemsize == 2:
        return dtype_values(arr, "bf16")
    return arr.astype(np.float32)


def layer_module(name: str, p: dict, seed: int, bf16: bool = True,
                 dtype: str = "f32") -> str:
    """A dnn module with one conv2d or linear layer (with bias) of element
    type `dtype` (f32, f16 or bf16) whose weights are seeded He-uniform
    values: rounded to bf16-representable ones if `bf16` (f32 only), to the
    nearest f16/bf16 otherwise. The values drawn do not depend on `dtype`."""
    import numpy as np
    rng = np.random.default_rng(seed)
    if p["op"] == "conv2d":
        g = p.get("groups", 1)
        x = [p["batch"], p["cin"], p["hw"], p["hw"]]
        w = [p["cout"], p["cin"] // g, p["k"], p["k"]]
        o = (p["hw"] + 2 * p["pad"] - p["k"]) // p["stride"] + 1
        y = [p["batch"], p["cout"], o, o]
        attrs = [f"padding = array<i64: {p['pad']}, {p['pad']}, {p['pad']}, {p['pad']}>",
                 f"strides = array<i64: {p['stride']}, {p['stride']}>"]
        if g != 1:
            attrs.append(f"groups = {g} : i64")
        head = f"dnn.conv2d %x, %w, %b {{{', '.join(attrs)}}}"
    else:
        x, w, y = [p["m"], p["k"]], [p["n"], p["k"]], [p["m"], p["n"]]
        head = "dnn.linear %x, %w, %b"
    b = [w[0]]
    fan_in = math.prod(w[1:])
    wv = (rng.uniform(-1, 1, w) * math.sqrt(6.0 / fan_in)).astype(np.float32)
    bv = rng.uniform(-0.1, 0.1, b).astype(np.float32)
    if dtype != "f32":
        wv, bv = to_dtype_array(wv, dtype), to_dtype_array(bv, dtype)
    elif bf16:
        wv = round_to_bf16(wv.view("<u4")).view("<f4")
        bv = round_to_bf16(bv.view("<u4")).view("<f4")
    t = dtype
    return (
        "module {\n"
        f"  func.func @main(%x: {_tensor(x, t)}) -> {_tensor(y, t)} {{\n"
        f"    %w = dnn.constant dense_resource<{name}.weight> : {_tensor(w, t)} "
        f'loc("{name}.weight")\n'
        f"    %b = dnn.constant dense_resource<{name}.bias> : {_tensor(b, t)} "
        f'loc("{name}.bias")\n'
        f"    %y = {head} : ({_tensor(x, t)}, {_tensor(w, t)}, {_tensor(b, t)}) -> "
        f'{_tensor(y, t)} loc("{name}")\n'
        f"    return %y : {_tensor(y, t)}\n"
        "  }\n"
        "}\n"
        "{-#\n  dialect_resources: {\n    builtin: {\n"
        f"      {name}.weight: {_blob(wv)},\n"
        f"      {name}.bias: {_blob(bv)}\n"
        "    }\n  }\n#-}\n")


_RESOURCE_LINE = re.compile(r'^(\s*)("(?:[^"\\]|\\.)*"|[^\s:]+): "0x([0-9A-Fa-f]+)"(,?)\s*$')


def round_resources(src: pathlib.Path, dst: pathlib.Path, keys: set) -> int:
    """Copies the module `src` to `dst`, rounding the blobs of the f32
    resources `keys` to bf16-representable values; returns how many."""
    import numpy as np
    count = 0
    with open(src) as fin, open(dst, "w") as fout:
        for line in fin:
            m = _RESOURCE_LINE.match(line)
            if m and _unquote(m.group(2)) in keys and len(m.group(3)) % 8 == 0:
                raw = bytes.fromhex(m.group(3))
                u = np.frombuffer(raw[4:], "<u4")
                data = raw[:4] + round_to_bf16(u).astype("<u4").tobytes()
                line = f'{m.group(1)}{m.group(2)}: "0x{data.hex().upper()}"{m.group(4)}\n'
                count += 1
            fout.write(line)
    return count


def run_tool(cmd, what, timeout=1800, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n"
                           f"{' '.join(map(str, cmd))}\n{proc.stderr[-3000:]}")
    return proc


def _case_specs(args) -> list[dict]:
    """The cases of this run, in order (layers, then networks)."""
    specs = []
    if args.quick:
        layers, models_ = QUICK_LAYERS, QUICK_MODELS
        pick_l = list(layers) if args.layers in ("all", "") else \
            [n for n in args.layers.split(",") if n != "none"]
        pick_m = list(models_) if args.models in (DEFAULT_MODELS, "") else \
            [n for n in args.models.split(",") if n != "none"]
    else:
        layers = LAYERS
        pick_l = list(layers) if args.layers == "all" else \
            [n for n in args.layers.split(",") if n and n != "none"]
        pick_m = [n for n in args.models.split(",") if n and n != "none"]
        models_ = {}
        for n in pick_m:
            arch, _, dtype = n.rpartition("_")
            if dtype in ("f16", "bf16", "f32") and arch:
                if dtype == "bf16":
                    raise SystemExit(f"networks.py: '{n}': bf16 networks cannot "
                                     f"go through ONNX (Conv has no bfloat16)")
                kw = dict(size=args.size, num_classes=args.classes)
                if dtype != "f32":
                    kw["dtype"] = dtype
                models_[n] = (arch, kw)
            else:
                models_[n] = (n, dict(size=args.size, num_classes=args.classes))
    for n in pick_l:
        if n not in layers:
            raise SystemExit(f"networks.py: unknown layer '{n}'; known: "
                             f"{', '.join(layers)}")
        specs.append({"name": n, "kind": "layer", "params": layers[n]})
    for n in pick_m:
        if n not in models_:
            raise SystemExit(f"networks.py: unknown model '{n}'; known: "
                             f"{', '.join(models_)}")
        arch, kw = models_[n]
        specs.append({"name": n, "kind": "network", "arch": arch,
                      "params": dict(kw, batch=args.batch)})
    return specs


def _network_module(spec, tmp: pathlib.Path, dnn_opt: str, seed: int) -> pathlib.Path:
    sys.path.insert(0, str(ROOT / "python"))
    from dnn_mlir import importer, models  # noqa: E402
    if spec["arch"] not in models.CNNS:
        raise SystemExit(f"networks.py: unknown model '{spec['arch']}'; "
                         f"known: {', '.join(models.CNNS)}")
    p = dict(spec["params"])
    dtype = p.pop("dtype", "f32")
    model = models.CNNS[spec["arch"]](seed=seed, **p)
    if dtype != "f32":
        model = models.to_precision(model, NETWORK_DTYPES[dtype])
    orig = tmp / f"{spec['name']}.orig.mlir"
    importer.import_to_file(model, str(orig))
    folded = tmp / f"{spec['name']}.folded.mlir"
    run_tool([dnn_opt, orig, "--dnn-fold-batch-norm", "-o", folded],
         "dnn-opt --dnn-fold-batch-norm")
    orig.unlink()
    return folded


def _describe(spec) -> str:
    if spec["kind"] == "layer":
        return spec["params"]["what"]
    p = spec["params"]
    extra = "" if p.get("width", 1.0) == 1.0 else f", width {p['width']}"
    if p.get("dtype", "f32") != "f32":
        extra += f", {p['dtype']}"
    return (f"{spec['arch']} batch {p['batch']} at {p['size']}x{p['size']}, "
            f"{p['num_classes']} classes{extra} (batch norm folded)")


def remove_previous(out: pathlib.Path) -> None:
    """Deletes the files of an earlier `prepare` into `out` (those its
    cases.json names), and nothing else."""
    try:
        old = json.loads((out / "cases.json").read_text())
    except (OSError, ValueError):
        return
    for c in old.get("cases", []):
        names = [c.get("so"), c.get("ops"), (c.get("weights") or {}).get("file"),
                 f"{c.get('name')}.mlir"]
        names += [f.get("file") for f in c.get("inputs", []) + c.get("references", [])]
        for n in names:
            if n and "/" not in n and (out / n).is_file():
                (out / n).unlink()
    (out / "cases.json").unlink()


def _compile_case(spec, i, args, tools, tmp, out) -> dict:
    """Writes NAME.so and NAME.ops.json into `out`; the case's entry of
    cases.json, with the module and weights file (in `tmp`) for later."""
    name = spec["name"]
    if spec["kind"] == "layer":
        src = tmp / f"{name}.src.mlir"
        src.write_text(layer_module(name, spec["params"], args.seed + i,
                                    args.weights_format == "bf16",
                                    spec["params"].get("dtype", "f32")))
    else:
        src = _network_module(spec, tmp, str(tools["dnn-opt"]), args.seed)
    generic = run_tool([tools["dnn-opt"], src, "--mlir-print-op-generic",
                    "--mlir-print-debuginfo", "--mlir-print-local-scope",
                    "--mlir-elide-resource-strings-if-larger=16"],
                   "dnn-opt (op list)").stdout
    oplist = parse_op_list(generic)
    model = tmp / f"{name}.mlir"
    if args.weights_format == "bf16":
        keys = {op["attrs"]["resource"] for op in oplist["ops"]
                if op["op"] == "constant" and "resource" in op["attrs"]
                and op["dtype"] == "f32"}
        round_resources(src, model, keys)
        src.unlink()
    else:
        src.rename(model)
    weights_tmp = tmp / f"{name}.weights"
    run_tool([sys.executable, tools["dnn-compile"], model,
          f"--target={args.target}", "--format=isa",
          "-o", out / f"{name}.so", "--weights", weights_tmp],
         "dnn-compile")
    manifest = read_manifest(out / f"{name}.so")
    (out / f"{name}.ops.json").write_text(json.dumps(oplist))
    if args.keep_mlir:
        shutil.copy2(model, out / f"{name}.mlir")
    counts = {}
    for op in oplist["ops"]:
        counts[op["op"]] = counts.get(op["op"], 0) + 1
    dtypes = {a["dtype"] for a in manifest_args(manifest, "input") +
              manifest_args(manifest, "output")}
    if len(dtypes) != 1:
        raise ValueError(f"{name}: inputs and outputs of several dtypes: "
                         f"{sorted(dtypes)}")
    (dtype,) = dtypes
    return {
        "name": name, "kind": spec["kind"], "dtype": dtype,
        "large": bool(spec["params"].get("large", False)),
        "description": _describe(spec),
        "so": f"{name}.so", "ops": f"{name}.ops.json",
        "macs": sum(op_macs(op) for op in oplist["ops"]),
        "gemms": sum(op_macs(op) > 0 for op in oplist["ops"]),
        "max_k": max((op_reduction(op) for op in oplist["ops"]), default=0),
        "op_counts": counts,
        "weight_roles": constant_roles(oplist),
        "manifest": manifest,
        "_spec": spec, "_model": model, "_weights": weights_tmp,
    }


def prepare(args) -> int:
    import numpy as np
    build = pathlib.Path(args.build_dir).resolve()
    tools = {t: build / "bin" / t for t in
             ("dnn-opt", "dnn-compile", "dnn-run", "dnn-bench")}
    for t, path in tools.items():
        if not path.exists():
            print(f"networks.py: {path} is missing: build the project first",
                  file=sys.stderr)
            return 2
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    remove_previous(out)
    specs = _case_specs(args)
    budget = int(args.budget_mb * 2 ** 20)
    io_limit = int(args.io_limit_mb * 2 ** 20)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dnn-networks-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        shutil.copy2(tools["dnn-bench"], out / "dnn-bench")
        cases = []
        # 1. Module, op list and library of every case.
        failed = []
        for i, spec in enumerate(specs):
            t0 = time.perf_counter()
            try:
                cases.append(_compile_case(spec, i, args, tools, tmp, out))
            except (RuntimeError, ValueError, OSError) as e:
                if not args.keep_going:
                    raise
                for f in out.glob(f"{spec['name']}.*"):
                    f.unlink()
                failed.append({"name": spec["name"], "error": str(e)[-2000:]})
                print(f"  {spec['name']}: left out: {str(e).splitlines()[0]}",
                      file=sys.stderr, flush=True)
                continue
            print(f"  compiled {spec['name']} ({time.perf_counter() - t0:.1f} s)",
                  flush=True)
        # 2. What is carried: in case order, while the folder stays within
        # the budget.
        used = sum(f.stat().st_size for f in out.iterdir() if f.is_file()) + 65536
        for i, case in enumerate(cases):
            spec, man = case.pop("_spec"), case["manifest"]
            model, weights_tmp = case.pop("_model"), case.pop("_weights")
            ins, outs = manifest_args(man, "input"), manifest_args(man, "output")
            io_bytes = sum(ITEMSIZE[a["dtype"]] * math.prod(a["shape"])
                           for a in ins + outs) + 128 * len(ins + outs)
            reason = None
            packed, encoding = None, None
            dtype = case["dtype"]
            rtol, atol_scale = check_tolerance(dtype, case["max_k"], case["gemms"])
            if spec["params"].get("carry", True) is False:
                reason = "case made on the device by design"
            elif dtype not in TORCH_DTYPES:
                reason = f"a {dtype} model"
            elif io_bytes > io_limit:
                reason = (f"input+output {io_bytes / 2 ** 20:.1f} MiB > "
                          f"--io-limit-mb {args.io_limit_mb}")
            else:
                raw = weights_tmp.read_bytes() if weights_tmp.exists() else b""
                packed = pack_bf16z(raw) if raw else b""
                encoding = "bf16z" if packed is not None else "raw"
                if packed is None:
                    packed = raw
                if used + len(packed) + io_bytes > budget:
                    reason = (f"weights ({len(packed) / 2 ** 20:.1f} MiB packed) "
                              f"do not fit --budget-mb {args.budget_mb} "
                              f"({used / 2 ** 20:.1f} MiB used)")
            case["random_weights"] = reason is not None
            if reason:
                case["weights"] = {"source": "generated", "reason": reason}
                case["inputs"] = [{"name": a["name"], "file": None} for a in ins]
                case["references"] = []
                case["check"] = {"against": "pytorch-f64", "rtol": rtol,
                                 "atol_scale": atol_scale}
                print(f"  {case['name']}: weights not carried: {reason}")
                continue
            wfile = None
            if man["weights_bytes"]:
                wfile = f"{case['name']}.weights" + \
                    (".bf16z" if encoding == "bf16z" else "")
                (out / wfile).write_bytes(packed)
            case["weights"] = {"source": "file", "file": wfile,
                               "encoding": encoding if wfile else None,
                               "bytes": man["weights_bytes"]}
            files, run_files = [], []
            for j, a in enumerate(ins):
                rng = np.random.default_rng([args.seed, i, j])
                x = rng.standard_normal(a["shape"], dtype=np.float32)
                f = f"{case['name']}.in.{a['name']}.npy"
                save_npy(out / f, x, a["dtype"])
                files.append(f)
                # dnn-run takes a bf16 input as the float32 array of its
                # values; dnn-bench takes the bit patterns (|V2).
                if a["dtype"] == "bf16":
                    run_files.append(tmp / f"{case['name']}.in{j}.f32.npy")
                    np.save(run_files[-1], load_npy_values(out / f))
                else:
                    run_files.append(out / f)
            case["inputs"] = [{"name": a["name"], "file": f}
                              for a, f in zip(ins, files)]
            ref_dir = tmp / f"{case['name']}.ref"
            t0 = time.perf_counter()
            run_tool([tools["dnn-run"], model,
                  "--input=" + ",".join(str(f) for f in run_files),
                  f"--output-dir={ref_dir}"], "dnn-run (CPU reference)")
            refs, scale = [], 0.0
            for j, a in enumerate(outs):
                y = np.load(ref_dir / f"out{j}.npy")
                if list(y.shape) != a["shape"]:
                    raise RuntimeError(f"{case['name']}: dnn-run output {j} has "
                                       f"shape {list(y.shape)}, the manifest "
                                       f"says {a['shape']}")
                # f32 and f16 as dnn-run writes them; bf16 outputs come as
                # the float32 arrays of their values (dnn-bench compares
                # values of any dtype).
                f = f"{case['name']}.ref.{a['name']}.npy"
                np.save(out / f, np.ascontiguousarray(y))
                refs.append({"name": a["name"], "file": f})
                finite = np.isfinite(y)
                if finite.any():
                    scale = max(scale, float(np.abs(y[finite]).max()))
                if not finite.all():
                    print(f"networks.py: warning: {case['name']}: the CPU "
                          f"reference {a['name']} has {int((~finite).sum())} "
                          f"non-finite values", file=sys.stderr)
            case["references"] = refs
            case["check"] = {"against": "cpu-reference", "rtol": rtol,
                             "atol": max(atol_scale * scale, 1e-6),
                             "atol_scale": atol_scale}
            used += len(packed) + io_bytes
            print(f"  {case['name']}: weights carried ({len(packed) / 2 ** 20:.1f} "
                  f"MiB), CPU reference in {time.perf_counter() - t0:.1f} s",
                  flush=True)
    spec_out = {"format": 1, "target": args.target, "dnn_bench": "dnn-bench",
                "seed": args.seed, "weights_format": args.weights_format,
                "created": datetime.datetime.now().isoformat(timespec="seconds"),
                "cases": cases, "failed": failed}
    (out / "cases.json").write_text(json.dumps(spec_out, indent=1))
    total = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    print(f"\n{'case':<34} {'kind':<8} {'dtype':<5} {'GMAC':>8} "
          f"{'weights':<24} check")
    for c in cases:
        w = c["weights"]
        wtext = ("carried " + (f"{(out / w['file']).stat().st_size / 2 ** 20:.1f} MiB"
                               if w.get("file") else "(none)")) \
            if w["source"] == "file" else "made on the device"
        check = "vs CPU reference" if c["check"]["against"] == "cpu-reference" \
            else "vs PyTorch f64 on the device"
        print(f"{c['name']:<34} {c['kind']:<8} {c['dtype']:<5} "
              f"{c['macs'] / 1e9:>8.3f} {wtext:<24} {check} (rtol "
              f"{c['check']['rtol']:.3g}, atol {c['check']['atol_scale']:.3g} "
              f"x max|ref|)")
    print(f"\nwrote {len(cases)} cases to {out}: {total / 2 ** 20:.1f} MiB "
          f"(budget {args.budget_mb} MiB) in {time.perf_counter() - t_start:.0f} s")
    if total > budget:
        print(f"networks.py: warning: {out} is over the budget", file=sys.stderr)
    for f in failed:
        print(f"networks.py: warning: {f['name']} left out (see cases.json "
              f"\"failed\")", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------
# run (on the GPU machine) and execute
# ---------------------------------------------------------------------------

def load_case_weights(root: pathlib.Path, case: dict) -> bytes | None:
    """The case's weights file (f32 bytes), rebuilt from DIR; None when the
    weights are not carried."""
    w = case["weights"]
    if w["source"] != "file":
        return None
    if not w.get("file"):
        return b""
    data = (root / w["file"]).read_bytes()
    raw = unpack_bf16z(data) if w["encoding"] == "bf16z" else data
    if len(raw) != case["manifest"]["weights_bytes"]:
        raise ValueError(f"{case['name']}: weights rebuilt to {len(raw)} bytes, "
                         f"the manifest says {case['manifest']['weights_bytes']}")
    return raw


def _dnn_bench_path(root: pathlib.Path, spec: dict, args, work: pathlib.Path) -> str:
    path = pathlib.Path(args.dnn_bench) if args.dnn_bench else \
        root / spec.get("dnn_bench", "dnn-bench")
    if not os.access(path, os.X_OK):
        copy = work / "dnn-bench"
        shutil.copy(path, copy)
        copy.chmod(0o755)
        path = copy
    return str(path)


def _fmt(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


def _check_text(c) -> str:
    if c is None:
        return "-"
    if c.get("error"):
        return f"error: {c['error']}"
    if c.get("timing_only"):
        return "timing only"
    word = "ok" if c["pass"] else f"FAIL ({c.get('mismatches')} mismatches)"
    return (f"{word}: max abs {_fmt(c.get('max_abs'), '.2e')}, max rel "
            f"{_fmt(c.get('max_rel'), '.2e')} vs {c.get('against', '?')}")


def set_reduced_precision_reduction(enabled: bool) -> None:
    """cuBLAS's f16/bf16 GEMMs with reductions (split-K) in the 16-bit type
    (PyTorch's default: allowed) or in f32, like ours."""
    import torch
    m = torch.backends.cuda.matmul
    for flag in ("allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction"):
        try:   # older PyTorch lacks the bf16 one (and asserts, for once)
            setattr(m, flag, enabled)
        except (AttributeError, AssertionError):
            pass


def torch_key(dtype: str) -> str:
    """The row's key of PyTorch's timing in the case's dtype."""
    return "torch_" + (dtype if dtype in TORCH_DTYPES else "f32")


def _merge_checks(checks, **extra) -> dict:
    return {"pass": all(c["pass"] for c in checks) and bool(checks),
            "mismatches": sum(c.get("mismatches", 0) for c in checks),
            "max_abs": max((c["max_abs"] for c in checks
                            if c.get("max_abs") is not None), default=None),
            "max_rel": max((c["max_rel"] for c in checks
                            if c.get("max_rel") is not None), default=None),
            **extra}


def run_case(case, root, work, bench, args, torch_ok, device):
    import numpy as np
    name, man = case["name"], case["manifest"]
    dtype = case.get("dtype", "f32")
    row = {"case": name, "kind": case["kind"], "dtype": dtype,
           "large": case.get("large", False),
           "description": case["description"], "gmac": case["macs"] / 1e9}
    oplist = json.loads((root / case["ops"]).read_text())
    ins, outs = manifest_args(man, "input"), manifest_args(man, "output")
    check = case["check"]
    atol_scale = args.atol_scale if args.atol_scale is not None else \
        check.get("atol_scale", ATOL_SCALE)
    # Weights and inputs.
    raw = load_case_weights(root, case)
    bench_weights, np_weights = [], None
    if raw is not None:
        wpath = work / f"{name}.weights"
        wpath.write_bytes(raw)
        bench_weights = ["--weights", str(wpath)]
        np_weights = weights_from_bytes(raw, man)
        row["weights"] = "carried"
    elif args.dnn_bench_random_weights:
        bench_weights = ["--random-weights", "1"]
        row["weights"] = "dnn-bench random (timing only)"
    else:
        generated = generate_weights(man, case.get("weight_roles", {}), args.seed)
        raw = weights_to_bytes(generated, man)
        # The values the model gets (f16/bf16 weights are rounded).
        np_weights = weights_from_bytes(raw, man)
        wpath = work / f"{name}.weights"
        wpath.write_bytes(raw)
        bench_weights = ["--weights", str(wpath)]
        row["weights"] = f"made on the device (seed {args.seed})"
    inputs = {}
    for j, spec in enumerate(case["inputs"]):
        a = ins[j]
        if spec.get("file"):
            path = root / spec["file"]
        elif bench_weights[0] == "--random-weights":
            continue   # dnn-bench's own seeded inputs; timing only
        else:
            rng = np.random.default_rng([args.seed, 1000 + j])
            x = rng.standard_normal(a["shape"], dtype=np.float32)
            path = work / f"{name}.in.{a['name']}.npy"
            save_npy(path, x, a["dtype"])
        inputs[a["name"]] = path
    # Our model.
    cmd = [bench, str(root / case["so"]), *bench_weights,
           "--warmup", str(args.warmup), "--runs", str(args.runs),
           "--json", str(work / f"{name}.bench.json")]
    for n, p in inputs.items():
        cmd += ["--input", f"{n}={p}"]
    cpu_ref = check["against"] == "cpu-reference" and not args.no_check
    device_ref = (check["against"] == "pytorch-f64" and not args.no_check
                  and bench_weights[0] != "--random-weights")
    if cpu_ref:
        for r in case["references"]:
            cmd += ["--reference", f"{r['name']}={root / r['file']}"]
        cmd += ["--rtol", str(check["rtol"]), "--atol", str(check["atol"])]
    saved = {}
    if device_ref:
        for a in outs:
            saved[a["name"]] = work / f"{name}.ours.{a['name']}.npy"
            cmd += ["--save-output", f"{a['name']}={saved[a['name']]}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=args.timeout)
    row["dnn_bench_s"] = round(time.perf_counter() - t0, 2)
    try:
        res = json.loads((work / f"{name}.bench.json").read_text())
    except (OSError, ValueError):
        res = {"exit_code": proc.returncode, "error": proc.stderr.strip()[-2000:]}
    row["ours"] = {"exit_code": res.get("exit_code", proc.returncode),
                   "error": res.get("error"),
                   "launches": res.get("launches_per_run")}
    if res.get("timing"):
        row["ours"].update({k: res["timing"][k] for k in
                            ("median_ms", "min_ms", "mean_ms", "runs", "warmup")})
    if res.get("device"):
        row["device"] = res["device"].get("name")
    if res.get("error"):
        row["check"] = {"error": res["error"].splitlines()[-1][:200],
                        "pass": False}
    elif cpu_ref:
        checks = [o["check"] for o in res.get("outputs", []) if o.get("check")]
        row["check"] = _merge_checks(checks, rtol=check["rtol"],
                                     atol=check["atol"], against="dnn-run CPU")
    elif not device_ref:
        row["check"] = {"timing_only": True, "pass": None}
    # PyTorch, in the case's dtype.
    key = torch_key(dtype)
    if not torch_ok:
        row["torch_error"] = "PyTorch is not available"
        if device_ref and "check" not in row:
            row["check"] = {"error": "no reference without PyTorch", "pass": None}
        row["vs_torch"] = vs_torch(row)
        return row
    import torch
    tdtype = getattr(torch, TORCH_DTYPES.get(dtype, "float32"))
    try:
        if np_weights is None:   # dnn-bench random weights: shapes only
            np_weights = weights_from_bytes(weights_to_bytes(generate_weights(
                man, case.get("weight_roles", {}), args.seed), man), man)
        xs_np = [load_npy_values(inputs[a["name"]]) if a["name"] in inputs else
                 dtype_values(to_dtype_array(np.random.default_rng(j)
                                             .standard_normal(a["shape"]),
                                             a["dtype"]), a["dtype"])
                 for j, a in enumerate(ins)]
        with torch.inference_mode():
            if device_ref and "check" not in row:
                net64 = TorchNet(oplist, np_weights, device, torch.float64)
                ref = [t.cpu().numpy() for t in
                       net64(*[torch.as_tensor(x, device=device,
                                               dtype=torch.float64)
                               for x in xs_np])]
                del net64
                checks = [compare(load_npy_values(saved[a["name"]]), r,
                                  check["rtol"],
                                  atol_scale * float(np.abs(r).max() or 1.0))
                          for a, r in zip(outs, ref)]
                row["check"] = _merge_checks(checks, rtol=check["rtol"],
                                             atol_scale=atol_scale,
                                             against="PyTorch f64")
            net = TorchNet(oplist, np_weights, device, tdtype)
            xs = [torch.as_tensor(x, device=device).to(tdtype) for x in xs_np]
            set_tf32(False)
            set_reduced_precision_reduction(False)
            got = [t.float().cpu().numpy() for t in net(*xs)]
            if case["references"] and not args.no_check:
                refs = [load_npy_values(root / r["file"])
                        for r in case["references"]]
                cs = [compare(g, r, check["rtol"], check["atol"])
                      for g, r in zip(got, refs)]
                row["torch_check"] = _merge_checks(cs, against="dnn-run CPU")
            row[key] = torch_timed(lambda: net(*xs), args.warmup, args.runs,
                                   device)
            if dtype == "f32":
                set_tf32(True)
                row["torch_tf32"] = torch_timed(lambda: net(*xs), args.warmup,
                                                args.runs, device)
                set_tf32(False)
            if args.cuda_graphs and device.type == "cuda":
                try:
                    row[key + "_graph"] = _graph_timed(net, xs, args)
                except Exception as e:  # noqa: BLE001 (report, go on)
                    row[key + "_graph"] = {"error": f"{type(e).__name__}: {e}"}
            net = xs = None   # free the GPU memory before the next case
    except Exception as e:  # noqa: BLE001
        row["torch_error"] = f"{type(e).__name__}: {e}"
    finally:
        if device.type == "cuda":
            torch.cuda.empty_cache()
    row["vs_torch"] = vs_torch(row)
    return row


def vs_torch(row: dict) -> dict:
    """Our time against PyTorch's in the same dtype: the ratio of the times
    and our throughput as a percentage of PyTorch's (= PyTorch ms / ours ms
    * 100), with the issue's target for the large layers."""
    dtype = row.get("dtype", "f32")
    key = torch_key(dtype)
    ours = (row.get("ours") or {}).get("median_ms")
    theirs = (row.get(key) or {}).get("median_ms")
    pct = 100.0 * theirs / ours if ours and theirs else None
    out = {"dtype": dtype, "torch": key, "ours_ms": ours, "torch_ms": theirs,
           "ratio": ours / theirs if ours and theirs else None,
           "throughput_pct": pct, "target_pct": None, "meets_target": None}
    if row.get("large") and dtype in TARGET_PCT:
        out["target_pct"] = TARGET_PCT[dtype]
        out["meets_target"] = None if pct is None else pct >= TARGET_PCT[dtype]
    return out


def target_summary(rows) -> dict:
    """dtype -> the large layers' standing against the issue's target."""
    out = {}
    for r in rows:
        v = r.get("vs_torch") or {}
        if v.get("target_pct") is None:
            continue
        s = out.setdefault(v["dtype"], {"target_pct": v["target_pct"],
                                        "cases": 0, "measured": 0, "met": 0,
                                        "min_pct": None, "min_case": None,
                                        "below": []})
        s["cases"] += 1
        pct = v.get("throughput_pct")
        if pct is None:
            continue
        s["measured"] += 1
        if v["meets_target"]:
            s["met"] += 1
        else:
            s["below"].append(r["case"])
        if s["min_pct"] is None or pct < s["min_pct"]:
            s["min_pct"], s["min_case"] = pct, r["case"]
    return out


def _graph_timed(net, xs, args):
    import torch
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            net(*xs)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        net(*xs)
    return torch_timed(graph.replay, args.warmup, args.runs, torch.device("cuda"))


def _ratio(row, key):
    ours = row.get("ours", {}).get("median_ms")
    theirs = (row.get(key) or {}).get("median_ms")
    return ours / theirs if ours and theirs else None


def _target_text(v: dict) -> str:
    if not v or v.get("target_pct") is None:
        return "-"
    word = "-" if v.get("meets_target") is None else \
        ("yes" if v["meets_target"] else "NO")
    return f">= {v['target_pct']:.0f}%: {word}"


def markdown(result: dict) -> str:
    lines = [f"# dnn-mlir compiled models vs PyTorch eager ({result['date']})", "",
             f"- device: {result.get('device')}",
             f"- PyTorch {result.get('torch')}, CUDA {result.get('cuda')}, "
             f"cuDNN {result.get('cudnn')}; cudnn.benchmark on",
             f"- median of {result['runs']} runs after {result['warmup']} "
             f"warm-up; ours: dnn-bench (one dnn_model_run per run, runtime "
             f"events); PyTorch on {result.get('torch_device', '-')}: CUDA "
             f"events (or wall time on the CPU) around the eager forward pass",
             "- PyTorch ms: PyTorch in the case's dtype (cuBLAS/cuDNN): f32 "
             "with TF32 off (allow_tf32 = False for matmul and cuDNN), f16 and "
             "bf16 with f32 accumulation like ours (cuBLAS's reduced-precision "
             "reductions off); TF32: f32 with TF32 on; ratio = ours / PyTorch "
             "(below 1: ours is faster); % of PyTorch = PyTorch ms / ours ms x "
             "100, our throughput as a share of PyTorch's; target: the issue's "
             "(>= 70% in f32, >= 50% in f16/bf16), for the large layers",
             "- check: our output against the CPU reference (dnn-run, carried "
             "weights and input) or, for cases whose weights were too large to "
             "carry, against the same op list in PyTorch float64 on the GPU "
             "with the same weights and input made on the device; tolerances "
             "by dtype (f16/bf16: a few ulps of the output type, see "
             "check_tolerance); PyTorch check: the PyTorch network in the "
             "case's dtype against the CPU reference (it computes the same "
             "network)", ""]
    rows = result["rows"]
    graphs = any(torch_key(r.get("dtype", "f32")) + "_graph" in r for r in rows)
    head = ["case", "kind", "dtype", "GMAC", "weights", "ours ms", "PyTorch ms",
            "ours/PyTorch", "% of PyTorch", "target", "PyTorch TF32 ms",
            "ours/TF32"]
    if graphs:
        head += ["PyTorch graph ms", "ours/graph"]
    head += ["check (ours)", "check (PyTorch)"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in rows:
        ours = r.get("ours", {})
        dtype = r.get("dtype", "f32")
        key = torch_key(dtype)
        v = r.get("vs_torch") or vs_torch(r)
        cells = [r["case"], r["kind"], dtype, f"{r['gmac']:.3f}",
                 r.get("weights", "-"), _fmt(ours.get("median_ms")),
                 _fmt((r.get(key) or {}).get("median_ms")),
                 _fmt(_ratio(r, key), ".2f"),
                 _fmt(v.get("throughput_pct"), ".1f"), _target_text(v),
                 _fmt((r.get("torch_tf32") or {}).get("median_ms")),
                 _fmt(_ratio(r, "torch_tf32"), ".2f")]
        if graphs:
            cells += [_fmt((r.get(key + "_graph") or {}).get("median_ms")),
                      _fmt(_ratio(r, key + "_graph"), ".2f")]
        torch_check = _check_text(r.get("torch_check")) if r.get("torch_check") \
            else (f"error: {r['torch_error']}" if r.get("torch_error") else "-")
        cells += [_check_text(r.get("check")), torch_check]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells)
                     + " |")
    lines.append("")
    targets = result.get("targets") or target_summary(rows)
    if targets:
        lines.append("Targets (large layers, ours as % of PyTorch's throughput "
                     "in the same dtype):")
        lines.append("")
        for dtype, s in targets.items():
            text = (f"- {dtype}: {s['met']} of {s['measured']} measured at >= "
                    f"{s['target_pct']:.0f}%")
            if s["measured"] < s["cases"]:
                text += f" ({s['cases'] - s['measured']} not measured)"
            if s["min_pct"] is not None:
                text += f"; lowest {s['min_pct']:.1f}% ({s['min_case']})"
            if s["below"]:
                text += f"; below: {', '.join(s['below'])}"
            lines.append(text)
        lines.append("")
    for r in rows:
        lines.append(f"- {r['case']}: {r['description']}")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    root = pathlib.Path(args.dir)
    spec = json.loads((root / "cases.json").read_text())
    cases = spec["cases"]
    if args.cases:
        wanted = args.cases.split(",")
        unknown = set(wanted) - {c["name"] for c in cases}
        if unknown:
            print(f"networks.py: unknown cases {sorted(unknown)}", file=sys.stderr)
            return 2
        cases = [c for c in cases if c["name"] in wanted]
    if args.work:
        work = pathlib.Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        return _run_in(args, root, spec, cases, work)
    with tempfile.TemporaryDirectory(prefix="dnn-networks-run-") as tmp:
        return _run_in(args, root, spec, cases, pathlib.Path(tmp))


def _run_in(args, root, spec, cases, work) -> int:
    bench = _dnn_bench_path(root, spec, args, work)
    torch_ok, device = False, None
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "runs": args.runs, "warmup": args.warmup, "dir": str(root)}
    if not args.no_torch:
        try:
            import torch
            torch_ok = True
            want = args.torch_device or ("cuda" if torch.cuda.is_available()
                                         else "cpu")
            device = torch.device(want)
            if device.type != "cuda":
                print(f"networks.py: warning: PyTorch runs on {device}, not "
                      f"on a GPU", file=sys.stderr)
            torch.backends.cudnn.benchmark = True
            set_tf32(False)
            result["torch_settings"] = {
                "cudnn_benchmark": True, "tf32": "off (but torch_tf32)",
                "f16_bf16_reduced_precision_reduction": False}
            result.update({"torch": torch.__version__,
                           "cuda": torch.version.cuda,
                           "cudnn": torch.backends.cudnn.version()
                           if torch.backends.cudnn.is_available() else None,
                           "torch_device": str(device)})
            if device.type == "cuda":
                result["device"] = torch.cuda.get_device_name(device)
        except ImportError:
            print("networks.py: PyTorch is not available: timing ours only",
                  file=sys.stderr)
    rows, bad = [], 0
    for case in cases:
        print(f"== {case['name']}", flush=True)
        try:
            row = run_case(case, root, work, bench, args, torch_ok, device)
        except Exception as e:  # noqa: BLE001 (one case must not stop the rest)
            row = {"case": case["name"], "kind": case["kind"],
                   "description": case["description"],
                   "gmac": case["macs"] / 1e9,
                   "check": {"error": f"{type(e).__name__}: {e}", "pass": False}}
        rows.append(row)
        result.setdefault("device", row.get("device"))
        bad += (row.get("check") or {}).get("pass") is False
        bad += (row.get("torch_check") or {}).get("pass") is False
        bad += bool(row.get("ours", {}).get("error"))
        row.setdefault("dtype", case.get("dtype", "f32"))
        row.setdefault("large", case.get("large", False))
        v = row.setdefault("vs_torch", vs_torch(row))
        print(f"   ours {_fmt(v['ours_ms'])} ms, PyTorch {row['dtype']} "
              f"{_fmt(v['torch_ms'])} ms ({_fmt(v['throughput_pct'], '.1f')}% "
              f"of PyTorch's throughput), TF32 "
              f"{_fmt((row.get('torch_tf32') or {}).get('median_ms'))} ms; "
              f"check: {_check_text(row.get('check'))}", flush=True)
    result["rows"] = rows
    result["targets"] = target_summary(rows)
    text = markdown(result)
    print()
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps(result, indent=1))
    if args.markdown:
        pathlib.Path(args.markdown).write_text(text)
    return 1 if bad else 0


def _parse_named(items):
    out = {}
    for item in items or []:
        name, _, path = item.partition("=")
        if not path:
            raise SystemExit(f"networks.py: expected NAME=FILE, got '{item}'")
        out[name] = path
    return out


def _case(root: pathlib.Path, name: str) -> dict:
    spec = json.loads((root / "cases.json").read_text())
    for c in spec["cases"]:
        if c["name"] == name:
            return c
    raise SystemExit(f"networks.py: no case '{name}' in {root / 'cases.json'}")


def export_weights(args) -> int:
    """The case's carried weights as an .npz keyed by weight name."""
    import numpy as np
    root = pathlib.Path(args.dir)
    case = _case(root, args.case)
    raw = load_case_weights(root, case)
    if raw is None:
        print(f"networks.py: {args.case}: the weights are not carried",
              file=sys.stderr)
        return 2
    np.savez(args.out, **weights_from_bytes(raw, case["manifest"]))
    return 0


def execute(args) -> int:
    """One case's op list in PyTorch; compares with the carried reference."""
    import numpy as np
    import torch
    root = pathlib.Path(args.dir)
    case = _case(root, args.case)
    man = case["manifest"]
    oplist = json.loads((root / case["ops"]).read_text())
    if args.weights_npz:
        with np.load(args.weights_npz) as z:
            weights = {k: z[k] for k in z.files}
    else:
        raw = load_case_weights(root, case)
        if raw is None:   # run's weights, rounded to the manifest's dtypes
            raw = weights_to_bytes(generate_weights(
                man, case.get("weight_roles", {}), args.seed), man)
        weights = weights_from_bytes(raw, man)
    given = _parse_named(args.input)
    xs = []
    for spec, a in zip(case["inputs"], manifest_args(man, "input")):
        path = given.get(a["name"]) or (root / spec["file"] if spec.get("file")
                                        else None)
        if path is None:
            raise SystemExit(f"networks.py: no input for '{a['name']}': --input")
        xs.append(load_npy_values(path))
    dtype = getattr(torch, TORCH_DTYPES.get(args.dtype, "float64"))
    device = torch.device(args.device)
    with torch.inference_mode():
        net = TorchNet(oplist, weights, device, dtype)
        outs = [t.float().cpu().numpy() for t in
                net(*[torch.as_tensor(x, device=device, dtype=dtype) for x in xs])]
    report = {"case": args.case, "outputs": []}
    saves = _parse_named(args.save_output)
    ok = True
    for a, y in zip(manifest_args(man, "output"), outs):
        entry = {"name": a["name"], "shape": list(y.shape)}
        if a["name"] in saves:
            np.save(saves[a["name"]], y)
        refs = {r["name"]: r["file"] for r in case["references"]}
        if args.compare and a["name"] in refs:
            c = compare(y, load_npy_values(root / refs[a["name"]]),
                        case["check"]["rtol"], case["check"]["atol"])
            entry["check"] = c
            ok &= c["pass"]
        report["outputs"].append(entry)
    print(json.dumps(report, indent=1))
    return 0 if ok else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="compile the cases (here)")
    p.add_argument("--out", required=True)
    p.add_argument("--models", default=DEFAULT_MODELS,
                   help=f"networks of the model zoo, comma-separated, or none "
                        f"(default {DEFAULT_MODELS})")
    p.add_argument("--layers", default="all",
                   help=f"layer cases, comma-separated, all or none "
                        f"({', '.join(LAYERS)})")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny cases instead ({', '.join(QUICK_LAYERS)}, "
                        f"{', '.join(QUICK_MODELS)}); --layers/--models pick "
                        f"among them")
    p.add_argument("--batch", type=int, default=1, help="batch of the networks")
    p.add_argument("--size", type=int, default=224, help="image size of the networks")
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", default="h100")
    p.add_argument("--weights-format", choices=["bf16", "f32"], default="bf16",
                   help="round f32 weights to bf16-representable values and "
                        "pack them (default), or keep them exact")
    p.add_argument("--budget-mb", type=float, default=45.0,
                   help="most MiB the folder may hold (default 45)")
    p.add_argument("--io-limit-mb", type=float, default=4.0,
                   help="carry a case's input and reference only if they take "
                        "at most this (default 4)")
    p.add_argument("--keep-going", action="store_true",
                   help="leave out a case that does not compile (listed in "
                        "cases.json as failed) instead of stopping")
    p.add_argument("--keep-mlir", action="store_true",
                   help="also write each case's compiled module (NAME.mlir)")
    p.add_argument("--build-dir", default=os.environ.get("DNN_BUILD_DIR",
                                                         str(ROOT / "build")))
    r = sub.add_parser("run", help="run and time the cases (GPU machine)")
    r.add_argument("--dir", required=True)
    r.add_argument("--runs", type=int, default=50)
    r.add_argument("--warmup", type=int, default=10)
    r.add_argument("--out", help="JSON result file")
    r.add_argument("--markdown", help="markdown table file")
    r.add_argument("--cases", help="only these cases (comma-separated)")
    r.add_argument("--work", help="folder for rebuilt weights, inputs and "
                                  "outputs (default: a new temporary one)")
    r.add_argument("--dnn-bench", help="dnn-bench to use (default DIR/dnn-bench)")
    r.add_argument("--dnn-bench-random-weights", action="store_true",
                   help="for cases without carried weights, pass "
                        "--random-weights 1 to dnn-bench and only time them")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--atol-scale", type=float, default=None,
                   help="atol = this x max|reference| for the checks against "
                        "PyTorch f64 (default: the case's, by dtype)")
    r.add_argument("--no-check", action="store_true",
                   help="time only (e.g. with the fake CUDA driver)")
    r.add_argument("--no-torch", action="store_true", help="time ours only")
    r.add_argument("--torch-device", help="cuda (default when available) or cpu")
    r.add_argument("--cuda-graphs", action="store_true",
                   help="also time PyTorch f32 replayed as a CUDA graph")
    r.add_argument("--timeout", type=int, default=900,
                   help="seconds for one dnn-bench run")
    e = sub.add_parser("execute", help="one case's op list in PyTorch")
    e.add_argument("--dir", required=True)
    e.add_argument("--case", required=True)
    e.add_argument("--device", default="cpu")
    e.add_argument("--dtype", choices=["f32", "f64", "f16", "bf16"],
                   default="f32", help="PyTorch's dtype (default f32)")
    e.add_argument("--weights-npz", help="weights by name (default: the "
                                         "case's carried weights file)")
    e.add_argument("--input", action="append", help="NAME=FILE.npy")
    e.add_argument("--save-output", action="append", help="NAME=FILE.npy")
    e.add_argument("--compare", action="store_true",
                   help="compare with the case's carried reference")
    e.add_argument("--seed", type=int, default=0)
    x = sub.add_parser("export-weights",
                       help="a case's carried weights as .npz (by name)")
    x.add_argument("--dir", required=True)
    x.add_argument("--case", required=True)
    x.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        try:
            return prepare(args)
        except RuntimeError as e:
            print(f"networks.py: error: {e}", file=sys.stderr)
            return 1
    return {"prepare": prepare, "run": run, "execute": execute,
            "export-weights": export_weights}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
