"""ONNX backend node-test conformance of the dnn-mlir flow.

The onnx wheel ships the generators of its backend node tests
(onnx/backend/test/case/node/*.py) but not their data. This module

1. generates the node tests (model.onnx + test_data_set_*/input_*.pb,
   output_*.pb, the layout of onnx/backend/test/data/node) into a cache
   directory, build/onnx-node-tests by default, regenerated when the onnx
   version changes;
2. lists the tests of the claimed ops (see CLAIMED_OPS) and decides, from the
   model alone, whether a test is inside our claim. A test outside it is a
   SKIP with a precise reason of one of the SKIP_CATEGORIES (an op we do not
   claim, a non-float tensor, a 1-D/3-D convolution or pooling, ...);
3. runs every other test: imports the model with dnn_mlir.importer, converts
   the inputs and outputs of each data set to .npy (onnx.numpy_helper) and
   runs `dnn-run model.mlir --input=... --compare=...` at the tolerance of
   ONNX's backend tests (rtol 1e-3, atol 1e-7; looser for f16/bf16). A test of
   a claimed op in a claimed configuration that does not import, compile or
   match is a FAIL, never a SKIP.

Inputs that only parameterise an op (Reshape's shape, Clip's min/max,
Dropout's ratio/training_mode) are graph inputs in the node tests because the
generator makes every operand one; dnn tensors are float-only and these must
be compile-time constants, so they are turned into initializers holding the
test data's value before importing ("frozen", see PARAMETER_INPUTS).

CLI (from python/, or with PYTHONPATH=python):

    python -m dnn_mlir.conformance [--ops Conv,Gemm] [--report FILE.md]
                                   [--jobs N] [--keep DIR] [--all]

exits 1 if any test FAILs.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import fcntl
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from typing import Iterable, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: The ONNX ops dnn_mlir.importer claims (python/dnn_mlir/importer.py).
CLAIMED_OPS = (
    "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Sigmoid",
    "Tanh", "Gelu", "Add", "Mul", "Transpose", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Flatten", "Reshape", "Concat", "Softmax", "Identity",
    "Dropout", "Constant", "LSTM", "GRU", "RNN",
)

#: Ops claimed for 2-D (NCHW input, rank 4) only. (GlobalAveragePool takes
#: any rank >= 3: dnn.global_avg_pool averages all spatial dimensions.)
SPATIAL_2D_OPS = ("Conv", "MaxPool", "AveragePool")

#: Inputs (by position) that parameterise an op and must be constants; a graph
#: input there is frozen into an initializer with the test data's value.
PARAMETER_INPUTS = {"Reshape": (1,), "Clip": (1, 2), "Dropout": (1, 2),
                    "LSTM": (4,), "GRU": (4,), "RNN": (4,)}

#: The allowed skip categories: everything a SKIP may be about. Each is
#: outside the importer's claim.
SKIP_CATEGORIES = {
    "op-not-claimed": "the model has an op outside CLAIMED_OPS",
    "non-float-dtype": "a graph input or output is not f16/bf16/f32/f64 "
                       "(dnn tensors are float-only)",
    "non-tensor-value": "a graph input or output is a sequence, optional "
                        "or map",
    "dynamic-shape": "a graph input or output is not statically shaped",
    "empty-tensor": "a tensor has a dimension of size 0 (dnn tensors are "
                    "non-empty by definition, DNN_Tensor in DNNOps.td)",
    "not-2d": "a 1-D or 3-D Conv/pooling (only 2-D is claimed)",
    "clip-bounds": "Clip bounds other than none (identity), relu (0, none) "
                   "and relu6 (0, 6)",
    "training-mode": "BatchNormalization/Dropout in training mode (only "
                     "inference is claimed)",
}

#: (rtol, atol) by output element type; the f32/f64 one is ONNX's
#: (TestCase.rtol/atol of every node test).
TOLERANCES = {
    "float64": (1e-3, 1e-7),
    "float32": (1e-3, 1e-7),
    "float16": (4e-3, 1e-3),
    "bfloat16": (3e-2, 1e-2),
}

#: Bumped when the layout of the cache changes.
CACHE_FORMAT = 1

DNN_RUN_TIMEOUT_S = 300


def default_build_dir() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("DNN_BUILD_DIR", ROOT / "build"))
    return build if build.is_absolute() else ROOT / build


def default_cache_dir() -> pathlib.Path:
    return default_build_dir() / "onnx-node-tests"


def default_dnn_run() -> pathlib.Path:
    return default_build_dir() / "bin" / "dnn-run"


# ---------------------------------------------------------------------------
# Generation of the node-test data
# ---------------------------------------------------------------------------

_EXPANDED = re.compile(r"^(?P<base>.+)_expanded(?:_ver\d+)?$")


def _onnx_version() -> str:
    import onnx
    return onnx.__version__


def _write_value(path: pathlib.Path, value, value_info) -> None:
    """Writes one input/output the way onnx.backend.test.cmd_tools does."""
    from onnx import TensorProto, numpy_helper
    t = value_info.type
    if t.HasField("map_type"):
        proto = numpy_helper.from_dict(value, value_info.name)
    elif t.HasField("sequence_type"):
        proto = numpy_helper.from_list(value, value_info.name)
    elif t.HasField("optional_type"):
        proto = numpy_helper.from_optional(value, value_info.name)
    elif isinstance(value, TensorProto):
        proto = value
    else:
        proto = numpy_helper.from_array(value, value_info.name)
    path.write_bytes(proto.SerializeToString())


def _generate(dest: pathlib.Path) -> dict[str, str]:
    """Writes every ONNX node test under dest; returns {test name: op}.

    The op of a test is the op_type of its single node; for the
    function-expanded variants (`<name>_expanded[_verN]`) it is the op of
    `<name>`. The generators draw from numpy's global random state: it is
    seeded (and restored afterwards) so that the data is reproducible.
    """
    import numpy as np
    from onnx.backend.test.case import node as node_cases

    state = np.random.get_state()
    np.random.seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cases = node_cases.collect_testcases(None)
    finally:
        np.random.set_state(state)

    base_ops = {}
    for case in cases:
        if not _EXPANDED.match(case.name) and len(case.model.graph.node) == 1:
            base_ops[case.name] = case.model.graph.node[0].op_type
    index = {}
    for case in cases:
        if case.kind != "node" or case.model is None:
            continue
        m = _EXPANDED.match(case.name)
        if case.name in base_ops:
            op = base_ops[case.name]
        elif m and m.group("base") in base_ops:
            op = base_ops[m.group("base")]
        else:
            op = case.model.graph.node[0].op_type if case.model.graph.node \
                else "?"
        test_dir = dest / case.name
        test_dir.mkdir(parents=True)
        (test_dir / "model.onnx").write_bytes(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = test_dir / f"test_data_set_{i}"
            ds.mkdir()
            for j, value in enumerate(inputs):
                _write_value(ds / f"input_{j}.pb", value, graph.input[j])
            for j, value in enumerate(outputs):
                _write_value(ds / f"output_{j}.pb", value, graph.output[j])
        index[case.name] = op
    return index


@contextlib.contextmanager
def _locked(path: pathlib.Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_data(cache_dir: pathlib.Path | str | None = None,
                force: bool = False) -> pathlib.Path:
    """Makes sure cache_dir/data holds the node tests of the installed onnx.

    Regenerates them when the stamp (onnx version, cache format) differs or
    force is set; safe against concurrent callers (a lock file, and the data
    is written to a temporary directory that is renamed into place). Returns
    the data directory.
    """
    cache = pathlib.Path(cache_dir) if cache_dir else default_cache_dir()
    data = cache / "data"
    stamp_path = cache / "stamp.json"
    want = {"onnx": _onnx_version(), "format": CACHE_FORMAT}
    with _locked(cache / ".lock"):
        try:
            stamp = json.loads(stamp_path.read_text())
        except (OSError, ValueError):
            stamp = None
        if not force and stamp == want and (data / "index.json").exists():
            return data
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="data.", dir=cache))
        try:
            index = _generate(tmp)
            (tmp / "index.json").write_text(
                json.dumps(index, indent=0, sort_keys=True))
            if data.exists():
                shutil.rmtree(data)
            tmp.rename(data)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        stamp_path.write_text(json.dumps(want))
    return data


# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class NodeTest:
    name: str
    op: str            # the op the test is a test of
    path: pathlib.Path

    def data_sets(self) -> list[pathlib.Path]:
        return sorted((p for p in self.path.glob("test_data_set_*")
                       if p.is_dir()),
                      key=lambda p: int(p.name.rsplit("_", 1)[1]))


def list_tests(ops: Iterable[str] | None = CLAIMED_OPS,
               cache_dir: pathlib.Path | str | None = None) -> list[NodeTest]:
    """The node tests of `ops` (None: all node tests), sorted by op and name."""
    data = ensure_data(cache_dir)
    index = json.loads((data / "index.json").read_text())
    wanted = None if ops is None else set(ops)
    tests = [NodeTest(name, op, data / name) for name, op in index.items()
             if wanted is None or op in wanted]
    return sorted(tests, key=lambda t: (t.op, t.name))


# ---------------------------------------------------------------------------
# .pb -> numpy
# ---------------------------------------------------------------------------

def load_pb(path: pathlib.Path | str, value_info=None):
    """Reads one input_*.pb/output_*.pb: a numpy array for a tensor (or a
    list/dict/optional value for the other kinds, told by value_info)."""
    import onnx
    from onnx import numpy_helper
    raw = pathlib.Path(path).read_bytes()
    t = value_info.type if value_info is not None else None
    if t is not None and t.HasField("sequence_type"):
        proto = onnx.SequenceProto()
        proto.ParseFromString(raw)
        return numpy_helper.to_list(proto)
    if t is not None and t.HasField("optional_type"):
        proto = onnx.OptionalProto()
        proto.ParseFromString(raw)
        return numpy_helper.to_optional(proto)
    if t is not None and t.HasField("map_type"):
        proto = onnx.MapProto()
        proto.ParseFromString(raw)
        return numpy_helper.to_dict(proto)
    proto = onnx.TensorProto()
    proto.ParseFromString(raw)
    return numpy_helper.to_array(proto)


def to_npy_array(array):
    """The array as dnn-run reads it: float16/32/64 stay, bfloat16 travels as
    float32 (docs/dnn-run.md); C order, little-endian."""
    import numpy as np
    a = np.asarray(array)
    if a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    # Not np.ascontiguousarray: it turns a rank-0 array into shape (1,).
    return np.require(a, requirements="C")


def pb_to_npy(pb: pathlib.Path | str, npy: pathlib.Path | str,
              value_info=None) -> None:
    import numpy as np
    np.save(npy, to_npy_array(load_pb(pb, value_info)), allow_pickle=False)


def load_data_set(model, data_set: pathlib.Path):
    """(inputs, outputs) of one test_data_set_* directory, as lists of
    values in the order of the graph's inputs and outputs."""
    n_in = len(list(data_set.glob("input_*.pb")))
    n_out = len(list(data_set.glob("output_*.pb")))
    graph = model.graph
    inputs = [load_pb(data_set / f"input_{j}.pb", graph.input[j])
              for j in range(n_in)]
    outputs = [load_pb(data_set / f"output_{j}.pb", graph.output[j])
               for j in range(n_out)]
    return inputs, outputs


# ---------------------------------------------------------------------------
# The claim: is a test inside it?
# ---------------------------------------------------------------------------

_FLOAT_TYPES = {"FLOAT16", "BFLOAT16", "FLOAT", "DOUBLE"}


@dataclasses.dataclass(frozen=True)
class Skip:
    category: str      # one of SKIP_CATEGORIES
    text: str

    def __post_init__(self):
        assert self.category in SKIP_CATEGORIES, self.category


def _dtype_name(elem_type: int) -> str:
    import onnx
    name = onnx.TensorProto.DataType.Name(elem_type)
    return {"FLOAT": "f32", "DOUBLE": "f64", "FLOAT16": "f16",
            "BFLOAT16": "bf16", "BOOL": "bool"}.get(name, name.lower())


def _kind(t) -> str | None:
    for field, word in (("sequence_type", "a sequence"),
                        ("optional_type", "an optional"),
                        ("map_type", "a map"),
                        ("sparse_tensor_type", "a sparse tensor")):
        if t.HasField(field):
            return word
    return None


def _all_nodes(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.g is not None and attr.HasField("g"):
                yield from _all_nodes(attr.g)
            for g in attr.graphs:
                yield from _all_nodes(g)


def frozen_inputs(model) -> dict[str, tuple[str, int]]:
    """{graph input name: (op, operand index)} of the graph inputs that are
    parameter operands (PARAMETER_INPUTS) of some node."""
    names = {i.name for i in model.graph.input}
    result = {}
    for node in model.graph.node:
        for idx in PARAMETER_INPUTS.get(node.op_type, ()):
            if idx < len(node.input) and node.input[idx] in names:
                result[node.input[idx]] = (node.op_type, idx)
    return result


def freeze(model, inputs: Sequence, names: Iterable[str]):
    """A copy of model where the graph inputs `names` are initializers holding
    their value in `inputs` (values in graph-input order); returns
    (model, remaining input values)."""
    import onnx
    from onnx import numpy_helper
    names = set(names)
    new = onnx.ModelProto()
    new.CopyFrom(model)
    keep_vi, keep_values = [], []
    for vi, value in zip(model.graph.input, inputs):
        if vi.name in names:
            new.graph.initializer.append(
                numpy_helper.from_array(value, vi.name))
        else:
            keep_vi.append(vi)
            keep_values.append(value)
    del new.graph.input[:]
    new.graph.input.extend(keep_vi)
    return new, keep_values


def _constant_values(model, inputs) -> dict:
    """Values known before running: initializers, Constant nodes' value
    attribute and the data of the frozen graph inputs."""
    from onnx import numpy_helper
    values = {t.name: numpy_helper.to_array(t)
              for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(a.t)
    frozen = frozen_inputs(model)
    for vi, value in zip(model.graph.input, inputs):
        if vi.name in frozen:
            values[vi.name] = value
    return values


def _fmt(v) -> str:
    import numpy as np
    v = np.asarray(v)
    if v.size == 1:
        x = v.reshape(()).item()
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x)
    return str(v.tolist())


def classify(model, inputs: Sequence = ()) -> list[Skip]:
    """Why the test (its model and the values of its graph inputs, as in the
    first data set) is outside our claim; [] when it is inside."""
    import numpy as np
    import onnx

    skips: list[Skip] = []
    graph = model.graph

    # Ops.
    unclaimed = []
    for node in _all_nodes(graph):
        domain = node.domain if node.domain not in ("", "ai.onnx") else ""
        name = f"{domain}.{node.op_type}" if domain else node.op_type
        if (domain or node.op_type not in CLAIMED_OPS) and name not in unclaimed:
            unclaimed.append(name)
    if unclaimed:
        skips.append(Skip("op-not-claimed",
                          ("ops " if len(unclaimed) > 1 else "op ")
                          + ", ".join(unclaimed) + " not claimed"))

    frozen = frozen_inputs(model)
    values = _constant_values(model, inputs)

    # Kinds, dtypes and shapes of the graph's interface.
    non_float: dict[str, list[str]] = {}
    for role, vis in (("input", graph.input), ("output", graph.output)):
        for vi in vis:
            t = vi.type
            kind = _kind(t)
            if kind:
                skips.append(Skip("non-tensor-value",
                                  f"non-tensor value: {role} '{vi.name}' is "
                                  f"{kind}"))
                continue
            if role == "input" and vi.name in frozen:
                continue
            tt = t.tensor_type
            dtype = onnx.TensorProto.DataType.Name(tt.elem_type)
            if dtype not in _FLOAT_TYPES:
                non_float.setdefault(_dtype_name(tt.elem_type), []).append(
                    f"{role} '{vi.name}'")
            if not tt.HasField("shape") or any(
                    not d.HasField("dim_value") for d in tt.shape.dim):
                skips.append(Skip("dynamic-shape",
                                  f"dynamic shape: {role} '{vi.name}' has no "
                                  "static shape"))
            elif any(d.dim_value == 0 for d in tt.shape.dim):
                shape = tuple(d.dim_value for d in tt.shape.dim)
                skips.append(Skip("empty-tensor",
                                  f"empty tensor: {role} '{vi.name}' has "
                                  f"shape {shape}; dnn tensors are "
                                  "non-empty"))

    for dtype, where in non_float.items():
        skips.append(Skip("non-float-dtype",
                          f"non-float dtype {dtype}: {', '.join(where)}"))

    # Configurations of the ops.
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - fall back to the declared shapes
        inferred = model
    ranks = {}
    for vi in (*inferred.graph.input, *inferred.graph.value_info,
               *inferred.graph.output):
        tt = vi.type.tensor_type
        if vi.type.HasField("tensor_type") and tt.HasField("shape"):
            ranks[vi.name] = len(tt.shape.dim)
    for name, value in values.items():
        ranks.setdefault(name, np.ndim(value))

    for node in graph.node:
        op = node.op_type
        attrs = {a.name: onnx.helper.get_attribute_value(a)
                 for a in node.attribute}
        if op in SPATIAL_2D_OPS and node.input and node.input[0] in ranks:
            rank = ranks[node.input[0]]
            if rank != 4:
                what = f"{rank - 2}-D" if rank >= 3 else f"rank-{rank}"
                skips.append(Skip("not-2d",
                                  f"{what} {op} (input rank {rank}); only "
                                  "2-D Conv/pooling is claimed"))
        if op == "Clip":
            lo = hi = None
            if "min" in attrs:      # Clip-1/6: attributes
                lo = attrs["min"]
            if "max" in attrs:
                hi = attrs["max"]
            if len(node.input) > 1 and node.input[1]:
                lo = values.get(node.input[1], "?")
            if len(node.input) > 2 and node.input[2]:
                hi = values.get(node.input[2], "?")

            fmax = float(np.finfo(np.float32).max)

            def bound(v, sign):
                """A float, None (absent or past +-FLT_MAX) or a string
                saying why it is not a constant scalar."""
                if v is None or isinstance(v, str):
                    return None if v is None else "non-constant"
                if np.size(v) != 1:
                    return f"shape {list(np.shape(v))}"
                x = float(np.asarray(v, dtype=np.float64).reshape(()))
                return None if sign * x >= fmax else x
            lo, hi = bound(lo, -1), bound(hi, 1)
            if (lo, hi) not in ((None, None), (0.0, None), (0.0, 6.0)):
                def show(v):
                    return ("none" if v is None else v if isinstance(v, str)
                            else _fmt(v))
                skips.append(Skip("clip-bounds",
                                  f"Clip bounds min={show(lo)}, "
                                  f"max={show(hi)}; only none (identity), "
                                  "relu (0, none) and relu6 (0, 6) are "
                                  "claimed"))
        if op == "BatchNormalization" and attrs.get("training_mode", 0):
            skips.append(Skip("training-mode",
                              "BatchNormalization training_mode=1 (batch "
                              "statistics, 3 outputs); only inference is "
                              "claimed"))
        if op == "Dropout" and len(node.input) > 2 and node.input[2]:
            t = values.get(node.input[2])
            if t is None or bool(np.asarray(t)):
                skips.append(Skip("training-mode",
                                  "Dropout training_mode="
                                  + ("True" if t is not None else
                                     "non-constant")
                                  + "; only inference is claimed"))
    # One skip per text, in order.
    seen, out = set(), []
    for s in skips:
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    name: str
    op: str
    status: str                        # PASS, FAIL or SKIP
    reason: str = ""
    skips: tuple[Skip, ...] = ()
    opset: int | None = None          # the model's ai.onnx opset
    seconds: float = 0.0

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(s.category for s in self.skips)


_import_lock = threading.Lock()


def default_importer(model) -> str:
    """dnn_mlir.importer.import_model, one call at a time (the importer is
    not promised to be thread-safe)."""
    from dnn_mlir.importer import import_model  # noqa: PLC0415
    with _import_lock:
        return import_model(model)


def _opset(model) -> int | None:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return None


def tolerance(output_dtypes: Iterable) -> tuple[float, float]:
    """The loosest tolerance among the outputs' dtypes."""
    rtol, atol = TOLERANCES["float32"]
    for dt in output_dtypes:
        r, a = TOLERANCES.get(str(dt), TOLERANCES["float32"])
        rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _dnn_run_reason(proc) -> str:
    lines = (proc.stdout + "\n" + proc.stderr).splitlines()
    mism = [l.strip() for l in lines if "MISMATCH" in l]
    if mism:
        return "dnn-run: " + "; ".join(mism)
    errs = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
    errs = [l if l.startswith("dnn-run:") else "dnn-run: " + l for l in errs]
    for l in errs:
        if "error" in l:
            return l
    if errs:
        return errs[0]
    if proc.returncode < 0:
        return f"dnn-run: killed by signal {-proc.returncode}"
    return f"dnn-run: exit status {proc.returncode}"


def run_test(test: NodeTest, dnn_run: pathlib.Path | str | None = None,
             keep_dir: pathlib.Path | str | None = None,
             importer=None) -> Result:
    """Classifies and, inside the claim, runs one node test. importer(model)
    returns the MLIR text of an onnx.ModelProto (default:
    dnn_mlir.importer.import_model)."""
    import onnx
    start = time.monotonic()
    result = Result(test.name, test.op, "FAIL")
    try:
        _run_test(test, dnn_run or default_dnn_run(), keep_dir,
                  importer or default_importer, result, onnx)
    except Exception as e:  # noqa: BLE001 - reported as the FAIL reason
        result.status, result.reason = "FAIL", _one_line(
            f"harness: {type(e).__name__}: {e}")
    result.seconds = time.monotonic() - start
    return result


def _run_test(test, dnn_run, keep_dir, importer, result, onnx):
    model = onnx.load(str(test.path / "model.onnx"))
    result.opset = _opset(model)
    data_sets = test.data_sets()
    if not data_sets:
        raise RuntimeError("no test_data_set_* directory")
    first_inputs, _ = _safe_inputs(model, data_sets[0])
    skips = classify(model, first_inputs)
    if skips:
        result.status = "SKIP"
        result.skips = tuple(skips)
        result.reason = "; ".join(s.text for s in skips)
        return
    frozen = frozen_inputs(model)
    with contextlib.ExitStack() as stack:
        if keep_dir:
            work = pathlib.Path(keep_dir) / test.name
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
        else:
            work = pathlib.Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix=f"{test.name}.")))
        mlir_cache = {}
        for ds in data_sets:
            inputs, outputs = load_data_set(model, ds)
            run_model, run_inputs = freeze(model, inputs, frozen)
            key = run_model.SerializeToString()
            if key not in mlir_cache:
                try:
                    mlir_cache[key] = importer(run_model)
                except (Exception, SystemExit) as e:  # noqa: BLE001
                    result.status = "FAIL"
                    result.reason = _one_line(
                        f"import: {type(e).__name__}: {e}")
                    return
            dsw = work / ds.name
            dsw.mkdir()
            mlir = dsw / "model.mlir"
            mlir.write_text(mlir_cache[key])
            args = [str(dnn_run), str(mlir)]
            import numpy as np
            for j, value in enumerate(run_inputs):
                p = dsw / f"input_{j}.npy"
                np.save(p, to_npy_array(value), allow_pickle=False)
                args.append(f"--input={p}")
            dtypes = []
            for j, value in enumerate(outputs):
                p = dsw / f"output_{j}.npy"
                arr = to_npy_array(value)
                dtypes.append(np.asarray(value).dtype)
                np.save(p, arr, allow_pickle=False)
                args.append(f"--compare={p}")
            rtol, atol = tolerance(dtypes)
            args += [f"--rtol={rtol:g}", f"--atol={atol:g}"]
            (dsw / "command.txt").write_text(" ".join(args) + "\n")
            try:
                proc = subprocess.run(args, capture_output=True, text=True,
                                      timeout=DNN_RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                result.status = "FAIL"
                result.reason = f"dnn-run: timed out after {DNN_RUN_TIMEOUT_S} s"
                return
            (dsw / "dnn-run.log").write_text(proc.stdout + proc.stderr)
            if proc.returncode != 0:
                result.status = "FAIL"
                result.reason = _one_line(_dnn_run_reason(proc))
                return
            matched = len(re.findall(r"^out\d+: match", proc.stdout, re.M))
            if matched != len(outputs):
                result.status = "FAIL"
                result.reason = (f"dnn-run compared {matched} of "
                                 f"{len(outputs)} outputs (@main has "
                                 "fewer results than the graph outputs?)")
                return
    result.status, result.reason = "PASS", ""


def _safe_inputs(model, ds):
    """The first data set's input values, None for ones that cannot be read
    as values (only used for classification)."""
    n_in = len(list(ds.glob("input_*.pb")))
    values = []
    for j in range(n_in):
        vi = model.graph.input[j] if j < len(model.graph.input) else None
        try:
            values.append(load_pb(ds / f"input_{j}.pb", vi))
        except Exception:  # noqa: BLE001
            values.append(None)
    return values, None


def run_tests(tests: Sequence[NodeTest], jobs: int = 2,
              dnn_run: pathlib.Path | str | None = None,
              keep_dir: pathlib.Path | str | None = None,
              progress=None, importer=None) -> list[Result]:
    """Runs the tests on `jobs` threads (the work is the dnn-run
    subprocesses); results in the order of `tests`. progress(result) is
    called as each one finishes."""
    results: dict[str, Result] = {}
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = {pool.submit(run_test, t, dnn_run, keep_dir, importer): t
                   for t in tests}
        for fut in concurrent.futures.as_completed(futures):
            r = fut.result()
            results[r.name] = r
            if progress:
                progress(r)
    return [results[t.name] for t in tests]


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

REPORT_BEGIN = "<!-- conformance-report:begin -->"
REPORT_END = "<!-- conformance-report:end -->"


def summary_counts(results: Sequence[Result]) -> dict:
    status = Counter(r.status for r in results)
    by_cat = Counter(c for r in results if r.status == "SKIP"
                     for c in r.categories[:1])
    return {"PASS": status["PASS"], "FAIL": status["FAIL"],
            "SKIP": status["SKIP"], "skip_by_category": dict(by_cat)}


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_report(results: Sequence[Result], ops: Iterable[str]) -> str:
    """The markdown report: summary, counts by skip category and the table
    (test, op, result, reason)."""
    import onnx
    c = summary_counts(results)
    lines = [
        f"onnx {onnx.__version__}: {len(results)} node tests of "
        f"{len(set(r.op for r in results))} ops "
        f"({', '.join(sorted(set(ops)))}).",
        "",
        f"**PASS {c['PASS']}, FAIL {c['FAIL']}, SKIP {c['SKIP']}**",
        "",
    ]
    if c["skip_by_category"]:
        lines += ["| skip category (first reason) | tests | meaning |",
                  "|---|---|---|"]
        for cat, n in sorted(c["skip_by_category"].items(),
                             key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {cat} | {n} | {SKIP_CATEGORIES[cat]} |")
        lines.append("")
    lines += ["| test | op | opset | result | reason |",
              "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.op} | {r.opset or ''} | {r.status} | "
                     f"{_md_escape(r.reason)} |")
    return "\n".join(lines) + "\n"


def write_report(path: pathlib.Path | str, report: str) -> None:
    """Writes the report to path; a file that already has the
    REPORT_BEGIN/REPORT_END markers keeps everything outside them."""
    path = pathlib.Path(path)
    block = f"{REPORT_BEGIN}\n{report}{REPORT_END}"
    if path.exists():
        old = path.read_text()
        b, e = old.find(REPORT_BEGIN), old.find(REPORT_END)
        if 0 <= b < e:
            path.write_text(old[:b] + block + old[e + len(REPORT_END):])
            return
    path.write_text("# ONNX node-test conformance report\n\n" + block + "\n")


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m dnn_mlir.conformance",
        description="Runs the ONNX backend node tests of the claimed ops "
                    "through dnn_mlir.importer and dnn-run.")
    p.add_argument("--ops", help="comma-separated ops whose node tests to "
                   "list (default: all claimed ops)")
    p.add_argument("--all", action="store_true",
                   help="list every ONNX node test (the ones of unclaimed "
                   "ops are skips)")
    p.add_argument("--tests", help="comma-separated test names or regular "
                   "expressions (re.fullmatch) to keep")
    p.add_argument("--report", metavar="FILE.md",
                   help="write the markdown report (between the "
                   "conformance-report markers if FILE has them)")
    p.add_argument("--jobs", "-j", type=int, default=2,
                   help="tests run in parallel (default 2)")
    p.add_argument("--cache-dir", type=pathlib.Path,
                   help="where the generated node tests live (default "
                   "build/onnx-node-tests)")
    p.add_argument("--dnn-run", type=pathlib.Path,
                   help="the dnn-run binary (default build/bin/dnn-run)")
    p.add_argument("--keep", metavar="DIR", type=pathlib.Path,
                   help="keep each test's model.mlir, .npy files, command "
                   "and dnn-run log under DIR/<test>/")
    p.add_argument("--regenerate", action="store_true",
                   help="regenerate the node-test data")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print only FAILs and the summary")
    args = p.parse_args(argv)

    if args.regenerate:
        ensure_data(args.cache_dir, force=True)
    if args.all:
        ops = None
    elif args.ops:
        ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    else:
        ops = list(CLAIMED_OPS)
    tests = list_tests(ops, args.cache_dir)
    if args.tests:
        pats = [re.compile(t.strip()) for t in args.tests.split(",")
                if t.strip()]
        tests = [t for t in tests if any(pt.fullmatch(t.name) for pt in pats)]
    dnn_run = args.dnn_run or default_dnn_run()
    if not pathlib.Path(dnn_run).exists():
        print(f"dnn-conformance: error: {dnn_run} not found (build it with "
              "ninja -C build)", file=sys.stderr)
        return 2
    start = time.monotonic()

    def progress(r: Result):
        if args.quiet and r.status != "FAIL":
            return
        line = f"{r.status:4} {r.name} ({r.op}, {r.seconds:.2f} s)"
        if r.reason:
            line += f": {r.reason}"
        print(line, flush=True)

    results = run_tests(tests, args.jobs, dnn_run, args.keep, progress)
    wall = time.monotonic() - start
    c = summary_counts(results)
    cats = ", ".join(f"{k} {v}" for k, v in sorted(
        c["skip_by_category"].items(), key=lambda kv: (-kv[1], kv[0])))
    print(f"\n{len(results)} tests: PASS {c['PASS']}, FAIL {c['FAIL']}, "
          f"SKIP {c['SKIP']}" + (f" ({cats})" if cats else "")
          + f" in {wall:.1f} s with {args.jobs} jobs")
    if args.report:
        report_ops = sorted({t.op for t in tests}) if ops is None else ops
        write_report(args.report, format_report(results, report_ops))
        print(f"report written to {args.report}")
    return 1 if c["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
