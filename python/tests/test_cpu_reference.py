"""End-to-end checks of the CPU lowering of every dnn op against NumPy.

Each case writes a one-function module, runs it with `dnn-run` (which
lowers it through dnn-cpu-pipeline and executes it on the host) on inputs
from .npy files, and compares `out0.npy` with the independent reference in
numpy_reference.py (computed in float64 from the very inputs the compiled
code saw, i.e. after rounding to the element type under test).

Tolerances per element type: f64 and f32 near their unit roundoff; f16 and
bf16 layers accumulate in f32 and round once (see DNNToLinalg.cpp), so the
relative error must stay within about one rounding of the element type.
"""
import re
import subprocess
import zlib

import numpy as np
import pytest

import numpy_reference as ref
from conftest import ROOT
from numpy_reference import tensor_type

# (rtol, atol) per element type.
TOLERANCE = {
    "f64": (1e-12, 1e-12),
    "f32": (1e-5, 1e-5),
    "f16": (1e-3, 1e-4),   # f16 unit roundoff 2^-11 ~ 4.9e-4
    "bf16": (8e-3, 1e-4),  # bf16 unit roundoff 2^-8 ~ 3.9e-3
}

# ---------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------


def rng_for(*key):
    """A generator seeded from the case's parameters (stable across runs)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def rand(rng, shape, etype, lo=-1.0, hi=1.0):
    """Uniform values in [lo, hi), rounded to `etype` (as dnn-run reads them)."""
    return ref.to_dtype(rng.uniform(lo, hi, size=shape), etype)


def func_module(args, body, results, resources=None):
    """A module with `func.func @main(%a0: T0, ...)` running `body` (lines of
    IR) and returning `results` (a list of (value, type))."""
    params = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    rtypes = ", ".join(t for _, t in results)
    rvals = ", ".join(v for v, _ in results)
    lines = [f"func.func @main({params}) -> ({rtypes}) {{"]
    lines += [f"  {line}" for line in body]
    lines += [f"  return {rvals} : {rtypes}", "}"]
    text = "\n".join(lines) + "\n"
    if resources:
        blobs = ",\n".join(f"      {k}: \"{v}\"" for k, v in resources.items())
        text += ("\n{-#\n  dialect_resources: {\n    builtin: {\n" + blobs +
                 "\n    }\n  }\n#-}\n")
    return text


def run_model(dnn_run, tmp_path, text, inputs, extra=()):
    """Runs `text` on `inputs` and returns its outputs (out0.npy, ...)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    model = tmp_path / "model.mlir"
    model.write_text(text)
    out_dir = tmp_path / "out"
    cmd = [dnn_run, str(model), f"--output-dir={out_dir}"]
    for i, array in enumerate(inputs):
        path = tmp_path / f"in{i}.npy"
        np.save(path, array)
        cmd.append(f"--input={path}")
    cmd += list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"dnn-run failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}\n"
        f"--- module ---\n{text}")
    outputs = []
    while (out_dir / f"out{len(outputs)}.npy").exists():
        outputs.append(np.load(out_dir / f"out{len(outputs)}.npy"))
    return outputs


def check(out, expected, etype, rtol=None, atol=None):
    """Compares a dnn-run output with a float64 reference."""
    dr, da = TOLERANCE[etype]
    assert out.dtype == ref.NPY_DTYPE[etype], out.dtype
    assert out.shape == expected.shape, (out.shape, expected.shape)
    np.testing.assert_array_equal(np.isfinite(out), np.isfinite(expected))
    np.testing.assert_allclose(out.astype(np.float64), expected,
                               rtol=dr if rtol is None else rtol,
                               atol=da if atol is None else atol)
    if etype == "bf16":
        # bf16 results come back as float32 holding bf16 values.
        np.testing.assert_array_equal(out, ref.round_bf16(out))


def run_single_op(dnn_run, tmp_path, inputs, etype, op_line, expected,
                  **tol):
    """Runs `%r = <op_line>` (over %a0, %a1, ...) and checks the result."""
    args = [tensor_type(a.shape, etype) for a in inputs]
    rtype = tensor_type(expected.shape, etype)
    text = func_module(args, [f"%r = {op_line}"], [("%r", rtype)])
    (out,) = run_model(dnn_run, tmp_path, text, inputs)
    check(out, expected, etype, **tol)
    return out


def arr(name, values):
    return f"{name} = array<i64: {', '.join(str(v) for v in values)}>"


def signature(inputs, etype, result_shape):
    ins = ", ".join(tensor_type(a.shape, etype) for a in inputs)
    return f"({ins}) -> {tensor_type(result_shape, etype)}"


# ---------------------------------------------------------------------------
# conv2d
# ---------------------------------------------------------------------------

CONV_CASES = [
    # id, input NCHW, weight (F, KH, KW), strides, padding, dilation, groups,
    # bias, etype
    ("basic", (1, 3, 8, 8), (4, 3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1, False, "f32"),
    ("bias_s2_p1", (2, 3, 9, 9), (5, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 1, True, "f32"),
    ("odd_asym_pad", (1, 4, 7, 9), (3, 3, 2), (2, 3), (0, 1, 2, 0), (1, 1), 1, True, "f32"),
    ("dilation", (1, 2, 11, 10), (3, 3, 3), (1, 1), (2, 1, 2, 1), (2, 1), 1, False, "f32"),
    ("dilation_stride", (2, 3, 13, 12), (4, 3, 2), (2, 2), (1, 2, 0, 1), (2, 3), 1, True, "f32"),
    ("groups2", (1, 4, 8, 7), (6, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, True, "f32"),
    ("groups3_stride", (2, 6, 9, 9), (9, 2, 2), (2, 1), (0, 0, 1, 1), (1, 1), 3, False, "f32"),
    ("depthwise", (1, 5, 10, 10), (5, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 5, True, "f32"),
    ("depthwise_x2_s2", (2, 3, 9, 8), (6, 3, 3), (2, 2), (1, 0, 1, 2), (1, 1), 3, True, "f32"),
    ("stride_gt_kernel_1x1", (1, 4, 10, 11), (3, 1, 1), (3, 3), (0, 0, 0, 0), (1, 1), 1, True, "f32"),
    ("stride_gt_kernel_2x2", (1, 2, 11, 9), (3, 2, 2), (3, 4), (1, 0, 0, 1), (1, 1), 1, False, "f32"),
    ("kernel_is_input", (3, 2, 5, 4), (4, 5, 4), (1, 1), (0, 0, 0, 0), (1, 1), 1, True, "f32"),
    ("row_kernel_1x5", (1, 3, 6, 12), (2, 1, 5), (1, 2), (0, 2, 0, 2), (1, 1), 1, False, "f32"),
    ("big_pad_7x7_s2", (1, 3, 16, 16), (8, 7, 7), (2, 2), (3, 3, 3, 3), (1, 1), 1, True, "f32"),
    # Padding wider than the kernel: border outputs see padding only (bias).
    ("pad_gt_kernel", (1, 2, 5, 6), (3, 2, 2), (1, 2), (3, 0, 0, 4), (1, 1), 1, True, "f32"),
    ("groups_one_filter_each", (2, 4, 6, 6), (2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, False, "f32"),
    ("larger", (2, 16, 20, 18), (24, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, True, "f32"),
    ("f64", (2, 3, 7, 8), (4, 3, 3), (2, 1), (1, 0, 0, 1), (1, 2), 1, True, "f64"),
    ("f16", (1, 8, 9, 9), (6, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, True, "f16"),
    ("f16_deep", (1, 64, 6, 6), (8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, True, "f16"),
    ("f16_depthwise", (2, 4, 8, 8), (4, 3, 3), (2, 2), (0, 1, 1, 0), (1, 1), 4, False, "f16"),
    ("bf16", (1, 6, 10, 9), (5, 3, 3), (2, 2), (1, 1, 0, 2), (1, 1), 1, True, "bf16"),
    ("bf16_groups_dilation", (1, 4, 9, 9), (4, 2, 2), (1, 1), (1, 1, 1, 1), (2, 2), 2, True, "bf16"),
]


def conv_op_line(inputs, etype, out_shape, strides, padding, dilation, groups):
    names = ", ".join(f"%a{i}" for i in range(len(inputs)))
    attrs = [arr("strides", strides), arr("padding", padding),
             arr("dilation", dilation), f"groups = {groups} : i64"]
    return (f"dnn.conv2d {names} {{{', '.join(attrs)}}} : "
            f"{signature(inputs, etype, out_shape)}")


@pytest.mark.parametrize(
    "xshape,wspec,strides,padding,dilation,groups,bias,etype",
    [c[1:] for c in CONV_CASES], ids=[c[0] for c in CONV_CASES])
def test_conv2d(dnn_run, tmp_path, xshape, wspec, strides, padding, dilation,
                groups, bias, etype):
    rng = rng_for("conv", xshape, wspec, strides, padding, dilation, groups)
    f, kh, kw = wspec
    x = rand(rng, xshape, etype)
    w = rand(rng, (f, xshape[1] // groups, kh, kw), etype)
    inputs = [x, w] + ([rand(rng, (f,), etype)] if bias else [])
    expected = ref.conv2d(x, w, inputs[2] if bias else None, strides, padding,
                          dilation, groups)
    line = conv_op_line(inputs, etype, expected.shape, strides, padding,
                        dilation, groups)
    run_single_op(dnn_run, tmp_path, inputs, etype, line, expected)


def test_conv2d_default_attributes(dnn_run, tmp_path):
    """No attribute dictionary at all: unit strides/dilation, no padding."""
    rng = rng_for("conv-default")
    x, w = rand(rng, (1, 2, 6, 5), "f32"), rand(rng, (3, 2, 2, 3), "f32")
    expected = ref.conv2d(x, w)
    line = f"dnn.conv2d %a0, %a1 : {signature([x, w], 'f32', expected.shape)}"
    run_single_op(dnn_run, tmp_path, [x, w], "f32", line, expected)


# ---------------------------------------------------------------------------
# linear and matmul
# ---------------------------------------------------------------------------

LINEAR_CASES = [
    ("2d_bias", (4, 7), 5, True, "f32"),
    ("2d_nobias", (3, 16), 9, False, "f32"),
    ("3d_input", (2, 3, 6), 4, True, "f32"),
    ("4d_input", (2, 1, 3, 5), 3, False, "f32"),
    ("1d_input", (11,), 6, True, "f32"),
    ("f64", (5, 13), 7, True, "f64"),
    ("f16", (6, 40), 12, True, "f16"),
    ("f16_long_k", (4, 1024), 6, True, "f16"),  # needs f32 accumulation
    ("bf16", (2, 3, 24), 10, True, "bf16"),
]


@pytest.mark.parametrize("xshape,n,bias,etype", [c[1:] for c in LINEAR_CASES],
                         ids=[c[0] for c in LINEAR_CASES])
def test_linear(dnn_run, tmp_path, xshape, n, bias, etype):
    rng = rng_for("linear", xshape, n, bias, etype)
    x = rand(rng, xshape, etype)
    w = rand(rng, (n, xshape[-1]), etype)
    inputs = [x, w] + ([rand(rng, (n,), etype)] if bias else [])
    expected = ref.linear(x, w, inputs[2] if bias else None)
    names = ", ".join(f"%a{i}" for i in range(len(inputs)))
    line = f"dnn.linear {names} : {signature(inputs, etype, expected.shape)}"
    run_single_op(dnn_run, tmp_path, inputs, etype, line, expected)


MATMUL_CASES = [
    ("2d", (5, 7), (7, 3), "f32"),
    ("batched", (3, 4, 6), (3, 6, 5), "f32"),
    ("lhs_batch_rhs_2d", (2, 3, 4, 5), (5, 6), "f32"),
    ("lhs_2d_rhs_batch", (4, 5), (3, 5, 2), "f32"),
    ("broadcast_both", (2, 1, 3, 4), (5, 4, 6), "f32"),
    ("broadcast_ones", (1, 3, 2, 5), (4, 1, 5, 3), "f32"),
    ("rank5", (2, 1, 2, 3, 4), (3, 1, 4, 2), "f32"),
    ("larger", (2, 67, 45), (45, 81), "f32"),
    ("larger_batched", (3, 33, 40), (3, 40, 29), "f32"),
    ("f64", (2, 5, 9), (1, 9, 4), "f64"),
    ("f16", (3, 8, 32), (32, 7), "f16"),
    ("f16_batched", (2, 4, 16), (2, 16, 5), "f16"),
    ("bf16", (2, 6, 20), (1, 20, 3), "bf16"),
]


@pytest.mark.parametrize("ashape,bshape,etype", [c[1:] for c in MATMUL_CASES],
                         ids=[c[0] for c in MATMUL_CASES])
def test_matmul(dnn_run, tmp_path, ashape, bshape, etype):
    rng = rng_for("matmul", ashape, bshape, etype)
    a, b = rand(rng, ashape, etype), rand(rng, bshape, etype)
    expected = ref.matmul(a, b)
    line = f"dnn.matmul %a0, %a1 : {signature([a, b], etype, expected.shape)}"
    run_single_op(dnn_run, tmp_path, [a, b], etype, line, expected)


# ---------------------------------------------------------------------------
# batch_norm
# ---------------------------------------------------------------------------

BN_CASES = [
    ("nchw", (2, 5, 6, 7), None, "f32"),
    ("nc", (4, 9), 1e-3, "f32"),
    ("ncl", (3, 4, 5), 0.5, "f32"),
    ("ncdhw", (1, 3, 2, 3, 4), 1e-5, "f32"),
    ("f64", (2, 4, 3, 3), 1e-2, "f64"),
    ("f16", (2, 6, 5, 5), 1e-5, "f16"),
    ("bf16", (1, 8, 4, 4), 1e-3, "bf16"),
]


@pytest.mark.parametrize("xshape,eps,etype", [c[1:] for c in BN_CASES],
                         ids=[c[0] for c in BN_CASES])
def test_batch_norm(dnn_run, tmp_path, xshape, eps, etype):
    rng = rng_for("bn", xshape, eps, etype)
    c = xshape[1]
    x = rand(rng, xshape, etype, -3, 3)
    scale = rand(rng, (c,), etype, 0.5, 2.0)
    offset = rand(rng, (c,), etype)
    mean = rand(rng, (c,), etype)
    # Small variances make epsilon matter.
    var = rand(rng, (c,), etype, 0.001, 1.5)
    expected = ref.batch_norm(x, scale, offset, mean, var,
                              1e-5 if eps is None else eps)
    attr = "" if eps is None else f" {{epsilon = {eps:.6e} : f64}}"
    line = (f"dnn.batch_norm %a0, %a1, %a2, %a3, %a4{attr} : "
            f"{tensor_type(xshape, etype)}, {tensor_type((c,), etype)}")
    # Dividing by sqrt(0.001 + eps) amplifies absolute error.
    tol = {"atol": 1e-4} if etype == "f32" else {}
    run_single_op(dnn_run, tmp_path, [x, scale, offset, mean, var], etype,
                  line, expected, **tol)


def test_batch_norm_epsilon_matters(dnn_run, tmp_path):
    """With a zero variance the result is offset + scale*(x-mean)/sqrt(eps)."""
    x = np.array([[1.0, 2.0], [-1.0, 0.5]], np.float32)
    scale = np.array([1.0, 2.0], np.float32)
    offset = np.array([0.25, -0.5], np.float32)
    mean = np.array([0.5, 1.0], np.float32)
    var = np.zeros(2, np.float32)
    expected = ref.batch_norm(x, scale, offset, mean, var, 0.25)
    line = ("dnn.batch_norm %a0, %a1, %a2, %a3, %a4 {epsilon = 0.25 : f64} : "
            "tensor<2x2xf32>, tensor<2xf32>")
    out = run_single_op(dnn_run, tmp_path, [x, scale, offset, mean, var],
                        "f32", line, expected)
    np.testing.assert_allclose(out[0], [0.25 + 0.5 / 0.5, -0.5 + 2 * 1 / 0.5])


# ---------------------------------------------------------------------------
# activation
# ---------------------------------------------------------------------------

ACT_CASES = (
    [(k, (2, 3, 17), "f32") for k in ref.ACTIVATIONS] +
    [(k, (5, 13), "f64") for k in ref.ACTIVATIONS] +
    [(k, (4, 33), "f16") for k in ("relu6", "sigmoid", "gelu", "gelu_tanh")] +
    [(k, (3, 21), "bf16") for k in ("relu", "tanh", "gelu")]
)


@pytest.mark.parametrize("kind,shape,etype", ACT_CASES,
                         ids=[f"{k}-{e}" for k, _, e in ACT_CASES])
def test_activation(dnn_run, tmp_path, kind, shape, etype):
    rng = rng_for("act", kind, shape, etype)
    # [-8, 8) covers relu6's clamp at 6 and the saturating tails; include
    # exact zeros and the clamp points.
    x = rng.uniform(-8, 8, size=shape)
    x.flat[:5] = [0.0, 6.0, -6.0, 7.5, -0.25]
    x = ref.to_dtype(x, etype)
    expected = ref.activation(kind, x)
    line = f"dnn.activation {kind} %a0 : {tensor_type(shape, etype)}"
    # f32 erf/tanh/exp are polynomial approximations on the CPU.
    tol = {"rtol": 2e-5, "atol": 2e-6} if etype == "f32" else {}
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected, **tol)


EXTREMES = [-1e4, -100.0, -30.0, -10.0, -1e-3, -0.0, 0.0, 1e-3, 10.0, 30.0,
            100.0, 1e4]


@pytest.mark.parametrize("etype", ["f32", "f16", "bf16"])
def test_activation_extremes(dnn_run, tmp_path, etype):
    """Saturation and tiny values for every kind (one module, six results):
    no overflow to NaN in exp/tanh/x^3, exact zeros and clamps."""
    x = ref.to_dtype(np.array(EXTREMES), etype)
    t = tensor_type(x.shape, etype)
    kinds = list(ref.ACTIVATIONS)
    body = [f"%r{i} = dnn.activation {k} %a0 : {t}"
            for i, k in enumerate(kinds)]
    text = func_module([t], body, [(f"%r{i}", t) for i in range(len(kinds))])
    outs = run_model(dnn_run, tmp_path, text, [x])
    assert len(outs) == len(kinds)
    rtol = 2e-5 if etype == "f32" else None
    # Results below the smallest f16 subnormal (2^-24) round to zero.
    atol = 2.0 ** -24 if etype == "f16" else 1e-30
    for kind, out in zip(kinds, outs):
        check(out, ref.activation(kind, x), etype, rtol=rtol, atol=atol)


def test_rank0_tensors(dnn_run, tmp_path):
    """Rank-0 tensors through activation, broadcasting add and reshape."""
    x = np.array(0.75, np.float32)
    y = rand(rng_for("rank0"), (2, 3), "f32")
    body = ["%r = dnn.activation sigmoid %a0 : tensor<f32>",
            "%s = dnn.add %a0, %a1 : tensor<f32>, tensor<2x3xf32>",
            "%t = dnn.reshape %a0 : tensor<f32> -> tensor<1x1x1xf32>",
            "%u = dnn.reshape %t : tensor<1x1x1xf32> -> tensor<f32>"]
    text = func_module(["tensor<f32>", "tensor<2x3xf32>"], body,
                       [("%r", "tensor<f32>"), ("%s", "tensor<2x3xf32>"),
                        ("%t", "tensor<1x1x1xf32>"), ("%u", "tensor<f32>")])
    r, s, t, u = run_model(dnn_run, tmp_path, text, [x, y])
    check(r, ref.activation("sigmoid", x), "f32")
    check(s, ref.add(x, y), "f32")
    check(t, ref.reshape(x, (1, 1, 1)).astype(np.float64), "f32", rtol=0,
          atol=0)
    check(u, x.astype(np.float64), "f32", rtol=0, atol=0)


# ---------------------------------------------------------------------------
# add
# ---------------------------------------------------------------------------

ADD_CASES = [
    ("same", (2, 3, 4, 5), (2, 3, 4, 5), "f32"),
    ("bias_like", (2, 3, 4, 5), (3, 1, 1), "f32"),
    ("scalar_like", (4, 6), (1,), "f32"),
    ("both_broadcast", (3, 1, 5), (4, 1), "f32"),
    ("lhs_smaller", (1, 7), (2, 3, 1), "f32"),
    ("interior_ones", (2, 1, 1, 5, 1), (4, 3, 1, 6), "f32"),
    ("all_ones", (1, 1), (3, 1, 1), "f32"),
    ("f64", (2, 1, 6), (2, 5, 1), "f64"),
    ("f16", (3, 4, 5), (4, 1), "f16"),
    ("bf16", (2, 8), (2, 8), "bf16"),
]


@pytest.mark.parametrize("ashape,bshape,etype", [c[1:] for c in ADD_CASES],
                         ids=[c[0] for c in ADD_CASES])
def test_add(dnn_run, tmp_path, ashape, bshape, etype):
    rng = rng_for("add", ashape, bshape, etype)
    a, b = rand(rng, ashape, etype), rand(rng, bshape, etype)
    expected = ref.add(a, b)
    line = (f"dnn.add %a0, %a1 : {tensor_type(ashape, etype)}, "
            f"{tensor_type(bshape, etype)}")
    run_single_op(dnn_run, tmp_path, [a, b], etype, line, expected)


# ---------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------

SOFTMAX_CASES = [
    ("rank3_axis0", (3, 4, 5), 0, "f32", 4.0),
    ("rank3_axis1", (3, 4, 5), 1, "f32", 4.0),
    ("rank3_axis2", (3, 4, 5), 2, "f32", 4.0),
    ("rank1", (17,), 0, "f32", 4.0),
    ("rank4_axis1", (2, 6, 3, 3), 1, "f32", 4.0),
    ("large_logits", (4, 10), 1, "f32", 300.0),  # exp overflows without max
    ("axis_size1", (3, 1, 4), 1, "f32", 4.0),
    ("f16_long_axis", (2, 1000), 1, "f16", 6.0),
    ("f64", (3, 7), 0, "f64", 4.0),
    ("f16", (5, 24), 1, "f16", 8.0),
    ("bf16", (2, 3, 16), 2, "bf16", 8.0),
]


@pytest.mark.parametrize("shape,axis,etype,scale",
                         [c[1:] for c in SOFTMAX_CASES],
                         ids=[c[0] for c in SOFTMAX_CASES])
def test_softmax(dnn_run, tmp_path, shape, axis, etype, scale):
    rng = rng_for("softmax", shape, axis, etype)
    x = rand(rng, shape, etype, -scale, scale)
    expected = ref.softmax(x, axis)
    line = f"dnn.softmax %a0 {{axis = {axis} : i64}} : {tensor_type(shape, etype)}"
    out = run_single_op(dnn_run, tmp_path, [x], etype, line, expected)
    if etype in ("f32", "f64"):
        np.testing.assert_allclose(out.sum(axis=axis), 1.0, rtol=1e-5)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def pool_attrs(kernel, strides, padding, ceil_mode, dilation=None,
               count_include_pad=None):
    attrs = [arr("kernel_size", kernel), arr("strides", strides),
             arr("padding", padding)]
    if dilation is not None:
        attrs.append(arr("dilation", dilation))
    if ceil_mode:
        attrs.append("ceil_mode = true")
    if count_include_pad is not None:
        attrs.append(f"count_include_pad = {str(count_include_pad).lower()}")
    return "{" + ", ".join(attrs) + "}"


MAXPOOL_CASES = [
    # id, input, kernel, strides, padding, dilation, ceil_mode, etype
    ("2x2_s2", (1, 2, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), False, "f32"),
    ("3x3_s2_p1", (2, 3, 9, 9), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False, "f32"),
    ("asym_pad_odd", (1, 3, 7, 10), (3, 2), (2, 3), (2, 0, 1, 1), (1, 1), False, "f32"),
    ("stride_gt_kernel", (1, 2, 11, 13), (2, 2), (3, 4), (1, 1, 0, 0), (1, 1), False, "f32"),
    ("dilation", (1, 2, 12, 11), (3, 2), (1, 2), (2, 1, 2, 0), (2, 3), False, "f32"),
    ("ceil_keep", (1, 2, 6, 7), (3, 3), (2, 2), (0, 0, 0, 0), (1, 1), True, "f32"),
    ("ceil_overhang_pad", (2, 2, 6, 6), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True, "f32"),
    # 5 + 1 + 1 with k=2, s=2: a 4th window would start in the end padding.
    ("ceil_drop", (1, 3, 5, 5), (2, 2), (2, 2), (1, 1, 1, 1), (1, 1), True, "f32"),
    ("ceil_dilation", (1, 2, 10, 9), (2, 3), (3, 2), (1, 0, 0, 1), (2, 1), True, "f32"),
    # The last window overhangs the input by two rows and columns.
    ("ceil_big_overhang", (1, 2, 5, 5), (4, 4), (3, 3), (0, 0, 0, 0), (1, 1), True, "f32"),
    ("f64", (1, 3, 9, 8), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True, "f64"),
    ("f16", (2, 4, 9, 9), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False, "f16"),
    ("bf16", (1, 4, 8, 7), (2, 3), (2, 2), (1, 1, 0, 1), (1, 1), True, "bf16"),
]


@pytest.mark.parametrize(
    "xshape,kernel,strides,padding,dilation,ceil_mode,etype",
    [c[1:] for c in MAXPOOL_CASES], ids=[c[0] for c in MAXPOOL_CASES])
def test_max_pool2d(dnn_run, tmp_path, xshape, kernel, strides, padding,
                    dilation, ceil_mode, etype):
    rng = rng_for("maxpool", xshape, kernel, strides, padding, dilation,
                  ceil_mode, etype)
    x = rand(rng, xshape, etype)
    expected = ref.max_pool2d(x, kernel, strides, padding, dilation, ceil_mode)
    attrs = pool_attrs(kernel, strides, padding, ceil_mode, dilation=dilation)
    line = (f"dnn.max_pool2d %a0 {attrs} : {tensor_type(xshape, etype)} -> "
            f"{tensor_type(expected.shape, etype)}")
    # A max is exact in every type.
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected, rtol=0,
                  atol=0)


def test_max_pool2d_pads_never_win(dnn_run, tmp_path):
    """All-negative input: a zero padding value would win every edge window."""
    rng = rng_for("maxpool-negative")
    x = rand(rng, (1, 2, 5, 6), "f32", -5.0, -1.0)
    expected = ref.max_pool2d(x, (3, 3), (2, 2), (1, 2, 2, 1), (1, 1), True)
    assert np.all(expected < 0)
    attrs = pool_attrs((3, 3), (2, 2), (1, 2, 2, 1), True)
    line = (f"dnn.max_pool2d %a0 {attrs} : tensor<1x2x5x6xf32> -> "
            f"{tensor_type(expected.shape, 'f32')}")
    run_single_op(dnn_run, tmp_path, [x], "f32", line, expected, rtol=0,
                  atol=0)


def test_max_pool2d_window_of_padding_only(dnn_run, tmp_path):
    """With dilation a window can hold padding only; padding acts as minus
    infinity, so such a window yields minus infinity."""
    x = np.array([[[[1.0, -2.0, 3.0]]]], np.float32)
    # Rows: extent 4, padded height 5; window 0 reads padded rows 0 and 3
    # (top and bottom padding), window 1 rows 1 and 4 (likewise).
    kernel, strides, padding, dilation = (2, 3), (1, 1), (2, 0, 2, 0), (3, 1)
    expected = ref.max_pool2d(x, kernel, strides, padding, dilation)
    assert expected.shape == (1, 1, 2, 1) and np.all(expected == -np.inf)
    attrs = pool_attrs(kernel, strides, padding, False, dilation=dilation)
    line = (f"dnn.max_pool2d %a0 {attrs} : tensor<1x1x1x3xf32> -> "
            "tensor<1x1x2x1xf32>")
    run_single_op(dnn_run, tmp_path, [x], "f32", line, expected, rtol=0,
                  atol=0)


AVGPOOL_CASES = [
    # id, input, kernel, strides, padding, ceil_mode, count_include_pad, etype
    ("2x2_s2", (1, 3, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0), False, False, "f32"),
    ("3x3_s1_p1_excl", (2, 2, 7, 6), (3, 3), (1, 1), (1, 1, 1, 1), False, False, "f32"),
    ("3x3_s1_p1_incl", (2, 2, 7, 6), (3, 3), (1, 1), (1, 1, 1, 1), False, True, "f32"),
    ("asym_pad_excl", (1, 2, 9, 7), (3, 2), (2, 1), (2, 0, 1, 1), False, False, "f32"),
    ("asym_pad_incl", (1, 2, 9, 7), (3, 2), (2, 1), (2, 0, 1, 1), False, True, "f32"),
    ("stride_gt_kernel", (1, 2, 11, 10), (2, 2), (3, 4), (1, 1, 1, 0), False, False, "f32"),
    ("ceil_excl", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1, 1, 1), True, False, "f32"),
    # The last window overhangs the bottom/right padding: divisor 2, not 3.
    ("ceil_incl", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1, 1, 1), True, True, "f32"),
    ("ceil_nopad_incl", (2, 3, 7, 5), (2, 2), (2, 2), (0, 0, 0, 0), True, True, "f32"),
    ("ceil_drop_incl", (1, 2, 5, 5), (2, 2), (2, 2), (1, 1, 1, 1), True, True, "f32"),
    ("ceil_asym_incl", (1, 2, 8, 9), (3, 4), (3, 2), (0, 2, 2, 1), True, True, "f32"),
    ("ceil_big_overhang_incl", (1, 2, 5, 5), (4, 4), (3, 3), (0, 0, 0, 0), True, True, "f32"),
    ("ceil_big_overhang_excl", (1, 2, 5, 7), (4, 4), (3, 3), (1, 0, 1, 2), True, False, "f32"),
    ("kernel_gt_input", (1, 2, 2, 3), (3, 3), (1, 1), (1, 1, 1, 1), False, True, "f32"),
    ("f64_incl", (1, 3, 7, 7), (3, 3), (2, 2), (1, 1, 1, 1), True, True, "f64"),
    ("f16_excl", (2, 4, 9, 9), (3, 3), (2, 2), (1, 1, 1, 1), False, False, "f16"),
    ("bf16_incl", (1, 4, 7, 8), (2, 3), (2, 2), (1, 1, 1, 0), True, True, "bf16"),
]


@pytest.mark.parametrize(
    "xshape,kernel,strides,padding,ceil_mode,include_pad,etype",
    [c[1:] for c in AVGPOOL_CASES], ids=[c[0] for c in AVGPOOL_CASES])
def test_avg_pool2d(dnn_run, tmp_path, xshape, kernel, strides, padding,
                    ceil_mode, include_pad, etype):
    rng = rng_for("avgpool", xshape, kernel, strides, padding, ceil_mode,
                  include_pad, etype)
    x = rand(rng, xshape, etype)
    expected = ref.avg_pool2d(x, kernel, strides, padding, ceil_mode,
                              include_pad)
    attrs = pool_attrs(kernel, strides, padding, ceil_mode,
                       count_include_pad=include_pad)
    line = (f"dnn.avg_pool2d %a0 {attrs} : {tensor_type(xshape, etype)} -> "
            f"{tensor_type(expected.shape, etype)}")
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected)


def test_avg_pool2d_divisors(dnn_run, tmp_path):
    """On an all-ones input the output is (positions summed) / divisor, so it
    exposes each window's divisor directly."""
    x = np.ones((1, 1, 6, 6), np.float32)
    attrs = pool_attrs((3, 3), (2, 2), (1, 1, 1, 1), True,
                       count_include_pad=True)
    line = (f"dnn.avg_pool2d %a0 {attrs} : tensor<1x1x6x6xf32> -> "
            "tensor<1x1x4x4xf32>")
    expected = ref.avg_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), True, True)
    # Rows: first window 2 real of 3, middle 3 of 3, last 1 real of 2.
    per_dim = np.array([2 / 3, 1.0, 1.0, 1 / 2])
    np.testing.assert_allclose(expected[0, 0], np.outer(per_dim, per_dim))
    run_single_op(dnn_run, tmp_path, [x], "f32", line, expected)


GAP_CASES = [
    ("rank3", (2, 3, 7), "f32"),
    ("rank4", (2, 5, 6, 7), "f32"),
    ("rank5", (1, 3, 2, 4, 5), "f32"),
    ("rank4_1x1", (3, 4, 1, 1), "f32"),
    ("f64", (2, 3, 5, 5), "f64"),
    ("f16", (2, 4, 9, 11), "f16"),
    ("f16_64x64", (1, 3, 64, 64), "f16"),  # 4096 terms: f32 accumulation
    ("bf16_rank5", (1, 2, 3, 4, 6), "bf16"),
]


@pytest.mark.parametrize("xshape,etype", [c[1:] for c in GAP_CASES],
                         ids=[c[0] for c in GAP_CASES])
def test_global_avg_pool(dnn_run, tmp_path, xshape, etype):
    rng = rng_for("gap", xshape, etype)
    x = rand(rng, xshape, etype)
    expected = ref.global_avg_pool(x)
    line = (f"dnn.global_avg_pool %a0 : {tensor_type(xshape, etype)} -> "
            f"{tensor_type(expected.shape, etype)}")
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected)


# ---------------------------------------------------------------------------
# Shape manipulation
# ---------------------------------------------------------------------------

FLATTEN_CASES = [((2, 3, 4, 5), axis, "f32") for axis in range(5)] + [
    ((7,), 0, "f32"), ((7,), 1, "f32"), ((3, 1, 4), 2, "f16"),
]


@pytest.mark.parametrize("shape,axis,etype", FLATTEN_CASES,
                         ids=[f"{'x'.join(map(str, s))}-axis{a}-{e}"
                              for s, a, e in FLATTEN_CASES])
def test_flatten(dnn_run, tmp_path, shape, axis, etype):
    x = rand(rng_for("flatten", shape, axis), shape, etype)
    expected = ref.flatten(x, axis).astype(np.float64)
    line = (f"dnn.flatten %a0 {{axis = {axis} : i64}} : "
            f"{tensor_type(shape, etype)} -> "
            f"{tensor_type(expected.shape, etype)}")
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected, rtol=0,
                  atol=0)


def test_flatten_default_axis(dnn_run, tmp_path):
    x = rand(rng_for("flatten-default"), (2, 3, 2), "f32")
    expected = ref.flatten(x).astype(np.float64)
    line = "dnn.flatten %a0 : tensor<2x3x2xf32> -> tensor<2x6xf32>"
    run_single_op(dnn_run, tmp_path, [x], "f32", line, expected, rtol=0,
                  atol=0)


RESHAPE_CASES = [
    ((2, 3, 4), (4, 6), "f32"),
    ((24,), (2, 3, 2, 2), "f32"),
    ((2, 3, 4), (3, 2, 4), "f32"),   # not a pure collapse/expand
    ((1, 6, 1, 1), (6,), "f64"),
    ((4, 5), (5, 1, 4), "bf16"),
]


@pytest.mark.parametrize("shape,new_shape,etype", RESHAPE_CASES,
                         ids=[f"{'x'.join(map(str, s))}-to-"
                              f"{'x'.join(map(str, t))}-{e}"
                              for s, t, e in RESHAPE_CASES])
def test_reshape(dnn_run, tmp_path, shape, new_shape, etype):
    x = rand(rng_for("reshape", shape, new_shape), shape, etype)
    expected = ref.reshape(x, new_shape).astype(np.float64)
    line = (f"dnn.reshape %a0 : {tensor_type(shape, etype)} -> "
            f"{tensor_type(new_shape, etype)}")
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected, rtol=0,
                  atol=0)


CONCAT_CASES = [
    ("axis0", [(1, 2, 3, 4), (2, 2, 3, 4)], 0, "f32"),
    ("axis1_three", [(2, 3, 4, 4), (2, 1, 4, 4), (2, 5, 4, 4)], 1, "f32"),
    ("axis2", [(1, 2, 3, 5), (1, 2, 4, 5)], 2, "f32"),
    ("axis3", [(2, 2, 3, 1), (2, 2, 3, 6), (2, 2, 3, 2)], 3, "f32"),
    ("single", [(3, 4)], 1, "f32"),
    ("rank1", [(3,), (5,), (1,)], 0, "f64"),
    ("f16_axis1", [(1, 4, 2), (1, 3, 2)], 1, "f16"),
    ("bf16_axis0", [(2, 5), (1, 5)], 0, "bf16"),
]


@pytest.mark.parametrize("shapes,axis,etype", [c[1:] for c in CONCAT_CASES],
                         ids=[c[0] for c in CONCAT_CASES])
def test_concat(dnn_run, tmp_path, shapes, axis, etype):
    rng = rng_for("concat", shapes, axis, etype)
    inputs = [rand(rng, s, etype) for s in shapes]
    expected = ref.concat(inputs, axis).astype(np.float64)
    names = ", ".join(f"%a{i}" for i in range(len(inputs)))
    line = (f"dnn.concat {names} {{axis = {axis} : i64}} : "
            f"{signature(inputs, etype, expected.shape)}")
    run_single_op(dnn_run, tmp_path, inputs, etype, line, expected, rtol=0,
                  atol=0)


# ---------------------------------------------------------------------------
# constant
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("etype", ["f32", "f64", "f16", "bf16"])
def test_constant_dense_literal(dnn_run, tmp_path, etype):
    """A dense literal weight feeding a linear layer."""
    rng = rng_for("const-dense", etype)
    x = rand(rng, (3, 4), etype)
    w = rand(rng, (5, 4), etype)
    b = rand(rng, (5,), etype)
    body = [
        f"%w = dnn.constant {ref.dense_literal(w, etype)} : "
        f"{tensor_type(w.shape, etype)}",
        f"%b = dnn.constant {ref.dense_literal(b, etype)} : "
        f"{tensor_type(b.shape, etype)}",
        f"%r = dnn.linear %a0, %w, %b : "
        f"{signature([x, w, b], etype, (3, 5))}",
    ]
    text = func_module([tensor_type(x.shape, etype)], body,
                       [("%r", tensor_type((3, 5), etype))])
    (out,) = run_model(dnn_run, tmp_path, text, [x])
    check(out, ref.linear(x, w, b), etype)


def test_constant_splat(dnn_run, tmp_path):
    x = rand(rng_for("const-splat"), (2, 3, 4), "f32")
    body = ["%c = dnn.constant dense<0.375> : tensor<3x1xf32>",
            "%r = dnn.add %a0, %c : tensor<2x3x4xf32>, tensor<3x1xf32>"]
    text = func_module(["tensor<2x3x4xf32>"], body,
                       [("%r", "tensor<2x3x4xf32>")])
    (out,) = run_model(dnn_run, tmp_path, text, [x])
    check(out, ref.add(x, np.full((3, 1), 0.375)), "f32")


@pytest.mark.parametrize("etype", ["f32", "f64", "f16", "bf16"])
def test_constant_dense_resource(dnn_run, tmp_path, etype):
    """dense_resource conv weights and bias (the ONNX importer's form)."""
    rng = rng_for("const-resource", etype)
    x = rand(rng, (1, 3, 6, 6), etype)
    w = rand(rng, (4, 3, 3, 3), etype)
    b = rand(rng, (4,), etype)

    def blob(a):
        if etype == "bf16":  # the upper halves of the float32 bit patterns
            return ref.resource_blob(
                (np.asarray(a, np.float32).view(np.uint32) >> 16)
                .astype(np.uint16))
        return ref.resource_blob(a)

    out_shape = (1, 4, 3, 3)
    body = [
        f"%w = dnn.constant dense_resource<conv_w> : "
        f"{tensor_type(w.shape, etype)}",
        f"%b = dnn.constant dense_resource<conv_b> : "
        f"{tensor_type(b.shape, etype)}",
        f"%r = dnn.conv2d %a0, %w, %b {{{arr('strides', (2, 2))}, "
        f"{arr('padding', (1, 1, 0, 0))}}} : "
        f"{signature([x, w, b], etype, out_shape)}",
    ]
    text = func_module([tensor_type(x.shape, etype)], body,
                       [("%r", tensor_type(out_shape, etype))],
                       resources={"conv_w": blob(w), "conv_b": blob(b)})
    (out,) = run_model(dnn_run, tmp_path, text, [x])
    check(out, ref.conv2d(x, w, b, (2, 2), (1, 1, 0, 0)), etype)


def test_constant_only_result(dnn_run, tmp_path):
    """A function without arguments that returns a dense_resource constant."""
    c = rand(rng_for("const-only"), (2, 3), "f32")
    text = func_module(
        [], ["%c = dnn.constant dense_resource<blob> : tensor<2x3xf32>"],
        [("%c", "tensor<2x3xf32>")], resources={"blob": ref.resource_blob(c)})
    (out,) = run_model(dnn_run, tmp_path, text, [])
    check(out, c.astype(np.float64), "f32", rtol=0, atol=0)


def test_constant_folding_and_aliasing(dnn_run, tmp_path):
    """Constants folded through reshape/flatten, an input concatenated with
    itself, an argument returned as is."""
    x = rand(rng_for("aliasing"), (2, 3), "f32")
    c = np.arange(1.0, 7.0).reshape(2, 3)
    body = [
        f"%c = dnn.constant {ref.dense_literal(c, 'f32')} : tensor<2x3xf32>",
        "%r = dnn.reshape %c : tensor<2x3xf32> -> tensor<3x2xf32>",
        "%s = dnn.constant dense<2.5> : tensor<2x3xf32>",
        "%f = dnn.flatten %s {axis = 2 : i64} : tensor<2x3xf32> -> "
        "tensor<6x1xf32>",
        "%cc = dnn.concat %a0, %a0 {axis = 0 : i64} : (tensor<2x3xf32>, "
        "tensor<2x3xf32>) -> tensor<4x3xf32>",
        "%g = dnn.activation relu6 %c : tensor<2x3xf32>",
    ]
    text = func_module(["tensor<2x3xf32>"], body, [
        ("%r", "tensor<3x2xf32>"), ("%f", "tensor<6x1xf32>"),
        ("%cc", "tensor<4x3xf32>"), ("%a0", "tensor<2x3xf32>"),
        ("%g", "tensor<2x3xf32>")])
    outs = run_model(dnn_run, tmp_path, text, [x])
    exact = dict(rtol=0, atol=0)
    check(outs[0], ref.reshape(c, (3, 2)), "f32", **exact)
    check(outs[1], ref.flatten(np.full((2, 3), 2.5), 2), "f32", **exact)
    check(outs[2], ref.concat([x, x], 0).astype(np.float64), "f32", **exact)
    check(outs[3], x.astype(np.float64), "f32", **exact)
    check(outs[4], ref.activation("relu6", c), "f32", **exact)


# ---------------------------------------------------------------------------
# Multi-op networks
# ---------------------------------------------------------------------------


# Per element type: (rtol, atol) of the logits and of the probabilities.
# The reference rounds after every op as the compiled network does; the
# f16/bf16 results may still differ by an ulp here and there (the lowering
# rounds f32 results, the reference f64 ones), which later ops propagate,
# hence about two ulps.
NETWORK_TOLERANCE = {
    "f64": ((1e-12, 1e-12), (1e-12, 1e-12)),
    "f32": ((1e-4, 1e-5), (1e-4, 1e-6)),
    "f16": ((2e-3, 1e-3), (2e-3, 1e-4)),
    "bf16": ((1.6e-2, 1e-2), (1.6e-2, 1e-3)),
}


@pytest.mark.parametrize("etype", ["f32", "f64", "f16", "bf16"])
def test_network_cnn_classifier(dnn_run, tmp_path, etype):
    """conv+bias -> bn -> relu -> maxpool -> depthwise conv -> relu6 ->
    avgpool -> flatten -> linear -> softmax, weights as arguments."""
    rng = rng_for("net-cnn", etype)
    t = lambda s: tensor_type(s, etype)  # noqa: E731
    # Each op's result is rounded to the element type, as in the model.
    rnd = lambda a: ref.to_dtype(a, etype).astype(np.float64)  # noqa: E731
    x = rand(rng, (2, 3, 14, 13), etype)
    w1, b1 = rand(rng, (8, 3, 3, 3), etype), rand(rng, (8,), etype)
    scale, offset = rand(rng, (8,), etype, 0.5, 1.5), rand(rng, (8,), etype)
    mean, var = rand(rng, (8,), etype), rand(rng, (8,), etype, 0.2, 1.0)
    w2 = rand(rng, (8, 1, 3, 3), etype)
    fc_w, fc_b = rand(rng, (10, 8 * 3 * 3), etype), rand(rng, (10,), etype)
    inputs = [x, w1, b1, scale, offset, mean, var, w2, fc_w, fc_b]

    c1 = rnd(ref.conv2d(x, w1, b1, (1, 1), (1, 1, 1, 1)))          # 2x8x14x13
    bn = rnd(ref.batch_norm(c1, scale, offset, mean, var))
    r1 = ref.activation("relu", bn)
    p1 = ref.max_pool2d(r1, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True)
    c2 = rnd(ref.conv2d(p1, w2, None, (1, 1), (1, 1, 1, 1), groups=8))
    r2 = ref.activation("relu6", c2 * 4)  # (x4 via add of itself, twice)
    p2 = rnd(ref.avg_pool2d(r2, (3, 3), (3, 3), (0, 0, 1, 1), True, False))
    f = ref.flatten(p2)
    logits = rnd(ref.linear(f, fc_w, fc_b))
    expected = ref.softmax(logits, 1)
    # ceil_mode rounds 14 rows up to 8 windows (13 columns: 7 exactly).
    assert p1.shape == (2, 8, 8, 7) and p2.shape == (2, 8, 3, 3)

    body = [
        f"%c1 = dnn.conv2d %a0, %a1, %a2 {{{arr('padding', (1, 1, 1, 1))}}} : "
        f"({t(x.shape)}, {t(w1.shape)}, {t((8,))}) -> {t(c1.shape)}",
        f"%bn = dnn.batch_norm %c1, %a3, %a4, %a5, %a6 : {t(c1.shape)}, "
        f"{t((8,))}",
        f"%r1 = dnn.activation relu %bn : {t(c1.shape)}",
        f"%p1 = dnn.max_pool2d %r1 "
        f"{pool_attrs((3, 3), (2, 2), (1, 1, 1, 1), True)} : "
        f"{t(c1.shape)} -> {t(p1.shape)}",
        f"%c2 = dnn.conv2d %p1, %a7 {{{arr('padding', (1, 1, 1, 1))}, "
        f"groups = 8 : i64}} : ({t(p1.shape)}, {t(w2.shape)}) -> "
        f"{t(c2.shape)}",
        f"%d2 = dnn.add %c2, %c2 : {t(c2.shape)}, {t(c2.shape)}",
        f"%d4 = dnn.add %d2, %d2 : {t(c2.shape)}, {t(c2.shape)}",
        f"%r2 = dnn.activation relu6 %d4 : {t(c2.shape)}",
        f"%p2 = dnn.avg_pool2d %r2 "
        f"{pool_attrs((3, 3), (3, 3), (0, 0, 1, 1), True)} : "
        f"{t(c2.shape)} -> {t(p2.shape)}",
        f"%f = dnn.flatten %p2 : {t(p2.shape)} -> {t(f.shape)}",
        f"%l = dnn.linear %f, %a8, %a9 : ({t(f.shape)}, {t(fc_w.shape)}, "
        f"{t((10,))}) -> {t(logits.shape)}",
        f"%p = dnn.softmax %l {{axis = 1 : i64}} : {t(logits.shape)}",
    ]
    text = func_module([t(a.shape) for a in inputs], body,
                       [("%p", t(expected.shape)), ("%l", t(logits.shape))])
    out, out_logits = run_model(dnn_run, tmp_path, text, inputs)
    (lr, la), (pr, pa) = NETWORK_TOLERANCE[etype]
    check(out_logits, logits, etype, rtol=lr, atol=la)
    check(out, expected, etype, rtol=pr, atol=pa)


def test_network_residual_block_with_resources(dnn_run, tmp_path):
    """conv-bn-relu-conv-bn + residual add, relu, global pool, classifier;
    weights in dense_resource blobs."""
    rng = rng_for("net-residual")
    t = lambda s: tensor_type(s, "f32")  # noqa: E731
    c, hw = 6, 9
    x = rand(rng, (2, c, hw, hw), "f32")
    params = {
        "w1": rand(rng, (c, c, 3, 3), "f32", -0.4, 0.4),
        "w2": rand(rng, (c, c, 3, 3), "f32", -0.4, 0.4),
        "fc_w": rand(rng, (5, c), "f32"),
        "fc_b": rand(rng, (5,), "f32"),
    }
    for i in (1, 2):
        params[f"bn{i}_s"] = rand(rng, (c,), "f32", 0.5, 1.5)
        params[f"bn{i}_o"] = rand(rng, (c,), "f32")
        params[f"bn{i}_m"] = rand(rng, (c,), "f32")
        params[f"bn{i}_v"] = rand(rng, (c,), "f32", 0.5, 1.5)
    p = params
    c1 = ref.conv2d(x, p["w1"], None, padding=(1, 1, 1, 1))
    r1 = ref.activation("relu", ref.batch_norm(
        c1, p["bn1_s"], p["bn1_o"], p["bn1_m"], p["bn1_v"]))
    c2 = ref.conv2d(r1, p["w2"], None, padding=(1, 1, 1, 1))
    b2 = ref.batch_norm(c2, p["bn2_s"], p["bn2_o"], p["bn2_m"], p["bn2_v"])
    r2 = ref.activation("relu", ref.add(b2, x))
    g = ref.global_avg_pool(r2)
    expected = ref.softmax(ref.linear(ref.flatten(g), p["fc_w"], p["fc_b"]), 1)

    xs, vs = t(x.shape), t((c,))
    body = [f"%{k} = dnn.constant dense_resource<{k}> : {t(v.shape)}"
            for k, v in params.items()]
    conv_sig = f"({xs}, {t((c, c, 3, 3))}) -> {xs}"
    pad = arr("padding", (1, 1, 1, 1))
    body += [
        f"%c1 = dnn.conv2d %a0, %w1 {{{pad}}} : {conv_sig}",
        f"%b1 = dnn.batch_norm %c1, %bn1_s, %bn1_o, %bn1_m, %bn1_v : {xs}, {vs}",
        f"%r1 = dnn.activation relu %b1 : {xs}",
        f"%c2 = dnn.conv2d %r1, %w2 {{{pad}}} : {conv_sig}",
        f"%b2 = dnn.batch_norm %c2, %bn2_s, %bn2_o, %bn2_m, %bn2_v : {xs}, {vs}",
        f"%s = dnn.add %b2, %a0 : {xs}, {xs}",
        f"%r2 = dnn.activation relu %s : {xs}",
        f"%g = dnn.global_avg_pool %r2 : {xs} -> {t((2, c, 1, 1))}",
        f"%f = dnn.flatten %g : {t((2, c, 1, 1))} -> {t((2, c))}",
        f"%l = dnn.linear %f, %fc_w, %fc_b : ({t((2, c))}, {t((5, c))}, "
        f"{t((5,))}) -> {t((2, 5))}",
        f"%p = dnn.softmax %l {{axis = 1 : i64}} : {t((2, 5))}",
    ]
    text = func_module([xs], body, [("%p", t((2, 5)))],
                       resources={k: ref.resource_blob(v)
                                  for k, v in params.items()})
    (out,) = run_model(dnn_run, tmp_path, text, [x])
    check(out, expected, "f32", rtol=1e-4, atol=1e-6)


def test_network_attention_like(dnn_run, tmp_path):
    """linear -> gelu_tanh, matmul with a transposed reshape, softmax,
    batched matmul, concat with the input, reshape back."""
    rng = rng_for("net-attn")
    t = lambda s: tensor_type(s, "f32")  # noqa: E731
    x = rand(rng, (2, 5, 8), "f32")
    wq = rand(rng, (8, 8), "f32", -0.5, 0.5)
    wk = rand(rng, (8, 8), "f32", -0.5, 0.5)
    q = ref.activation("gelu_tanh", ref.linear(x, wq))          # 2x5x8
    k = ref.activation("gelu", ref.linear(x, wk))               # 2x5x8
    # "Transpose" k via a reshape (a different layout, same elements).
    kt = ref.reshape(k, (2, 8, 5))
    s = ref.softmax(ref.matmul(q, kt), 2)                       # 2x5x5
    v = ref.matmul(s, x)                                        # 2x5x8
    cat = ref.concat([v, x], 2)                                 # 2x5x16
    expected = ref.reshape(cat, (10, 16))
    body = [
        f"%q0 = dnn.linear %a0, %a1 : ({t(x.shape)}, {t((8, 8))}) -> {t(x.shape)}",
        f"%q = dnn.activation gelu_tanh %q0 : {t(x.shape)}",
        f"%k0 = dnn.linear %a0, %a2 : ({t(x.shape)}, {t((8, 8))}) -> {t(x.shape)}",
        f"%k = dnn.activation gelu %k0 : {t(x.shape)}",
        f"%kt = dnn.reshape %k : {t(x.shape)} -> {t((2, 8, 5))}",
        f"%s0 = dnn.matmul %q, %kt : ({t(x.shape)}, {t((2, 8, 5))}) -> "
        f"{t((2, 5, 5))}",
        f"%s = dnn.softmax %s0 {{axis = 2 : i64}} : {t((2, 5, 5))}",
        f"%v = dnn.matmul %s, %a0 : ({t((2, 5, 5))}, {t(x.shape)}) -> "
        f"{t(x.shape)}",
        f"%c = dnn.concat %v, %a0 {{axis = 2 : i64}} : ({t(x.shape)}, "
        f"{t(x.shape)}) -> {t((2, 5, 16))}",
        f"%r = dnn.reshape %c : {t((2, 5, 16))} -> {t((10, 16))}",
    ]
    text = func_module([t(x.shape), t((8, 8)), t((8, 8))], body,
                       [("%r", t((10, 16)))])
    (out,) = run_model(dnn_run, tmp_path, text, [x, wq, wk])
    check(out, expected, "f32", rtol=1e-4, atol=1e-5)


def parse_resources(text):
    """The dense_resource blobs of a module as {name: little-endian bytes}."""
    section = text[text.index("dialect_resources"):]
    blobs = {}
    for name, hexdata in re.findall(r'(\w+):\s*"0x([0-9A-Fa-f]+)"', section):
        raw = bytes.fromhex(hexdata)
        blobs[name] = raw[4:]  # drop the alignment word
    return blobs


def test_network_resnet_block_example(dnn_run, tmp_path):
    """examples/resnet_block.mlir against a reference built from its own
    dense_resource blobs."""
    text = (ROOT / "examples" / "resnet_block.mlir").read_text()
    blobs = parse_resources(text)
    shapes = dict(re.findall(
        r"dense_resource<(\w+)> : tensor<([0-9x]+)xf32>", text))
    p = {k: np.frombuffer(blobs[k], dtype="<f4").reshape(
        [int(d) for d in s.split("x")]) for k, s in shapes.items()}
    x = rand(rng_for("resnet-example"), (1, 32, 28, 28), "f32")
    pad = (1, 1, 1, 1)
    r1 = ref.activation("relu", ref.batch_norm(
        ref.conv2d(x, p["conv1_w"], padding=pad),
        p["bn1_scale"], p["bn1_offset"], p["bn1_mean"], p["bn1_var"]))
    b2 = ref.batch_norm(ref.conv2d(r1, p["conv2_w"], padding=pad),
                        p["bn2_scale"], p["bn2_offset"], p["bn2_mean"],
                        p["bn2_var"])
    g = ref.global_avg_pool(ref.activation("relu", ref.add(b2, x)))
    logits = ref.linear(ref.flatten(g), p["fc_w"], p["fc_b"])
    expected = ref.softmax(logits, 1)
    (out,) = run_model(dnn_run, tmp_path, text, [x])
    check(out, expected, "f32", rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------
# The comparisons have teeth
# ---------------------------------------------------------------------------


def test_wrong_reference_is_detected(dnn_run, tmp_path):
    """A reference with the padding flipped (top<->bottom, left<->right; the
    same output shape) must not match, nor one with the other avg-pool
    divisor rule, nor one off by a single f32 rounding step."""
    rng = rng_for("teeth")
    x = rand(rng, (1, 3, 7, 8), "f32")
    w = rand(rng, (4, 3, 3, 3), "f32")
    padding, flipped = (0, 1, 2, 0), (2, 0, 0, 1)
    expected = ref.conv2d(x, w, None, (2, 2), padding)
    wrong = ref.conv2d(x, w, None, (2, 2), flipped)
    assert wrong.shape == expected.shape
    line = conv_op_line([x, w], "f32", expected.shape, (2, 2), padding,
                        (1, 1), 1)
    out = run_single_op(dnn_run, tmp_path / "conv", [x, w], "f32", line,
                        expected)
    with pytest.raises(AssertionError):
        check(out, wrong, "f32")

    # avg_pool2d: count_include_pad true vs false.
    y = rand(rng, (1, 2, 6, 6), "f32")
    exp_pool = ref.avg_pool2d(y, (3, 3), (2, 2), (1, 1, 1, 1), True, True)
    wrong_pool = ref.avg_pool2d(y, (3, 3), (2, 2), (1, 1, 1, 1), True, False)
    attrs = pool_attrs((3, 3), (2, 2), (1, 1, 1, 1), True,
                       count_include_pad=True)
    line = (f"dnn.avg_pool2d %a0 {attrs} : tensor<1x2x6x6xf32> -> "
            f"{tensor_type(exp_pool.shape, 'f32')}")
    out = run_single_op(dnn_run, tmp_path / "pool", [y], "f32", line,
                        exp_pool)
    with pytest.raises(AssertionError):
        check(out, wrong_pool, "f32")
    # The tolerance is tight enough to see a 1e-4 relative error.
    with pytest.raises(AssertionError):
        check(out, exp_pool * (1 + 1e-4), "f32")


def test_f16_tolerance_sees_f16_accumulation(dnn_run, tmp_path):
    """The f16 tolerance accepts the result of f32 accumulation rounded once
    and rejects what an f16 accumulator (rounding after every add) gives."""
    rng = rng_for("teeth-f16")
    x = rand(rng, (4, 1024), "f16")
    w = rand(rng, (3, 1024), "f16")
    expected = ref.linear(x, w)
    line = ("dnn.linear %a0, %a1 : (tensor<4x1024xf16>, tensor<3x1024xf16>) "
            "-> tensor<4x3xf16>")
    out = run_single_op(dnn_run, tmp_path, [x, w], "f16", line, expected)
    acc = np.zeros((4, 3), np.float16)
    for k in range(1024):
        acc = (acc + np.outer(x[:, k], w[:, k]).astype(np.float16)).astype(
            np.float16)
    with pytest.raises(AssertionError):
        check(acc, expected, "f16")
    # Rounding the exact result once is within tolerance, of course.
    check(expected.astype(np.float16), expected, "f16")
    assert out.dtype == np.float16


def test_dnn_run_compare_detects_mismatch(dnn_run, tmp_path):
    """dnn-run --compare exits 0 against the NumPy reference and 1 against a
    perturbed one."""
    rng = rng_for("compare")
    a, b = rand(rng, (3, 4), "f32"), rand(rng, (4, 2), "f32")
    text = func_module(["tensor<3x4xf32>", "tensor<4x2xf32>"],
                       ["%r = dnn.matmul %a0, %a1 : (tensor<3x4xf32>, "
                        "tensor<4x2xf32>) -> tensor<3x2xf32>"],
                       [("%r", "tensor<3x2xf32>")])
    good = tmp_path / "good.npy"
    bad = tmp_path / "bad.npy"
    expected = ref.matmul(a, b).astype(np.float32)
    np.save(good, expected)
    wrong = expected.copy()
    wrong[1, 1] += 0.01
    np.save(bad, wrong)
    run_model(dnn_run, tmp_path / "ok", text, [a, b],
              extra=[f"--compare={good}", "--rtol=1e-5", "--atol=1e-5"])
    model = tmp_path / "model.mlir"
    model.write_text(text)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    proc = subprocess.run(
        [dnn_run, str(model), f"--input={tmp_path / 'a.npy'}",
         f"--input={tmp_path / 'b.npy'}", f"--compare={bad}",
         "--rtol=1e-5", "--atol=1e-5"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_reference_self_checks():
    """Spot checks of the reference itself against hand-computed values."""
    # conv2d: a 1x1 identity kernel with padding reproduces the zero-padded
    # input; stride 2 picks every other row.
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    y = ref.conv2d(x, np.ones((1, 1, 1, 1)), None, (2, 1), (1, 0, 0, 1))
    np.testing.assert_array_equal(
        y[0, 0], [[0, 0, 0, 0, 0], [4, 5, 6, 7, 0]])
    # Output sizes of the op documentation's examples.
    assert ref.window_output_size(224, 7, 2, 3, 3) == 112
    assert ref.window_output_size(112, 3, 2, 1, 1) == 56
    assert ref.window_output_size(5, 2, 2, 1, 1, ceil_mode=True) == 3
    assert ref.window_output_size(6, 3, 2, 1, 1, ceil_mode=True) == 4
    # avg pool without padding: plain means.
    z = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(
        ref.avg_pool2d(z, (2, 2), (2, 2))[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # bf16 rounding is to nearest even.
    assert ref.round_bf16(np.float32(1 + 2 ** -8)) == 1.0
    assert ref.round_bf16(np.float32(1 + 3 * 2 ** -8)) == 1 + 2 ** -6
    assert ref.round_bf16(np.float32(1 + 2 ** -8 + 2 ** -20)) == 1 + 2 ** -7
    # Blob layout: alignment word, then little-endian elements.
    assert ref.resource_blob(np.array([1.0], np.float32)) == "0x040000000000803F"


# ---------------------------------------------------------------------------
# dnn.mul, dnn.transpose, dilated dnn.avg_pool2d
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("ashape,bshape,etype", [
    ((2, 3), (2, 3), "f32"),
    ((1, 8, 5, 5), (1, 8, 1, 1), "f32"),
    ((4, 1, 3), (5, 1), "f64"),
    ((3,), (2, 4, 3), "f16"),
    ((2, 6), (1,), "bf16"),
], ids=["same", "gate", "both_broadcast", "rank_ext_f16", "scalar_bf16"])
def test_mul(dnn_run, tmp_path, ashape, bshape, etype):
    rng = rng_for("mul", ashape, bshape, etype)
    a, b = rand(rng, ashape, etype), rand(rng, bshape, etype)
    expected = ref.mul(a, b)
    line = (f"dnn.mul %a0, %a1 : {tensor_type(ashape, etype)}, "
            f"{tensor_type(bshape, etype)}")
    run_single_op(dnn_run, tmp_path, [a, b], etype, line, expected)


@pytest.mark.parametrize("shape,perm,etype", [
    ((3, 5), (1, 0), "f32"),
    ((2, 3, 4, 5), (0, 2, 3, 1), "f32"),
    ((2, 3, 4), (2, 0, 1), "f64"),
    ((4, 1, 6), (1, 2, 0), "f16"),
    ((2, 3, 4), (0, 1, 2), "bf16"),
], ids=["2d", "nchw_to_nhwc", "rotate_f64", "unit_f16", "identity_bf16"])
def test_transpose(dnn_run, tmp_path, shape, perm, etype):
    rng = rng_for("transpose", shape, perm, etype)
    x = rand(rng, shape, etype)
    expected = ref.transpose(x, perm)
    line = (f"dnn.transpose %a0 {{{arr('permutation', perm)}}} : "
            f"{tensor_type(shape, etype)} -> {tensor_type(expected.shape, etype)}")
    run_single_op(dnn_run, tmp_path, [x], etype, line, expected)


AVGPOOL_DILATED_CASES = [
    # id, input, kernel, strides, padding, dilation, ceil_mode, include_pad
    ("d2", (1, 2, 9, 9), (3, 3), (1, 1), (0, 0, 0, 0), (2, 2), False, False),
    ("d23_pad_excl", (1, 1, 7, 7), (2, 2), (1, 1), (1, 1, 0, 0), (2, 3), False, False),
    ("d23_pad_incl", (1, 1, 7, 7), (2, 2), (1, 1), (1, 1, 0, 0), (2, 3), False, True),
    ("d2_s2_ceil_excl", (2, 3, 10, 9), (3, 2), (2, 2), (1, 1, 1, 1), (2, 2), True, False),
    ("d2_s2_ceil_incl", (2, 3, 10, 9), (3, 2), (2, 2), (1, 1, 1, 1), (2, 2), True, True),
]


@pytest.mark.parametrize(
    "xshape,kernel,strides,padding,dilation,ceil_mode,include_pad",
    [c[1:] for c in AVGPOOL_DILATED_CASES],
    ids=[c[0] for c in AVGPOOL_DILATED_CASES])
def test_avg_pool2d_dilated(dnn_run, tmp_path, xshape, kernel, strides,
                            padding, dilation, ceil_mode, include_pad):
    rng = rng_for("avgpool_dilated", xshape, kernel, strides, padding,
                  dilation, ceil_mode, include_pad)
    x = rand(rng, xshape, "f32")
    expected = ref.avg_pool2d(x, kernel, strides, padding, ceil_mode,
                              include_pad, dilation)
    assert np.isfinite(expected).all()
    attrs = pool_attrs(kernel, strides, padding, ceil_mode, dilation=dilation,
                       count_include_pad=include_pad)
    line = (f"dnn.avg_pool2d %a0 {attrs} : {tensor_type(xshape, 'f32')} -> "
            f"{tensor_type(expected.shape, 'f32')}")
    run_single_op(dnn_run, tmp_path, [x], "f32", line, expected)
