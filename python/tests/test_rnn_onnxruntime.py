"""Recurrent layers (ONNX LSTM / GRU / RNN) imported by dnn_mlir.importer
and run on the CPU path with dnn-run, against onnxruntime on the same
inputs: every output (Y, Y_h, Y_c).

DeepBench-shaped layers (dnn_mlir.models: the inference-server hidden sizes
at small T) and single nodes covering what the ONNX backend node tests do
not: GRU with linear_before_reset, bidirectional layers with initial states
and peepholes, clip, input_forget, activations with alpha/beta, layout 1.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import importer, models  # noqa: E402

F32 = TensorProto.FLOAT


def _ort(model, feeds):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _run_both(model, dnn_run, tmp_path, seed=0):
    onnx.checker.check_model(model, full_check=True)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    refs = _ort(model, {model.graph.input[0].name: x})
    return _dnn_outputs(importer.import_model(model), x, dnn_run, tmp_path,
                        len(refs)), refs


def _dnn_outputs(text, x, dnn_run, tmp_path, outputs):
    """dnn-run of the MLIR `text` on input `x`: its first `outputs` arrays."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    mlir = tmp_path / "model.mlir"
    mlir.write_text(text)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out"
    r = subprocess.run([dnn_run, str(mlir), f"--input={tmp_path / 'x.npy'}",
                        f"--output-dir={out}"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return [np.load(out / f"out{i}.npy") for i in range(outputs)]


def _check(gots, refs, what, rtol=1e-4, atol=1e-5):
    assert len(gots) == len(refs)
    for i, (got, ref) in enumerate(zip(gots, refs)):
        assert got.shape == ref.shape, (what, i, got.shape, ref.shape)
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol,
                                   err_msg=f"{what}: output {i}")


DEEPBENCH = [
    ("lstm_h512_b1", models.lstm, dict(hidden=512, steps=4, batch=1)),
    ("lstm_h1024_b4", models.lstm, dict(hidden=1024, steps=3, batch=4)),
    ("gru_h512_b2", models.gru, dict(hidden=512, steps=4, batch=2)),
    ("gru_h1024_b1", models.gru, dict(hidden=1024, steps=3, batch=1)),
]


@pytest.mark.parametrize("case", DEEPBENCH, ids=[c[0] for c in DEEPBENCH])
def test_deepbench_shapes(case, dnn_run, tmp_path):
    name, build, kwargs = case
    gots, refs = _run_both(build(**kwargs), dnn_run, tmp_path)
    _check(gots, refs, name)


def _node_model(op, hidden, steps, batch, inputs, attrs, seed,
                initializers=(), layout=0):
    """One recurrent node; `inputs` names W, R and the optional operands as
    (ONNX input index, name, shape)."""
    rng = np.random.default_rng(seed)
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    names = [""] * 8
    names[0] = "x"
    inits = []
    for idx, name, shape in inputs:
        names[idx] = name
        inits.append(helper.make_tensor(
            name, F32, shape, rng.uniform(-0.5, 0.5, shape).astype(
                np.float32).ravel().tolist()))
    inits += list(initializers)
    while names and names[-1] == "":
        names.pop()
    outputs = ["y", "y_h"] + (["y_c"] if op == "LSTM" else [])
    x_shape = [batch, steps, 4] if layout else [steps, batch, 4]
    y_shape = ([batch, steps, dirs, hidden] if layout
               else [steps, dirs, batch, hidden])
    s_shape = [batch, dirs, hidden] if layout else [dirs, batch, hidden]
    graph = helper.make_graph(
        [helper.make_node(op, names, outputs, name=f"{op.lower()}0",
                          hidden_size=hidden, layout=layout, **attrs)],
        "g", [helper.make_tensor_value_info("x", F32, x_shape)],
        [helper.make_tensor_value_info(o, F32, y_shape if o == "y" else s_shape)
         for o in outputs], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                             ir_version=8)


def _operands(op, hidden, dirs, batch, optional):
    g = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    ops = [(1, "W", [dirs, g * hidden, 4]), (2, "R", [dirs, g * hidden, hidden])]
    if "bias" in optional:
        ops.append((3, "B", [dirs, 2 * g * hidden]))
    if "h0" in optional:
        ops.append((5, "h0", [dirs, batch, hidden]))
    if "c0" in optional:
        ops.append((6, "c0", [dirs, batch, hidden]))
    if "peephole" in optional:
        ops.append((7, "P", [dirs, 3 * hidden]))
    return ops


NODES = [
    ("lstm_bidir_full", "LSTM", dict(direction="bidirectional"),
     ("bias", "h0", "c0", "peephole")),
    ("lstm_reverse_clip_forget", "LSTM",
     dict(direction="reverse", clip=0.3, input_forget=1), ("bias",)),
    ("lstm_activations", "LSTM",
     dict(activations=["HardSigmoid", "LeakyRelu", "ScaledTanh"],
          activation_alpha=[0.3, 0.05, 0.9], activation_beta=[0.4, 1.2]),
     ("bias", "h0")),
    ("gru_lbr_bidir", "GRU",
     dict(direction="bidirectional", linear_before_reset=1), ("bias", "h0")),
    ("gru_lbr_reverse", "GRU", dict(direction="reverse", linear_before_reset=1),
     ("bias",)),
    ("gru_no_lbr_activations", "GRU",
     dict(activations=["Sigmoid", "Softsign"]), ("bias", "h0")),
    ("gru_elu_affine", "GRU",
     dict(activations=["Affine", "Elu"], activation_alpha=[0.5, 0.7],
          activation_beta=[0.25]), ("bias",)),
    ("rnn_relu_bidir", "RNN",
     dict(direction="bidirectional", activations=["Relu", "Softplus"]),
     ("bias", "h0")),
    ("rnn_thresholded", "RNN",
     dict(activations=["ThresholdedRelu"], activation_alpha=[0.1]), ("bias",)),
]


@pytest.mark.parametrize("case", NODES, ids=[c[0] for c in NODES])
@pytest.mark.parametrize("layout", [0, 1])
def test_node_variants(case, layout, dnn_run, tmp_path):
    """Layout 1 (batch-major; onnxruntime's CPU kernels refuse it) is
    compared with onnxruntime on the same layer in layout 0."""
    name, op, attrs, optional = case
    hidden, steps, batch = 5, 4, 3
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    ops = _operands(op, hidden, dirs, batch, optional)
    model = _node_model(op, hidden, steps, batch, ops, attrs, seed=len(name))
    onnx.checker.check_model(model, full_check=True)
    x = np.random.default_rng(3).standard_normal(
        (steps, batch, 4)).astype(np.float32)
    refs = _ort(model, {"x": x})
    if layout == 0:
        gots = _dnn_outputs(importer.import_model(model), x, dnn_run,
                            tmp_path, len(refs))
    else:
        batchwise = _node_model(op, hidden, steps, batch, ops, attrs,
                                seed=len(name), layout=1)
        for init in batchwise.graph.initializer:
            if init.name in ("h0", "c0"):
                arr = onnx.numpy_helper.to_array(init).transpose(1, 0, 2)
                init.CopyFrom(onnx.numpy_helper.from_array(
                    np.ascontiguousarray(arr), init.name))
        onnx.checker.check_model(batchwise, full_check=True)
        gots = _dnn_outputs(importer.import_model(batchwise),
                            np.ascontiguousarray(x.transpose(1, 0, 2)),
                            dnn_run, tmp_path, len(refs))
        gots = [gots[0].transpose(1, 2, 0, 3)] + [
            g.transpose(1, 0, 2) for g in gots[1:]]
    _check(gots, refs, f"{name} layout {layout}")


def test_reference_can_fail(dnn_run, tmp_path):
    """The comparison is sensitive: GRU's two reset modes differ."""
    hidden, steps, batch = 5, 4, 3
    ops = _operands("GRU", hidden, 1, batch, ("bias",))
    x = np.random.default_rng(3).standard_normal(
        (steps, batch, 4)).astype(np.float32)
    lbr1 = _node_model("GRU", hidden, steps, batch, ops,
                       dict(linear_before_reset=1), seed=1)
    lbr0 = _node_model("GRU", hidden, steps, batch, ops,
                       dict(linear_before_reset=0), seed=1)
    refs = _ort(lbr1, {"x": x})
    gots = _dnn_outputs(importer.import_model(lbr1), x, dnn_run, tmp_path,
                        len(refs))
    _check(gots, refs, "lbr=1")
    with pytest.raises(AssertionError):
        _check(gots, _ort(lbr0, {"x": x}), "lbr=1 against lbr=0")


@pytest.mark.parametrize("level", ["unfused", "hoisted", "persistent"])
@pytest.mark.parametrize("case", DEEPBENCH[:3], ids=[c[0] for c in DEEPBENCH[:3]])
def test_fusion_levels_match_onnxruntime(case, level, dnn_opt, dnn_run,
                                         tmp_path):
    """Every dnn-fuse-rnn level's CPU form (the structure the level
    records) matches onnxruntime on the DeepBench-shaped layers."""
    name, build, kwargs = case
    model = build(**kwargs)
    x = np.random.default_rng(1).standard_normal(
        [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    ).astype(np.float32)
    refs = _ort(model, {"input": x})
    src = tmp_path / "model.mlir"
    src.write_text(importer.import_model(model))
    fused = tmp_path / "fused.mlir"
    r = subprocess.run([dnn_opt, str(src), "--dnn-attach-target=gpu=h100",
                        f"--dnn-fuse-rnn=level={level}", "-o", str(fused)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f'dnn.rnn_fusion = "{level}"' in fused.read_text()
    gots = _dnn_outputs(fused.read_text(), x, dnn_run, tmp_path / "run",
                        len(refs))
    _check(gots, refs, f"{name} at {level}")


LENS_CASES = [("LSTM", "forward"), ("LSTM", "bidirectional"), ("GRU", "reverse"),
              ("RNN", "bidirectional")]


@pytest.mark.parametrize("level", ["unfused", "hoisted"])
@pytest.mark.parametrize("op,direction", LENS_CASES,
                         ids=[f"{o}-{d}" for o, d in LENS_CASES])
def test_sequence_lens(op, direction, level, dnn_opt, dnn_run, tmp_path):
    """Per-batch lengths (ONNX semantics: Y zero past a sequence's end, Y_h
    its last state, reverse runs from its own end) against onnxruntime, at
    both CPU loop structures."""
    hidden, steps, batch = 5, 6, 3
    dirs = 2 if direction == "bidirectional" else 1
    lens = helper.make_tensor("L", TensorProto.INT32, [batch], [6, 2, 4])
    ops = _operands(op, hidden, dirs, batch, ("bias", "h0"))
    model = _node_model(op, hidden, steps, batch, ops,
                        dict(direction=direction), seed=7,
                        initializers=[lens])
    node = model.graph.node[0]
    names = list(node.input) + [""] * (8 - len(node.input))
    names[4] = "L"
    while names[-1] == "":
        names.pop()
    del node.input[:]
    node.input.extend(names)
    onnx.checker.check_model(model, full_check=True)
    x = np.random.default_rng(5).standard_normal(
        (steps, batch, 4)).astype(np.float32)
    refs = _ort(model, {"x": x})
    text = importer.import_model(model)
    assert "lens %" in text
    src = tmp_path / "m.mlir"
    src.write_text(text)
    fused = tmp_path / "fused.mlir"
    r = subprocess.run([dnn_opt, str(src), "--dnn-attach-target=gpu=h100",
                        f"--dnn-fuse-rnn=level={level}", "-o", str(fused)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    gots = _dnn_outputs(fused.read_text(), x, dnn_run, tmp_path / "run",
                        len(refs))
    _check(gots, refs, f"{op} {direction} {level} with sequence_lens")
    # The lengths matter: Y is zero past entry 1's length 2.
    assert np.all(refs[0][2:, :, 1, :] == 0)
