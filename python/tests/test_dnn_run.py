"""dnn-run end to end: models compiled for the host CPU and run on .npy
inputs, checked against NumPy (see docs/dnn-run.md)."""
import math
import re
import subprocess

import ml_dtypes
import numpy as np
import pytest


def run(dnn_run, tmp_path, model, *args, check=True):
    """Runs dnn-run on the module text `model`; returns the CompletedProcess."""
    path = tmp_path / "model.mlir"
    path.write_text(model)
    result = subprocess.run([dnn_run, str(path), *map(str, args)],
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def save(tmp_path, name, array):
    path = tmp_path / f"{name}.npy"
    np.save(path, array)
    return path


def run_on(dnn_run, tmp_path, model, inputs, *args, out="out"):
    """Saves `inputs`, runs the model on them, returns the output arrays."""
    paths = [save(tmp_path, f"in{i}", a) for i, a in enumerate(inputs)]
    out_dir = tmp_path / out
    args = [*args, f"--output-dir={out_dir}"]
    if paths:
        args.append("--input=" + ",".join(map(str, paths)))
    result = run(dnn_run, tmp_path, model, *args)
    count = len(re.findall(r"^out\d+: (?:tensor|memref)<", result.stdout, re.M))
    return [np.load(out_dir / f"out{i}.npy") for i in range(count)]


def checksum_line(stdout, index):
    m = re.search(rf"^out{index}: (\S+) sum=(\S+) abs_sum=(\S+)$", stdout, re.M)
    assert m, stdout
    return m.group(1), float(m.group(2)), float(m.group(3))


RNG = np.random.default_rng(2024)


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------
# Reference implementations
# ---------------------------------------------------------------------------

def ref_conv2d(x, w, b=None, strides=(1, 1), padding=(0, 0, 0, 0),
               dilation=(1, 1), groups=1):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    top, left, bottom, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    p = (h + top + bottom - dilation[0] * (kh - 1) - 1) // strides[0] + 1
    q = (wd + left + right - dilation[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, f, p, q))
    fg = f // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dilation[0]:i * dilation[0] + strides[0] * (p - 1) + 1:strides[0],
                           j * dilation[1]:j * dilation[1] + strides[1] * (q - 1) + 1:strides[1]]
                out[:, g * fg:(g + 1) * fg] += np.einsum(
                    "nchw,fc->nfhw", patch, w[g * fg:(g + 1) * fg, :, i, j])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def ref_pool2d(x, kernel, strides, padding, mode, count_include_pad=False):
    n, c, h, w = x.shape
    top, left, bottom, right = padding
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)),
                constant_values=fill)
    inside = np.pad(np.ones((h, w)), ((top, bottom), (left, right)))
    p = (h + top + bottom - kernel[0]) // strides[0] + 1
    q = (w + left + right - kernel[1]) // strides[1] + 1
    out = np.zeros((n, c, p, q))
    for i in range(p):
        for j in range(q):
            rows = slice(i * strides[0], i * strides[0] + kernel[0])
            cols = slice(j * strides[1], j * strides[1] + kernel[1])
            window = xp[:, :, rows, cols]
            if mode == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            else:
                count = kernel[0] * kernel[1] if count_include_pad else inside[rows, cols].sum()
                out[:, :, i, j] = window.sum(axis=(2, 3)) / count
    return out


ERF = np.vectorize(math.erf)

ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "gelu": lambda x: x * (1 + ERF(x / math.sqrt(2))) / 2,
    "gelu_tanh": lambda x: x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))) / 2,
}


# ---------------------------------------------------------------------------
# A dnn model from .npy inputs
# ---------------------------------------------------------------------------

ADD_RELU_LINEAR = """
func.func @main(%x: tensor<4x16xf32>, %r: tensor<4x16xf32>, %w: tensor<8x16xf32>,
                %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %s = dnn.add %x, %r : tensor<4x16xf32>, tensor<4x16xf32>
  %a = dnn.activation relu %s : tensor<4x16xf32>
  %y = dnn.linear %a, %w, %b : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
"""


def test_add_relu_linear_matches_numpy(dnn_run, tmp_path):
    x, r, w, b = randn(4, 16), randn(4, 16), randn(8, 16), randn(8)
    (out,) = run_on(dnn_run, tmp_path, ADD_RELU_LINEAR, [x, r, w, b])
    ref = np.maximum(x.astype(np.float64) + r, 0) @ w.T.astype(np.float64) + b
    assert out.dtype == np.float32 and out.shape == (4, 8)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_checksums_and_timing_lines(dnn_run, tmp_path):
    x, r, w, b = randn(4, 16), randn(4, 16), randn(8, 16), randn(8)
    paths = [save(tmp_path, n, a) for n, a in zip("xrwb", (x, r, w, b))]
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR,
                 "--input=" + ",".join(map(str, paths)), "--repeat=4",
                 f"--output-dir={tmp_path}/o")
    out = np.load(tmp_path / "o" / "out0.npy").astype(np.float64)
    type_, total, abs_total = checksum_line(result.stdout, 0)
    assert type_ == "tensor<4x8xf32>"
    assert total == pytest.approx(out.sum(), rel=1e-6, abs=1e-6)
    assert abs_total == pytest.approx(np.abs(out).sum(), rel=1e-6)
    assert re.search(r"^compile time: [0-9.]+ ms \(cpu\)$", result.stdout, re.M)
    m = re.search(r"^time: median (\S+) ms over 4 runs \(min (\S+) ms\)$",
                  result.stdout, re.M)
    assert m and 0 <= float(m.group(2)) <= float(m.group(1))


# ---------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------

IDENTITY = """
func.func @main(%a: tensor<64x32xf32>, %b: tensor<1000xf16>, %c: tensor<1000xbf16>,
                %d: tensor<3x3xf64>)
    -> (tensor<64x32xf32>, tensor<1000xf16>, tensor<1000xbf16>, tensor<3x3xf64>) {
  return %a, %b, %c, %d : tensor<64x32xf32>, tensor<1000xf16>, tensor<1000xbf16>, tensor<3x3xf64>
}
"""


def test_random_inputs_are_seeded(dnn_run, tmp_path):
    default = run_on(dnn_run, tmp_path, IDENTITY, [], out="default")
    seed0 = run_on(dnn_run, tmp_path, IDENTITY, [], "--seed=0", out="seed0")
    seed1 = run_on(dnn_run, tmp_path, IDENTITY, [], "--seed=1", out="seed1")
    assert [a.dtype for a in default] == [np.float32, np.float16, np.float32, np.float64]
    for a, b, c in zip(default, seed0, seed1):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    for arrays in (default, seed1):
        for a, bits in zip(arrays, (24, 11, 8, 53)):
            assert a.min() >= -1 and a.max() < 1
            # Uniform enough, and exact in the element type: multiples of
            # 2^(1 - significand bits).
            assert abs(a.mean()) < 0.15 and a.std() > 0.4
            scaled = a.astype(np.float64) * 2.0 ** (bits - 1)
            np.testing.assert_array_equal(scaled, np.round(scaled))
            assert len(np.unique(a)) > min(a.size, 2 ** bits) // 2


def test_random_inputs_feed_the_model(dnn_run, tmp_path):
    model = """
func.func @main(%a: tensor<16x16xf32>) -> (tensor<16x16xf32>, tensor<16x16xf32>) {
  %r = dnn.activation relu %a : tensor<16x16xf32>
  return %a, %r : tensor<16x16xf32>, tensor<16x16xf32>
}
"""
    a, r = run_on(dnn_run, tmp_path, model, [], "--seed=5")
    np.testing.assert_array_equal(r, np.maximum(a, 0))
    assert (a < 0).any() and (a > 0).any()


# ---------------------------------------------------------------------------
# --compare
# ---------------------------------------------------------------------------

def test_compare_pass_and_fail(dnn_run, tmp_path):
    x, r, w, b = randn(4, 16), randn(4, 16), randn(8, 16), randn(8)
    paths = [save(tmp_path, n, a) for n, a in zip("xrwb", (x, r, w, b))]
    inputs = "--input=" + ",".join(map(str, paths))
    ref = (np.maximum(x.astype(np.float64) + r, 0) @ w.T.astype(np.float64) + b)
    good = save(tmp_path, "good", ref)
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR, inputs, f"--compare={good}",
                 "--rtol=1e-5", "--atol=1e-5")
    m = re.search(r"^out0: match \(max abs err (\S+), max rel err (\S+)\)$",
                  result.stdout, re.M)
    assert m and float(m.group(1)) < 1e-5

    bad_ref = ref.astype(np.float32)
    bad_ref[2, 5] += 0.5
    bad_ref[3, 1] -= 0.25
    bad = save(tmp_path, "bad", bad_ref)
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR, inputs, f"--compare={bad}",
                 check=False)
    assert result.returncode == 1
    m = re.search(r"^out0: MISMATCH at index \[2, 5\]: got (\S+), expected (\S+) "
                  r"\(2 of 32 elements outside tolerance\)$", result.stdout, re.M)
    assert m, result.stdout
    assert float(m.group(2)) == pytest.approx(float(bad_ref[2, 5]))
    assert float(m.group(1)) == pytest.approx(float(ref[2, 5]), rel=1e-5, abs=1e-5)

    # A loose enough tolerance accepts it.
    run(dnn_run, tmp_path, ADD_RELU_LINEAR, inputs, f"--compare={bad}", "--atol=0.6")


# ---------------------------------------------------------------------------
# Element types
# ---------------------------------------------------------------------------

def test_f16_inputs_and_outputs(dnn_run, tmp_path):
    model = """
func.func @main(%a: tensor<8x32xf16>, %b: tensor<32xf16>) -> tensor<8x32xf16> {
  %s = dnn.add %a, %b : tensor<8x32xf16>, tensor<32xf16>
  %r = dnn.activation sigmoid %s : tensor<8x32xf16>
  return %r : tensor<8x32xf16>
}
"""
    a, b = randn(8, 32, dtype=np.float16), randn(32, dtype=np.float16)
    (out,) = run_on(dnn_run, tmp_path, model, [a, b])
    assert out.dtype == np.float16
    s = a.astype(np.float32) + b.astype(np.float32)
    ref = (1 / (1 + np.exp(-s))).astype(np.float16)
    # f16 math is done in f32 and rounded once: at most one f16 ulp apart.
    np.testing.assert_allclose(out.astype(np.float32), ref.astype(np.float32),
                               rtol=2 ** -10, atol=2 ** -14)

    # A float32 array is not accepted for f16.
    result = run(dnn_run, tmp_path, model,
                 f"--input={save(tmp_path, 'a32', a.astype(np.float32))},"
                 f"{save(tmp_path, 'b16', b)}", check=False)
    assert result.returncode == 1
    assert "dnn-run: input 0 (" in result.stderr
    assert "expected tensor<8x32xf16>, got float32 array of shape (8, 32)" in result.stderr


def test_bf16_travels_as_float32(dnn_run, tmp_path):
    model = """
func.func @main(%a: tensor<4x64xbf16>, %w: tensor<16x64xbf16>) -> (tensor<4x64xbf16>, tensor<4x16xbf16>) {
  %y = dnn.linear %a, %w : (tensor<4x64xbf16>, tensor<16x64xbf16>) -> tensor<4x16xbf16>
  return %a, %y : tensor<4x64xbf16>, tensor<4x16xbf16>
}
"""
    a, w = randn(4, 64), randn(16, 64)
    a[0, :4] = [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 3.0]  # ties
    echoed, y = run_on(dnn_run, tmp_path, model, [a, w])
    assert echoed.dtype == np.float32 and y.dtype == np.float32
    # Inputs are rounded to nearest even, exactly as ml_dtypes does.
    np.testing.assert_array_equal(echoed, a.astype(ml_dtypes.bfloat16).astype(np.float32))
    assert list(echoed[0, :4]) == [1.0, 1 + 2 ** -6, -1.0, 3.0]
    a16 = a.astype(ml_dtypes.bfloat16).astype(np.float64)
    w16 = w.astype(ml_dtypes.bfloat16).astype(np.float64)
    ref = (a16 @ w16.T).astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_allclose(y, ref, rtol=2 ** -7, atol=1e-6)

    # A float16 array is not accepted for bf16.
    result = run(dnn_run, tmp_path, model,
                 f"--input={save(tmp_path, 'a16', a.astype(np.float16))},"
                 f"{save(tmp_path, 'w32', w)}", check=False)
    assert result.returncode == 1
    assert "expected tensor<4x64xbf16> (as a float32 array), got float16 array" in result.stderr


def test_f64(dnn_run, tmp_path):
    model = """
func.func @main(%x: tensor<2x5x7xf64>) -> tensor<2x5x7xf64> {
  %y = dnn.softmax %x {axis = 2 : i64} : tensor<2x5x7xf64>
  return %y : tensor<2x5x7xf64>
}
"""
    x = randn(2, 5, 7, dtype=np.float64) * 4
    (out,) = run_on(dnn_run, tmp_path, model, [x])
    e = np.exp(x - x.max(axis=2, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(axis=2, keepdims=True), rtol=1e-13)


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------

def test_multiple_outputs(dnn_run, tmp_path):
    model = """
func.func @main(%x: tensor<2x3x4x4xf32>, %y: tensor<2x5x4x4xf32>)
    -> (tensor<2x8x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2x80xf32>) {
  %c = dnn.concat %x, %y {axis = 1 : i64}
      : (tensor<2x3x4x4xf32>, tensor<2x5x4x4xf32>) -> tensor<2x8x4x4xf32>
  %g = dnn.global_avg_pool %x : tensor<2x3x4x4xf32> -> tensor<2x3x1x1xf32>
  %f = dnn.flatten %y : tensor<2x5x4x4xf32> -> tensor<2x80xf32>
  return %c, %g, %f : tensor<2x8x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2x80xf32>
}
"""
    x, y = randn(2, 3, 4, 4), randn(2, 5, 4, 4)
    c, g, f = run_on(dnn_run, tmp_path, model, [x, y])
    np.testing.assert_array_equal(c, np.concatenate([x, y], axis=1))
    np.testing.assert_allclose(g, x.mean(axis=(2, 3), keepdims=True), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(f, y.reshape(2, 80))

    # References for the first outputs only.
    refs = [save(tmp_path, "rc", c), save(tmp_path, "rg", g)]
    paths = [save(tmp_path, n, a) for n, a in (("x", x), ("y", y))]
    result = run(dnn_run, tmp_path, model, "--input=" + ",".join(map(str, paths)),
                 *[f"--compare={p}" for p in refs])
    assert "out0: match" in result.stdout and "out1: match" in result.stdout
    assert "out2: match" not in result.stdout


def test_linalg_on_tensors_module(dnn_run, tmp_path):
    model = """
func.func @main(%a: tensor<5x7xf32>, %b: tensor<7x3xf32>) -> tensor<5x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x3xf32>) -> tensor<5x3xf32>
  %m = linalg.matmul ins(%a, %b : tensor<5x7xf32>, tensor<7x3xf32>)
                     outs(%init : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<5x3xf32>) outs(%e : tensor<5x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}
"""
    a, b = randn(5, 7), randn(7, 3)
    (out,) = run_on(dnn_run, tmp_path, model, [a, b])
    np.testing.assert_allclose(out, np.tanh(a.astype(np.float64) @ b), rtol=1e-5, atol=1e-6)


def test_entry_selection_and_missing_entry(dnn_run, tmp_path):
    model = """
func.func @double(%a: tensor<3xf32>) -> tensor<3xf32> {
  %s = dnn.add %a, %a : tensor<3xf32>, tensor<3xf32>
  return %s : tensor<3xf32>
}
func.func @triple(%a: tensor<3xf32>) -> tensor<3xf32> {
  %s = call @double(%a) : (tensor<3xf32>) -> tensor<3xf32>
  %t = dnn.add %s, %a : tensor<3xf32>, tensor<3xf32>
  return %t : tensor<3xf32>
}
"""
    a = np.array([1, -2, 0.5], dtype=np.float32)
    (out,) = run_on(dnn_run, tmp_path, model, [a], "--entry=triple")
    np.testing.assert_array_equal(out, 3 * a)
    result = run(dnn_run, tmp_path, model, check=False)
    assert result.returncode == 1
    assert "no function @main in" in result.stderr
    assert "(functions: @double, @triple)" in result.stderr


def test_input_mismatch_message(dnn_run, tmp_path):
    x = np.zeros((4, 16))  # float64
    paths = [save(tmp_path, "x", x)] + [save(tmp_path, n, np.zeros(s, np.float32))
                                        for n, s in (("r", (4, 16)), ("w", (8, 16)), ("b", (8,)))]
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR,
                 "--input=" + ",".join(map(str, paths)), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"dnn-run: input 0 ({paths[0]}): expected tensor<4x16xf32>, "
        "got float64 array of shape (4, 16)")
    fortran = np.asfortranarray(np.zeros((4, 16), np.float32))
    paths[0] = save(tmp_path, "xf", fortran)
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR,
                 "--input=" + ",".join(map(str, paths)), check=False)
    assert result.returncode == 1 and "Fortran-order arrays are not supported" in result.stderr


def test_cuda_without_driver(dnn_run, tmp_path, monkeypatch):
    """--on-device=cuda where the NVIDIA driver cannot be loaded: a one-line
    error and status 1 (or, in a build without the CUDA runtime, the
    compile step says so)."""
    monkeypatch.setenv("DNN_CUDA_LIBRARY", str(tmp_path / "no-libcuda.so"))
    result = run(dnn_run, tmp_path, ADD_RELU_LINEAR, "--on-device=cuda", check=False)
    assert result.returncode == 1
    err = result.stderr
    assert ("cannot load the CUDA driver" in err and "no-libcuda.so" in err) or \
        "libDNNCudaRuntime.a" in err, err


# ---------------------------------------------------------------------------
# The dnn layers, one model each, against NumPy
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("attrs,kwargs,wshape,out_hw", [
    ("", {}, (6, 4, 3, 3), (6, 6)),
    ("{strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}",
     dict(strides=(2, 2), padding=(1, 1, 1, 1)), (6, 4, 3, 3), (4, 4)),
    ("{groups = 2 : i64, padding = array<i64: 0, 1, 2, 0>, dilation = array<i64: 2, 1>}",
     dict(groups=2, padding=(0, 1, 2, 0), dilation=(2, 1)), (6, 2, 3, 3), (6, 7)),
    ("{groups = 4 : i64, strides = array<i64: 1, 2>}",
     dict(groups=4, strides=(1, 2)), (4, 1, 3, 3), (6, 3)),
])
def test_conv2d(dnn_run, tmp_path, attrs, kwargs, wshape, out_hw):
    f = wshape[0]
    p, q = out_hw
    model = f"""
func.func @main(%x: tensor<2x4x8x8xf32>, %w: tensor<{'x'.join(map(str, wshape))}xf32>,
                %b: tensor<{f}xf32>) -> tensor<2x{f}x{p}x{q}xf32> {{
  %y = dnn.conv2d %x, %w, %b {attrs}
      : (tensor<2x4x8x8xf32>, tensor<{'x'.join(map(str, wshape))}xf32>, tensor<{f}xf32>)
      -> tensor<2x{f}x{p}x{q}xf32>
  return %y : tensor<2x{f}x{p}x{q}xf32>
}}
"""
    x, w, b = randn(2, 4, 8, 8), randn(*wshape), randn(f)
    (out,) = run_on(dnn_run, tmp_path, model, [x, w, b])
    np.testing.assert_allclose(out, ref_conv2d(x, w, b, **kwargs), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op,attrs,kwargs,out_hw", [
    ("max_pool2d", "kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, "
     "padding = array<i64: 1, 1, 1, 1>", dict(kernel=(3, 3), strides=(2, 2),
                                              padding=(1, 1, 1, 1), mode="max"), (4, 4)),
    ("avg_pool2d", "kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>",
     dict(kernel=(2, 2), strides=(2, 2), padding=(0, 0, 0, 0), mode="avg"), (4, 4)),
    ("avg_pool2d", "kernel_size = array<i64: 3, 3>, strides = array<i64: 1, 1>, "
     "padding = array<i64: 1, 1, 1, 1>", dict(kernel=(3, 3), strides=(1, 1),
                                              padding=(1, 1, 1, 1), mode="avg"), (8, 8)),
    ("avg_pool2d", "kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, "
     "padding = array<i64: 1, 1, 1, 1>, count_include_pad = true",
     dict(kernel=(3, 3), strides=(2, 2), padding=(1, 1, 1, 1), mode="avg",
          count_include_pad=True), (4, 4)),
])
def test_pooling(dnn_run, tmp_path, op, attrs, kwargs, out_hw):
    p, q = out_hw
    model = f"""
func.func @main(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x{p}x{q}xf32> {{
  %y = dnn.{op} %x {{{attrs}}} : tensor<2x3x8x8xf32> -> tensor<2x3x{p}x{q}xf32>
  return %y : tensor<2x3x{p}x{q}xf32>
}}
"""
    x = randn(2, 3, 8, 8)
    (out,) = run_on(dnn_run, tmp_path, model, [x])
    np.testing.assert_allclose(out, ref_pool2d(x, **kwargs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(ACTIVATIONS))
def test_activation(dnn_run, tmp_path, kind):
    model = f"""
func.func @main(%x: tensor<4x50xf32>) -> tensor<4x50xf32> {{
  %y = dnn.activation {kind} %x : tensor<4x50xf32>
  return %y : tensor<4x50xf32>
}}
"""
    x = randn(4, 50) * 4
    x[0, :3] = [7.0, -7.0, 0.0]
    (out,) = run_on(dnn_run, tmp_path, model, [x])
    np.testing.assert_allclose(out, ACTIVATIONS[kind](x.astype(np.float64)),
                               rtol=2e-6, atol=2e-6)


def test_batch_norm_softmax_matmul(dnn_run, tmp_path):
    model = """
func.func @main(%x: tensor<2x4x3x3xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>,
                %m: tensor<4xf32>, %v: tensor<4xf32>, %p: tensor<2x1x5x6xf32>,
                %q: tensor<3x6x4xf32>)
    -> (tensor<2x4x3x3xf32>, tensor<2x3x5x4xf32>) {
  %y = dnn.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-03 : f64}
      : tensor<2x4x3x3xf32>, tensor<4xf32>
  %s = dnn.softmax %y {axis = 1 : i64} : tensor<2x4x3x3xf32>
  %mm = dnn.matmul %p, %q : (tensor<2x1x5x6xf32>, tensor<3x6x4xf32>) -> tensor<2x3x5x4xf32>
  return %s, %mm : tensor<2x4x3x3xf32>, tensor<2x3x5x4xf32>
}
"""
    x, g, b, m = randn(2, 4, 3, 3), randn(4), randn(4), randn(4)
    v = np.abs(randn(4)) + 0.1
    p, q = randn(2, 1, 5, 6), randn(3, 6, 4)
    s, mm = run_on(dnn_run, tmp_path, model, [x, g, b, m, v, p, q])
    c = lambda a: a.astype(np.float64)[None, :, None, None]  # noqa: E731
    y = c(g) * (x - c(m)) / np.sqrt(c(v) + 1e-3) + c(b)
    e = np.exp(y - y.max(axis=1, keepdims=True))
    np.testing.assert_allclose(s, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mm, np.matmul(p.astype(np.float64), q), rtol=1e-5, atol=1e-5)


def test_small_cnn(dnn_run, tmp_path):
    """conv -> batch_norm -> relu -> max_pool -> residual conv -> global pool
    -> flatten -> linear -> softmax, compared as a whole."""
    model = """
func.func @main(%x: tensor<1x3x16x16xf32>, %w1: tensor<8x3x3x3xf32>, %g: tensor<8xf32>,
                %bt: tensor<8xf32>, %mu: tensor<8xf32>, %var: tensor<8xf32>,
                %w2: tensor<8x8x3x3xf32>, %fc: tensor<10x8xf32>, %fb: tensor<10xf32>)
    -> tensor<1x10xf32> {
  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x16x16xf32>
  %bn = dnn.batch_norm %c1, %g, %bt, %mu, %var : tensor<1x8x16x16xf32>, tensor<8xf32>
  %r1 = dnn.activation relu %bn : tensor<1x8x16x16xf32>
  %p1 = dnn.max_pool2d %r1 {kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  %c2 = dnn.conv2d %p1, %w2 {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %res = dnn.add %c2, %p1 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
  %r2 = dnn.activation relu %res : tensor<1x8x8x8xf32>
  %gp = dnn.global_avg_pool %r2 : tensor<1x8x8x8xf32> -> tensor<1x8x1x1xf32>
  %fl = dnn.flatten %gp : tensor<1x8x1x1xf32> -> tensor<1x8xf32>
  %lg = dnn.linear %fl, %fc, %fb : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  %sm = dnn.softmax %lg {axis = 1 : i64} : tensor<1x10xf32>
  return %sm : tensor<1x10xf32>
}
"""
    x, w1, g, bt, mu = randn(1, 3, 16, 16), randn(8, 3, 3, 3), randn(8), randn(8), randn(8)
    var = np.abs(randn(8)) + 0.5
    w2, fc, fb = randn(8, 8, 3, 3) * 0.3, randn(10, 8), randn(10)
    (out,) = run_on(dnn_run, tmp_path, model, [x, w1, g, bt, mu, var, w2, fc, fb])

    c = lambda a: a.astype(np.float64)[None, :, None, None]  # noqa: E731
    y = ref_conv2d(x, w1, padding=(1, 1, 1, 1))
    y = np.maximum(c(g) * (y - c(mu)) / np.sqrt(c(var) + 1e-5) + c(bt), 0)
    y = ref_pool2d(y, (2, 2), (2, 2), (0, 0, 0, 0), "max")
    y = np.maximum(ref_conv2d(y, w2, padding=(1, 1, 1, 1)) + y, 0)
    logits = y.mean(axis=(2, 3)) @ fc.T.astype(np.float64) + fb
    e = np.exp(logits - logits.max())
    np.testing.assert_allclose(out, e / e.sum(), rtol=1e-4, atol=1e-6)
    assert out.sum() == pytest.approx(1.0, rel=1e-5)
