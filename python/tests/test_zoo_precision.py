"""models.to_precision: float32 zoo models in float16 and bfloat16.

Unit tests of the conversion (initializers rounded to nearest, names and
shapes kept, graph inputs/outputs/value infos and tensor attributes retyped,
non-float tensors untouched, the input model unchanged), the bfloat16
rounding against an independent exact computation on crafted bit patterns,
and one end-to-end run: the f16 ResNet-18 imported with dnn_mlir.importer
and run on the CPU by dnn-run, against the f32 model in onnxruntime.
"""
from __future__ import annotations

import struct
import subprocess
import sys
from fractions import Fraction

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))

from dnn_mlir import models  # noqa: E402


def _small_resnet18():
    return models.resnet18(size=32, num_classes=10, seed=1)


def _elem_types(values):
    return [v.type.tensor_type.elem_type for v in values]


# ---------------------------------------------------------------------------
# float16
# ---------------------------------------------------------------------------

def test_float16_initializers_rounded_to_nearest():
    model = _small_resnet18()
    out = models.to_precision(model, "float16")
    before = list(model.graph.initializer)
    after = list(out.graph.initializer)
    assert [(t.name, list(t.dims)) for t in after] == \
        [(t.name, list(t.dims)) for t in before]
    changed = 0
    for old, new in zip(before, after):
        assert new.data_type == TensorProto.FLOAT16, new.name
        value = numpy_helper.to_array(new)
        assert value.dtype == np.float16 and value.shape == tuple(old.dims)
        expected = numpy_helper.to_array(old).astype(np.float16)
        # Bit for bit: numpy's cast is round to nearest even, so truncation
        # or a round trip through another type shows up here.
        np.testing.assert_array_equal(value.view(np.uint16),
                                      expected.view(np.uint16), err_msg=new.name)
        changed += int((value.astype(np.float32)
                        != numpy_helper.to_array(old)).any())
    # The random weights are not all representable in f16: the comparison
    # above is not vacuous.
    assert changed > len(before) // 2


def test_float16_retypes_graph_and_stays_valid():
    model = _small_resnet18()
    out = models.to_precision(model, "float16")
    assert _elem_types(model.graph.input) == [TensorProto.FLOAT]
    assert _elem_types(out.graph.input) == [TensorProto.FLOAT16]
    assert _elem_types(out.graph.output) == [TensorProto.FLOAT16]
    assert [v.name for v in out.graph.input] == [v.name for v in model.graph.input]
    assert [v.name for v in out.graph.output] == \
        [v.name for v in model.graph.output]
    assert [(n.op_type, list(n.input), list(n.output)) for n in out.graph.node] == \
        [(n.op_type, list(n.input), list(n.output)) for n in model.graph.node]
    # ONNX's type and shape inference accepts it: no float32 tensor left
    # next to a float16 one.
    onnx.checker.check_model(out, full_check=True)


# Values with some f16 rounding to do, within f16's range.
MODERATE = np.array([0.1, -2.5, 3.14159265, 1e-3, -6.0e4, 65519.0, 1e-6, 0.0],
                    np.float32)


def test_float16_crafted_graph():
    """Constant attributes and value infos are retyped too; integer
    tensors are left alone."""
    out = models.to_precision(_crafted_model(MODERATE), "float16")
    inits = {t.name: t for t in out.graph.initializer}
    expected = MODERATE.astype(np.float16).view(np.uint16)
    for tensor in (inits["c"], out.graph.node[0].attribute[0].t):
        assert tensor.data_type == TensorProto.FLOAT16
        np.testing.assert_array_equal(
            numpy_helper.to_array(tensor).view(np.uint16), expected)
    assert inits["shape"].data_type == TensorProto.INT64
    np.testing.assert_array_equal(numpy_helper.to_array(inits["shape"]),
                                  [1, MODERATE.size])
    for values in (out.graph.input, out.graph.output, out.graph.value_info):
        assert _elem_types(values) == [TensorProto.FLOAT16]
    onnx.checker.check_model(out, full_check=True)


# ---------------------------------------------------------------------------
# bfloat16
# ---------------------------------------------------------------------------

def _f32(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def _bf16_reference(bits):
    """The bfloat16 bit pattern nearest to the float32 with bit pattern
    `bits`, ties to even, computed exactly with fractions (independent of
    the shift-and-add trick of models.round_to_bf16_bits). For NaN: None."""
    value = _f32(bits)
    if value != value:
        return None
    if value in (float("inf"), float("-inf")):
        return bits >> 16
    sign = bits & 0x80000000
    magnitude = bits & 0x7FFFFFFF
    low = magnitude >> 16                  # truncation (toward zero)
    high = low + 1                         # next bf16 away from zero
    exact = Fraction(_f32(magnitude))
    d_low = exact - Fraction(_f32(low << 16))
    # `high` may be 0x7F80, infinity: rounding to it means overflow, which
    # IEEE round-to-nearest takes when the value is at least halfway to
    # 2^128 (the next power of two after the largest bfloat16).
    top = Fraction(2) ** 128 if high == 0x7F80 else Fraction(_f32(high << 16))
    d_high = top - exact
    if d_low < d_high or (d_low == d_high and low % 2 == 0):
        chosen = low
    else:
        chosen = high
    return (sign >> 16) | chosen


# Crafted float32 bit patterns: exact, ties (to even down and up), just
# around ties, negative ties, carries into the exponent, overflow to
# infinity, infinities, subnormals, zeros and NaNs (one whose payload sits
# only in the low 16 bits, which plain truncation turns into infinity).
CRAFTED = [
    0x3F800000,  # 1.0, exact
    0x3F808000,  # tie between 0x3F80 (even) and 0x3F81 -> 0x3F80
    0x3F818000,  # tie between 0x3F81 and 0x3F82 (even) -> 0x3F82
    0x3F807FFF,  # just below a tie -> 0x3F80
    0x3F808001,  # just above a tie -> 0x3F81
    0xBF808000,  # negative tie -> 0xBF80
    0xBF818000,  # negative tie -> 0xBF82
    0xC0490FDB,  # -pi -> 0xC049
    0x40490FDB,  # pi
    0x3FFFFFFF,  # rounds up with a carry into the exponent -> 0x4000
    0x3F7F8000,  # tie, odd low -> rounds up to 0x3F80 (carry)
    0x7F7FFFFF,  # largest float32 -> rounds to +inf (0x7F80)
    0x7F7F7FFF,  # below the overflow tie -> 0x7F7F
    0x7F7F8000,  # overflow tie, odd 0x7F7F -> +inf
    0xFF7FFFFF,  # -> -inf
    0x7F800000,  # +inf
    0xFF800000,  # -inf
    0x00000000,  # +0
    0x80000000,  # -0
    0x00000001,  # smallest subnormal -> +0
    0x00008000,  # subnormal tie -> 0x0000 (even)
    0x00018000,  # subnormal tie -> 0x0002 (even)
    0x80018000,  # negative subnormal tie -> 0x8002
    0x007FFFFF,  # largest subnormal -> 0x0080 (smallest normal)
    0x7FC00000,  # quiet NaN
    0xFFC00000,  # negative quiet NaN
    0x7F800001,  # NaN whose payload is in the low 16 bits only
    0xFF800001,  # the same, negative
]

# A few of the crafted cases by hand, so that the reference itself is
# checked against known answers.
KNOWN = {0x3F808000: 0x3F80, 0x3F818000: 0x3F82, 0x3F808001: 0x3F81,
         0xBF808000: 0xBF80, 0x3FFFFFFF: 0x4000, 0x7F7FFFFF: 0x7F80,
         0x7F7F7FFF: 0x7F7F, 0x00018000: 0x0002, 0x007FFFFF: 0x0080,
         0xFF800000: 0xFF80, 0x80000000: 0x8000}


def _crafted_model(values):
    """A tiny graph that touches every kind of tensor to_precision handles:
    an f32 input, an f32 initializer (the crafted values), an f32 Constant
    attribute, an int64 initializer (Reshape's shape) and a value_info."""
    n = values.size
    graph = helper.make_graph(
        [helper.make_node("Constant", [], ["k"], name="k",
                          value=numpy_helper.from_array(values, "k_value")),
         helper.make_node("Add", ["x", "c"], ["s"], name="s"),
         helper.make_node("Add", ["s", "k"], ["t"], name="t"),
         helper.make_node("Reshape", ["t", "shape"], ["y"], name="y")],
        "crafted",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
        initializer=[numpy_helper.from_array(values, "c"),
                     numpy_helper.from_array(np.array([1, n], np.int64),
                                             "shape")],
        value_info=[helper.make_tensor_value_info("s", TensorProto.FLOAT, [n])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _bf16_bits(tensor):
    assert tensor.data_type == TensorProto.BFLOAT16
    return np.frombuffer(tensor.raw_data, dtype="<u2")


def test_bf16_reference_known_answers():
    for bits, expected in KNOWN.items():
        assert _bf16_reference(bits) == expected, hex(bits)


def test_bfloat16_rounds_to_nearest_even():
    values = np.array(CRAFTED, np.uint32).view(np.float32)
    model = _crafted_model(values)
    out = models.to_precision(model, "bfloat16")

    inits = {t.name: t for t in out.graph.initializer}
    constant = out.graph.node[0].attribute[0].t
    for tensor in (inits["c"], constant):
        got = _bf16_bits(tensor)
        assert list(tensor.dims) == [len(CRAFTED)]
        for bits, g in zip(CRAFTED, got):
            g = int(g)
            expected = _bf16_reference(bits)
            if expected is None:
                # NaN stays NaN, with its sign: exponent all ones, mantissa
                # not zero (truncating 0x7F800001 would give infinity).
                assert g & 0x7F80 == 0x7F80 and g & 0x007F, (hex(bits), hex(g))
                assert g & 0x8000 == (bits >> 16) & 0x8000, (hex(bits), hex(g))
            else:
                assert g == expected, (f"{tensor.name}: {bits:#010x} -> "
                                       f"{g:#06x}, expected {expected:#06x}")

    # Non-float tensors are left alone; float types are retyped.
    assert inits["shape"].data_type == TensorProto.INT64
    np.testing.assert_array_equal(numpy_helper.to_array(inits["shape"]),
                                  [1, len(CRAFTED)])
    for values_ in (out.graph.input, out.graph.output, out.graph.value_info):
        assert _elem_types(values_) == [TensorProto.BFLOAT16]


def test_bfloat16_zoo_model_matches_ml_dtypes():
    """Every initializer of a zoo model, and many random ties, against
    ml_dtypes' float32 -> bfloat16 cast (round to nearest even)."""
    model = _small_resnet18()
    out = models.to_precision(model, "bfloat16")
    assert [(t.name, list(t.dims)) for t in out.graph.initializer] == \
        [(t.name, list(t.dims)) for t in model.graph.initializer]
    for old, new in zip(model.graph.initializer, out.graph.initializer):
        expected = numpy_helper.to_array(old).astype(ml_dtypes.bfloat16)
        np.testing.assert_array_equal(_bf16_bits(new).reshape(expected.shape),
                                      expected.view(np.uint16), err_msg=new.name)
    assert _elem_types(out.graph.input) == [TensorProto.BFLOAT16]
    assert _elem_types(out.graph.output) == [TensorProto.BFLOAT16]

    # Random finite float32 with the low half forced to exact ties (0x8000)
    # for a third of them: these are the values where round-half-up and
    # round-half-even differ.
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2 ** 32, 3000, dtype=np.uint64).astype(np.uint32)
    bits[::3] = (bits[::3] & 0xFFFF0000) | 0x8000
    values = bits.view(np.float32)
    values = values[np.isfinite(values)]
    got = models.round_to_bf16_bits(values)
    np.testing.assert_array_equal(got,
                                  values.astype(ml_dtypes.bfloat16).view(np.uint16))


# ---------------------------------------------------------------------------
# Errors and purity
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "int8", "half", ""])
def test_unknown_dtype_rejected(dtype):
    with pytest.raises(ValueError, match="float16 or bfloat16"):
        models.to_precision(_crafted_model(np.ones(4, np.float32)), dtype)


def test_input_model_not_modified():
    model = _small_resnet18()
    crafted = _crafted_model(MODERATE)
    snapshots = [m.SerializeToString(deterministic=True)
                 for m in (model, crafted)]
    for m in (model, crafted):
        for dtype in ("float16", "bfloat16"):
            out = models.to_precision(m, dtype)
            assert out is not m
    assert [m.SerializeToString(deterministic=True)
            for m in (model, crafted)] == snapshots
    assert model.graph.initializer[0].data_type == TensorProto.FLOAT


# ---------------------------------------------------------------------------
# End to end: f16 ResNet-18 on the CPU
# ---------------------------------------------------------------------------

# Tolerance of the f16 network against the f32 one, relative to the largest
# |logit| of the reference. f16 has a unit roundoff of 2^-11 = 4.9e-4: the
# weights are rounded once, and every layer's output is rounded again (the
# GEMMs and the other ops compute in f32 and round). ResNet-18 has ~40
# such roundings on the way to the logits (20 convolutions with their folded
# batch norms, 8 residual adds, the pooling and the classifier), whose
# errors add up like a random walk: about sqrt(40) * 4.9e-4 = 3e-3 of the
# activations' scale, with some growth through the layers. Measured: 0.7e-3
# to 1.3e-3 of the logits' scale (three seeds and sizes). 2e-2 leaves room
# for that while a real bug (wrong weight layout, lost bias, f16 accumulation
# overflowing, garbage from a mis-sized buffer) errs by the order of the
# logits themselves.
F16_TOLERANCE = 2e-2


def test_float16_resnet18_runs_on_cpu(dnn_run, tmp_path):
    import onnxruntime as ort
    from dnn_mlir import importer

    model = _small_resnet18()
    half = models.to_precision(model, "float16")
    text = importer.import_model(half)
    assert "xf16>" in text and "xf32>" not in text.split("{", 1)[0]
    (tmp_path / "resnet18_f16.mlir").write_text(text)

    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(11).standard_normal(shape).astype(np.float16)
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run(
        [dnn_run, str(tmp_path / "resnet18_f16.mlir"),
         f"--input={tmp_path / 'x.npy'}", f"--output-dir={tmp_path / 'out'}"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    got = np.load(tmp_path / "out" / "out0.npy")
    assert got.dtype == np.float16 and got.shape == (1, 10)

    # The f32 model on the same (f16-rounded) input.
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    ref = session.run(None, {model.graph.input[0].name: x.astype(np.float32)})[0]

    scale = float(np.abs(ref).max())
    err = float(np.abs(got.astype(np.float64) - ref).max())
    print(f"\nresnet18 f16 (32x32) on the CPU: max|ref| {scale:.3g}, "
          f"max error {err:.3g} ({err / scale:.2e} of the scale)")
    assert scale > 1  # logits of order 1-10, not a degenerate output
    assert np.isfinite(got).all()
    assert err <= F16_TOLERANCE * scale
