"""ONNX backend node-test conformance (python/dnn_mlir/conformance.py,
docs/conformance.md).

test_node[<onnx node test>] runs one ONNX node test of a claimed op through
dnn_mlir.importer and dnn-run: PASS, FAIL, or a skip whose reason says why
the test is outside the claim (the only skips of this file). The tests run
on DNN_CONFORMANCE_JOBS threads (default 2) from a session fixture; the
generated node-test data is cached in build/onnx-node-tests (regenerated
when the onnx version changes).

The rest checks the harness itself (selection, the skip reasons, .pb -> .npy,
freezing parameter inputs, the cache stamp, the report) without the
importer, with a stand-in importer where dnn-run has to run.
"""
import concurrent.futures
import json
import os
import pathlib
import re
import sys

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper, TensorProto

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import conformance as conf  # noqa: E402

# Generates the node-test data on first use (about 5 s), then reads the
# cached index.
TESTS = conf.list_tests(conf.CLAIMED_OPS)
BY_NAME = {t.name: t for t in TESTS}
JOBS = int(os.environ.get("DNN_CONFORMANCE_JOBS", "2"))


def _classify(test):
    model = onnx.load(str(test.path / "model.onnx"))
    inputs, _ = conf.load_data_set(model, test.data_sets()[0])
    return conf.classify(model, inputs)


@pytest.fixture(scope="session")
def node_results(request, dnn_run):
    """{test name: Future of its conformance.Result}, for the test_node items
    this session selected, started at once on JOBS threads."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_node"]
    pool = concurrent.futures.ThreadPoolExecutor(JOBS)
    futures = {name: pool.submit(conf.run_test, BY_NAME[name], dnn_run)
               for name in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", [t.name for t in TESTS])
def test_node(name, node_results):
    r = node_results[name].result()
    if r.status == "SKIP":
        pytest.skip(f"{name} ({r.op}): {r.reason}")
    if r.status != "PASS":
        pytest.fail(f"{name} ({r.op}): {r.reason}", pytrace=False)


# ---------------------------------------------------------------------------
# The selection and the skip reasons
# ---------------------------------------------------------------------------

#: The text of each skip category (conformance.Skip.text).
REASON_FORMS = {
    "op-not-claimed": r"ops? [\w.]+(, [\w.]+)* not claimed",
    "non-float-dtype": r"non-float dtype \w+: (input|output) '[^']+'"
                       r"(, (input|output) '[^']+')*",
    "non-tensor-value": r"non-tensor value: (input|output) '[^']+' is "
                        r"(a sequence|an optional|a map|a sparse tensor)",
    "dynamic-shape": r"dynamic shape: (input|output) '[^']+' has no static "
                     r"shape",
    "empty-tensor": r"empty tensor: (input|output) '[^']+' has shape "
                    r"\([\d, ]*\); dnn tensors are non-empty",
    "not-2d": r"(1-D|3-D|rank-\d+) (Conv|MaxPool|AveragePool|"
              r"GlobalAveragePool) \(input rank \d+\); only 2-D "
              r"Conv/pooling is claimed",
    "clip-bounds": r"Clip bounds min=\S+( \S+)?, max=\S+( \S+)?; only none "
                   r"\(identity\), relu \(0, none\) and relu6 \(0, 6\) are "
                   r"claimed",
    "training-mode": r"(BatchNormalization training_mode=1 .*|Dropout "
                     r"training_mode=\S+); only inference is claimed",
}

#: Tests of features of claimed ops (attributes, padding modes, opset
#: variants) that must run, never be skipped.
MUST_RUN = [
    "test_averagepool_2d_dilations", "test_averagepool_2d_ceil",
    "test_averagepool_2d_same_upper", "test_averagepool_2d_same_lower",
    "test_averagepool_2d_pads_count_include_pad",
    "test_maxpool_2d_ceil", "test_maxpool_2d_dilations",
    "test_maxpool_2d_same_upper", "test_maxpool_2d_same_lower",
    "test_conv_with_autopad_same",
    "test_conv_with_strides_and_asymmetric_padding",
    "test_gemm_transposeA", "test_gemm_alpha", "test_gemm_beta",
    "test_gemm_all_attributes", "test_gemm_default_no_bias",
    "test_reshape_zero_dim", "test_reshape_zero_and_negative_dim",
    "test_clip_default_min", "test_clip_default_inbounds",
    "test_dropout_default_ratio",
    "test_dropout_default_old", "test_batchnorm_epsilon",
    "test_gelu_tanh_1", "test_softmax_axis_0", "test_matmul_1d_3d",
    "test_constant", "test_identity", "test_flatten_axis0",
]


def test_selection_covers_the_claimed_ops():
    ops = {t.op for t in TESTS}
    assert ops == set(conf.CLAIMED_OPS)
    assert all((t.path / "model.onnx").exists() for t in TESTS)
    # Expanded (function-body) variants belong to their op.
    assert BY_NAME["test_softmax_axis_0_expanded"].op == "Softmax"
    assert BY_NAME["test_relu_expanded_ver18"].op == "Relu"


def test_skip_reasons_are_from_the_allowed_categories():
    runnable = set()
    for test in TESTS:
        skips = _classify(test)
        if not skips:
            runnable.add(test.name)
        for s in skips:
            assert s.category in conf.SKIP_CATEGORIES, (test.name, s)
            assert re.fullmatch(REASON_FORMS[s.category], s.text), \
                (test.name, s.text)
    # Every claimed op has tests inside the claim, and the feature tests
    # are among them.
    for op in conf.CLAIMED_OPS:
        assert any(n in runnable for n in BY_NAME if BY_NAME[n].op == op), op
    missing = [n for n in MUST_RUN if n not in runnable]
    assert not missing, missing


@pytest.mark.parametrize("name,category", [
    ("test_maxpool_2d_uint8", "non-float-dtype"),
    ("test_maxpool_with_argmax_2d_precomputed_pads", "non-float-dtype"),
    ("test_add_int8", "non-float-dtype"),
    ("test_dropout_default_mask", "non-float-dtype"),
    ("test_maxpool_1d_default", "not-2d"),
    ("test_averagepool_3d_default", "not-2d"),
    ("test_softmax_axis_0_expanded", "op-not-claimed"),
    ("test_gelu_tanh_1_expanded", "op-not-claimed"),
    ("test_identity_sequence", "non-tensor-value"),
    ("test_identity_opt", "non-tensor-value"),
    ("test_clip", "clip-bounds"),
    ("test_clip_default_max", "clip-bounds"),
    ("test_batchnorm_example_training_mode", "training-mode"),
    ("test_training_dropout_zero_ratio", "training-mode"),
    # allowzero=1 with a 0 in the shape makes an empty output: the only
    # node test of allowzero needs empty tensors.
    ("test_reshape_allowzero_reordered", "empty-tensor"),
])
def test_skip_reason(name, category):
    assert category in [s.category for s in _classify(BY_NAME[name])]


def test_clip_relu_bounds_are_claimed():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])

    def clip(*bounds):
        inits = [numpy_helper.from_array(np.float32(b), f"b{i}")
                 for i, b in enumerate(bounds) if b is not None]
        names = [f"b{i}" if b is not None else ""
                 for i, b in enumerate(bounds)]
        node = helper.make_node("Clip", ["x", *names], ["y"])
        return helper.make_model(helper.make_graph([node], "g", [x], [y],
                                                   initializer=inits))
    fmax = float(np.finfo(np.float32).max)
    assert conf.classify(clip()) == []                  # identity
    assert conf.classify(clip(0.0)) == []               # relu
    assert conf.classify(clip(0.0, 6.0)) == []          # relu6
    assert conf.classify(clip(0.0, fmax)) == []         # relu
    assert conf.classify(clip(-fmax, fmax)) == []       # identity
    assert [s.category for s in conf.classify(clip(0.0, 1.0))] == \
        ["clip-bounds"]
    assert [s.category for s in conf.classify(clip(None, 6.0))] == \
        ["clip-bounds"]


# ---------------------------------------------------------------------------
# Data: .pb -> .npy, freezing parameter inputs, the cache
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(2, 3, 4), (), (1,)])
def test_pb_to_npy(tmp_path, dtype, shape):
    a = np.asarray(np.random.default_rng(0).standard_normal(shape)).astype(dtype)
    pb = tmp_path / "input_0.pb"
    pb.write_bytes(numpy_helper.from_array(a, "x").SerializeToString())
    conf.pb_to_npy(pb, tmp_path / "x.npy")
    b = np.load(tmp_path / "x.npy")
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_pb_to_npy_bfloat16_travels_as_float32(tmp_path):
    import ml_dtypes
    a = np.array([[1.5, -2.25], [0.0, 3.0]], dtype=ml_dtypes.bfloat16)
    pb = tmp_path / "input_0.pb"
    pb.write_bytes(numpy_helper.from_array(a, "x").SerializeToString())
    conf.pb_to_npy(pb, tmp_path / "x.npy")
    b = np.load(tmp_path / "x.npy")
    assert b.dtype == np.float32
    np.testing.assert_array_equal(a.astype(np.float32), b)


def test_data_set_of_a_generated_test():
    test = BY_NAME["test_conv_with_strides_padding"]
    model = onnx.load(str(test.path / "model.onnx"))
    inputs, outputs = conf.load_data_set(model, test.data_sets()[0])
    assert [a.shape for a in inputs] == [(1, 1, 7, 5), (1, 1, 3, 3)]
    assert [a.shape for a in outputs] == [(1, 1, 4, 3)]
    assert all(a.dtype == np.float32 for a in inputs + outputs)


def test_freeze_reshape_shape():
    test = BY_NAME["test_reshape_negative_dim"]
    model = onnx.load(str(test.path / "model.onnx"))
    inputs, _ = conf.load_data_set(model, test.data_sets()[0])
    frozen = conf.frozen_inputs(model)
    assert frozen == {"shape": ("Reshape", 1)}
    new, values = conf.freeze(model, inputs, frozen)
    assert [i.name for i in new.graph.input] == ["data"]
    assert len(values) == 1 and values[0] is inputs[0]
    init = {t.name: numpy_helper.to_array(t) for t in new.graph.initializer}
    np.testing.assert_array_equal(init["shape"], inputs[1])
    onnx.checker.check_model(new)
    assert len(model.graph.input) == 2          # the original is untouched


def test_cache_is_regenerated_when_onnx_changes(tmp_path, monkeypatch):
    calls = []

    def fake_generate(dest):
        calls.append(dest)
        (dest / "test_x").mkdir()
        return {"test_x": "Relu"}
    monkeypatch.setattr(conf, "_generate", fake_generate)
    data = conf.ensure_data(tmp_path)
    assert len(calls) == 1
    assert json.loads((data / "index.json").read_text()) == {"test_x": "Relu"}
    conf.ensure_data(tmp_path)
    assert len(calls) == 1                      # cached
    stamp = tmp_path / "stamp.json"
    stamp.write_text(json.dumps({"onnx": "0.0.0", "format": 1}))
    conf.ensure_data(tmp_path)
    assert len(calls) == 2                      # another onnx version
    assert json.loads(stamp.read_text())["onnx"] == onnx.__version__
    assert [t.name for t in conf.list_tests(["Relu"], tmp_path)] == ["test_x"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("data.")]


# ---------------------------------------------------------------------------
# Running and reporting, with a stand-in importer
# ---------------------------------------------------------------------------

def _stand_in_importer(kind):
    """An importer for the single-node Sigmoid/Tanh tests that emits
    `dnn.activation <kind>`."""
    def importer(model):
        g = model.graph
        dims = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
        t = "tensor<" + "".join(f"{d}x" for d in dims) + "f32>"
        return (f"func.func @main(%x: {t}) -> {t} {{\n"
                f"  %y = dnn.activation {kind} %x : {t}\n"
                f"  return %y : {t}\n}}\n")
    return importer


def test_run_pass_fail_and_skip(dnn_run, tmp_path):
    tests = [BY_NAME["test_sigmoid"], BY_NAME["test_tanh_example"],
             BY_NAME["test_maxpool_2d_uint8"]]
    results = conf.run_tests(tests, 2, dnn_run, keep_dir=tmp_path,
                             importer=_stand_in_importer("sigmoid"))
    assert [r.name for r in results] == [t.name for t in tests]
    assert [r.status for r in results] == ["PASS", "FAIL", "SKIP"]
    assert "MISMATCH" in results[1].reason, results[1].reason
    assert results[2].categories == ("non-float-dtype",)
    kept = tmp_path / "test_sigmoid" / "test_data_set_0"
    assert {p.name for p in kept.iterdir()} >= {
        "model.mlir", "input_0.npy", "output_0.npy", "command.txt",
        "dnn-run.log"}
    assert "--rtol=0.001 --atol=1e-07" in (kept / "command.txt").read_text()


def test_import_errors_are_failures(dnn_run):
    def broken(model):
        raise ValueError("node 'n' (Tanh): unsupported")
    r = conf.run_test(BY_NAME["test_tanh"], dnn_run, importer=broken)
    assert r.status == "FAIL"
    assert r.reason == "import: ValueError: node 'n' (Tanh): unsupported"


def test_tolerance():
    assert conf.tolerance([np.dtype("float32")]) == (1e-3, 1e-7)
    rtol, atol = conf.tolerance([np.dtype("float32"), np.dtype("float16")])
    assert rtol > 1e-3 and atol > 1e-7


def test_report(tmp_path):
    results = [
        conf.Result("test_a", "Relu", "PASS", opset=14),
        conf.Result("test_b", "Clip", "SKIP", "Clip bounds min=-1, max=1; "
                    "only none (identity), relu (0, none) and relu6 (0, 6) "
                    "are claimed",
                    skips=(conf.Skip("clip-bounds", "..."),), opset=13),
        conf.Result("test_c", "Gemm", "FAIL", "dnn-run: a | b", opset=13),
    ]
    report = conf.format_report(results, ["Relu", "Clip", "Gemm"])
    assert "**PASS 1, FAIL 1, SKIP 1**" in report
    assert "| test_c | Gemm | 13 | FAIL | dnn-run: a \\| b |" in report
    assert "| clip-bounds | 1 |" in report
    doc = tmp_path / "doc.md"
    doc.write_text(f"# Title\n\nbefore\n\n{conf.REPORT_BEGIN}\nold\n"
                   f"{conf.REPORT_END}\n\nafter\n")
    conf.write_report(doc, report)
    text = doc.read_text()
    assert text.startswith("# Title\n\nbefore\n\n")
    assert text.endswith(f"{conf.REPORT_END}\n\nafter\n")
    assert "old" not in text and report in text
    fresh = tmp_path / "fresh.md"
    conf.write_report(fresh, report)
    assert report in fresh.read_text()
