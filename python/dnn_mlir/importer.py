"""ONNX importer: an ONNX model to a module in the dnn dialect.

    dnn-import model.onnx -o model.mlir [--input-shape input=1,3,224,224]
    python -m dnn_mlir.importer model.onnx -o -        # MLIR on stdout

or, as a library,

    from dnn_mlir.importer import import_model, import_to_file
    text = import_model("model.onnx")                  # or an onnx.ModelProto
    import_to_file(model, "model.mlir", input_shapes={"input": [1, 3, 224, 224]})

The result is one `func.func @main` whose arguments are the graph inputs that
are not initializers and whose results are the graph outputs, both in ONNX
order. Initializers and Constant tensors become `dnn.constant
dense_resource<KEY>` blobs in the module's `dialect_resources` section
(written straight from the tensors' bytes, so large models import fast);
small parameter tensors that the dialect takes as attributes (Reshape
shapes, Clip bounds) are read, never emitted. Every op carries its ONNX
node's name as location, `loc("layer1.0.conv1")` (`<op_type>_<index>` for a
node without a name); the extra ops of a node that becomes several dnn ops
have a fused location `loc(fused<"what">["name"])`, which dnn-opt's report
also names after the node.

Shapes come from ONNX shape inference (strict mode, data propagation) and
are checked against the importer's own shape rules, which are those of the
dnn ops. Integer-valued side computations (Shape -> Gather -> Concat ->
Reshape, as PyTorch exports `x.view(x.size(0), -1)`) are evaluated at import
time. Values and nodes that no graph output depends on are dropped.

Every expected failure (unsupported op or attribute, dynamic shape, integer
tensor, malformed file, ...) raises `OnnxImportError`, whose message names the
node: `node 'Resize_12' (Resize): operator Resize is not supported`. The
command line prints it as `dnn-import: error: ...` and exits with status 1.
docs/importer.md lists the supported ops and attributes.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import pathlib
import re
import sys
import time
import uuid
from typing import Callable, Iterable, Iterator, Mapping, Sequence, Union

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["OnnxImportError", "import_model", "import_to_file", "main",
           "SUPPORTED_OPS"]

ModelLike = Union[str, os.PathLike, onnx.ModelProto]

#: Oldest default-domain opset the importer accepts.
MIN_OPSET = 7

#: ONNX element types the dnn dialect has, with their MLIR spelling.
_MLIR_TYPE = {
    TensorProto.FLOAT: "f32",
    TensorProto.FLOAT16: "f16",
    TensorProto.BFLOAT16: "bf16",
    TensorProto.DOUBLE: "f64",
}
_ITEMSIZE = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}
# The bit patterns of each float type, as unsigned integers.
_BITS_DTYPE = {"f32": "<u4", "f16": "<u2", "bf16": "<u2", "f64": "<u8"}


#: The largest tensor the dnn dialect has (its types' verifier): 2^48 bytes.
MAX_TENSOR_BYTES = 1 << 48


def _too_large(shape: Sequence[int], dtype: str) -> str | None:
    """Why a tensor of this shape is too large for dnn, or None."""
    size = math.prod(shape) * _ITEMSIZE[dtype]
    if size <= MAX_TENSOR_BYTES:
        return None
    return (f"{size} bytes, more than the dnn dialect's limit of 2^48 "
            f"(shape {list(shape)} of {dtype})")


class OnnxImportError(Exception):
    """An ONNX model the importer cannot translate; the message says why
    (and names the node where there is one)."""


# ----------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------

def _elem_name(elem: int) -> str:
    """'float32', 'int64', ... for an ONNX element type."""
    names = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64"}
    if elem in names:
        return names[elem]
    try:
        return TensorProto.DataType.Name(elem).lower()
    except ValueError:
        return f"type {elem}"


def _tensor_type(shape: Sequence[int], dtype: str) -> str:
    return "tensor<" + "".join(f"{int(d)}x" for d in shape) + dtype + ">"


def _i64_array(values: Iterable[int]) -> str:
    return "array<i64: " + ", ".join(str(int(v)) for v in values) + ">"


def _mlir_string(text: str) -> str:
    """An MLIR string literal (quotes included) holding `text`."""
    out = []
    for byte in text.encode("utf-8"):
        c = chr(byte)
        if c in '"\\' or byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:02X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _comment_text(text: str) -> str:
    """`text` for a `//` comment: control characters (a newline would end
    the comment and start MLIR) escaped as `\\xNN`."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}",
                  text)


def _float_literal(value: float) -> str:
    """A float literal that MLIR parses back to the same double."""
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {value}")
    text = repr(float(value))
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    elif "." not in text and "e" not in text:
        text += ".0"
    return text


def _broadcast(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...] | None:
    """NumPy broadcast of two shapes, or None if they do not broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


_KEY_BAD = re.compile(r"[^A-Za-z0-9_.]")
_SSA_BAD = re.compile(r"[^A-Za-z0-9_.$-]")


class _Names:
    """Unique identifiers made from ONNX names."""

    def __init__(self, bad: re.Pattern, fallback: str):
        self.bad = bad
        self.fallback = fallback
        self.used: set[str] = set()

    def make(self, hint: str) -> str:
        base = self.bad.sub("_", hint) or self.fallback
        if not (base[0].isalpha() or base[0] == "_"):
            base = "_" + base
        name, n = base, 0
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name


# ----------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------

class _Tensor:
    """A value of the emitted function: its SSA name, shape and MLIR type."""
    __slots__ = ("ssa", "shape", "dtype")

    def __init__(self, ssa: str, shape: Sequence[int], dtype: str):
        self.ssa = ssa
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype

    @property
    def type(self) -> str:
        return _tensor_type(self.shape, self.dtype)

    @property
    def rank(self) -> int:
        return len(self.shape)


class _Const:
    """A value known at import time: an initializer, a Constant node's tensor
    or a folded result. Materialised as a dnn.constant on its first use as
    an operand (and only then)."""
    __slots__ = ("name", "proto", "_array", "shape", "elem", "tensor")

    def __init__(self, name: str, proto: TensorProto | None = None,
                 array: np.ndarray | None = None):
        self.name = name
        self.proto = proto
        self._array = None if array is None else np.asarray(array)
        if proto is not None:
            self.elem = proto.data_type
            self.shape = tuple(int(d) for d in proto.dims)
        else:
            self.elem = _np_to_elem(self._array.dtype)
            self.shape = tuple(self._array.shape)
        self.tensor: _Tensor | None = None

    def array(self) -> np.ndarray:
        if self._array is None:
            _check_not_external(self.proto, self.name)
            try:
                self._array = numpy_helper.to_array(self.proto)
            except Exception as exc:  # malformed tensor data
                raise OnnxImportError(
                    f"tensor '{self.name}' cannot be read: {exc}") from None
        return self._array

    def raw_bytes(self, dtype: str) -> bytes:
        """The little-endian bytes of the data (float types only)."""
        count = math.prod(self.shape)
        expected = count * _ITEMSIZE[dtype]
        if self._array is None:
            p = self.proto
            _check_not_external(p, self.name)
            if p.raw_data:
                data = p.raw_data
            elif dtype == "f32":
                data = np.asarray(p.float_data, dtype="<f4").tobytes()
            elif dtype == "f64":
                data = np.asarray(p.double_data, dtype="<f8").tobytes()
            else:  # f16/bf16 bit patterns in int32_data
                data = np.asarray(p.int32_data, dtype=np.int64).astype(
                    "<u2").tobytes()
        else:
            arr = np.ascontiguousarray(self._array)
            if sys.byteorder != "little":
                arr = arr.byteswap()
            data = arr.tobytes()
        if len(data) != expected:
            raise OnnxImportError(
                f"tensor '{self.name}' holds {len(data)} bytes of data, "
                f"expected {expected} for shape {list(self.shape)} of "
                f"{_elem_name(self.elem)}")
        return data


def _np_to_elem(dtype: np.dtype) -> int:
    try:
        return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    except Exception:
        return TensorProto.UNDEFINED


def _np_dtype(mlir_dtype: str) -> np.dtype:
    elem = {v: k for k, v in _MLIR_TYPE.items()}[mlir_dtype]
    return np.dtype(helper.tensor_dtype_to_np_dtype(elem))


def _check_not_external(proto: TensorProto, name: str) -> None:
    if proto.data_location == TensorProto.EXTERNAL:
        where = next((e.value for e in proto.external_data
                      if e.key == "location"), "?")
        raise OnnxImportError(
            f"tensor '{name}' keeps its data in an external file ('{where}') "
            "that was not loaded; pass the model's path (its external data "
            "is read from the model's directory) or load it with "
            "onnx.load(path)")


#: Element types packed below one byte: their data sizes are not checked.
_SUB_BYTE = {getattr(TensorProto, n) for n in (
    "INT4", "UINT4", "FLOAT4E2M1", "INT2", "UINT2", "FLOAT6E2M3",
    "FLOAT6E3M2") if hasattr(TensorProto, n)}


def _data_bytes(t: TensorProto) -> int | None:
    """How many bytes of raw data tensor `t` holds by its type and shape
    (None where that is not known: strings, sub-byte types)."""
    if t.data_type == TensorProto.STRING or t.data_type in _SUB_BYTE:
        return None
    size = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    return math.prod(t.dims) * size


def _check_tensor(t: TensorProto, what: str) -> None:
    """Rejects a tensor whose element type, shape or amount of data is
    malformed (before anything reads it, so a shape of 10^12 elements
    allocates nothing). `what` names it: "initializer 'w'"."""
    elem = t.data_type
    if elem == TensorProto.UNDEFINED:
        raise OnnxImportError(f"{what} has an undefined element type "
                              "(data_type 0)")
    if elem not in TensorProto.DataType.values():
        raise OnnxImportError(f"{what} has an unknown element type "
                              f"(data_type {elem})")
    dims = [int(d) for d in t.dims]
    if any(d < 0 for d in dims):
        raise OnnxImportError(f"{what} has a negative dimension in its shape "
                              f"{dims}")
    if t.data_location == TensorProto.EXTERNAL:
        return  # checked when it is loaded (or reported where it is used)
    count = math.prod(dims)
    shown = f"for shape {dims} of {_elem_name(elem)}"
    if t.HasField("raw_data"):  # as numpy_helper.to_array decides
        if elem == TensorProto.STRING:
            raise OnnxImportError(f"{what} is a string tensor with raw_data")
        expected = _data_bytes(t)
        have = len(t.raw_data) if expected is not None else None
        if have != expected:
            raise OnnxImportError(f"{what} holds {have} bytes of data, "
                                  f"expected {expected} {shown}")
        return
    if elem in _SUB_BYTE:
        return
    field = helper.tensor_dtype_to_field(elem)
    per = 2 if elem in (TensorProto.COMPLEX64, TensorProto.COMPLEX128) else 1
    have = len(getattr(t, field))
    if have != count * per:
        raise OnnxImportError(f"{what} holds {have} values in {field}, "
                              f"expected {count * per} {shown}")


class _BadInput:
    """A graph input of an element type that dnn does not have (int64, bool):
    an error where it is used as a tensor."""
    __slots__ = ("name", "shape", "elem")

    def __init__(self, name: str, shape: Sequence[int], elem: int):
        self.name = name
        self.shape = tuple(shape)
        self.elem = elem


Value = Union[_Tensor, _Const, _BadInput]


# ----------------------------------------------------------------------------
# Nodes
# ----------------------------------------------------------------------------

class _Node:
    """One ONNX node with its display name, location and attribute access."""

    def __init__(self, proto: onnx.NodeProto, index: int):
        self.proto = proto
        self.index = index
        self.op = proto.op_type
        self.name = proto.name or f"{proto.op_type}_{index}"
        self.attrs = {a.name: a for a in proto.attribute}
        self.loc = f"loc({_mlir_string(self.name)})"

    def aux_loc(self, what: str) -> str:
        """Location of an extra op of this node: fused with a tag."""
        return f"loc(fused<{_mlir_string(what)}>[{_mlir_string(self.name)}])"

    def error(self, message: str) -> OnnxImportError:
        return OnnxImportError(f"node '{self.name}' ({self.op}): {message}")

    def input(self, i: int) -> str | None:
        """Name of input i, None when absent (past the end or empty)."""
        if i < len(self.proto.input) and self.proto.input[i]:
            return self.proto.input[i]
        return None

    def output(self, i: int) -> str | None:
        if i < len(self.proto.output) and self.proto.output[i]:
            return self.proto.output[i]
        return None

    def attr(self, name: str, default=None):
        a = self.attrs.get(name)
        if a is None:
            return default
        try:
            value = helper.get_attribute_value(a)
        except Exception as exc:
            raise self.error(f"attribute '{name}' is malformed: {exc}") from None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "backslashreplace")
        return value

    def ints(self, name: str, length: int, default: Sequence[int] | None):
        value = self.attr(name)
        if value is None:
            return None if default is None else list(default)
        value = [int(v) for v in value]
        if len(value) != length:
            raise self.error(f"attribute '{name}' has {len(value)} values, "
                             f"expected {length}: {value}")
        return value

    def check_attrs(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for name in self.attrs:
            if name not in allowed:
                raise self.error(f"attribute '{name}' is not supported")


# Edge kinds of phase 1 (which inputs a node needs and how).
_DATA, _STATIC, _SHAPE = 0, 1, 2

#: Inputs (by op) that must be known at import time; they parameterise the op.
_STATIC_INPUTS = {
    "Reshape": (1,), "Clip": (1, 2), "Dropout": (1, 2), "Unsqueeze": (1,),
    "Squeeze": (1,), "Slice": (1, 2, 3, 4), "ConstantOfShape": (0,),
    "Range": (0, 1, 2), "Gather": (1,),
}



def _edge_kind(op: str, i: int) -> int:
    if op in ("Shape", "Size"):
        return _SHAPE
    if i in _STATIC_INPUTS.get(op, ()):
        return _STATIC
    return _DATA


# ----------------------------------------------------------------------------
# Import-time evaluation of constant subgraphs
# ----------------------------------------------------------------------------

def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.issubdtype(a.dtype, np.integer):
        q = np.abs(a) // np.abs(b)
        return (q * np.sign(a) * np.sign(b)).astype(a.dtype)
    return (a / b).astype(a.dtype)


def _axes_list(values, rank: int, node: _Node) -> list[int]:
    out = []
    for a in values:
        a = int(a)
        if not -rank <= a < rank:
            raise node.error(f"axis {a} is out of range for rank {rank}")
        out.append(a + rank if a < 0 else a)
    return out


def _resolve_reshape(node: _Node, in_shape: Sequence[int], shape,
                     allowzero: bool) -> tuple[int, ...]:
    """ONNX Reshape's target shape with its 0 and -1 entries resolved."""
    shape = [int(s) for s in np.asarray(shape).reshape(-1)]
    total = math.prod(in_shape)
    out: list[int] = []
    infer = None
    for i, s in enumerate(shape):
        if s == 0 and not allowzero:
            if i >= len(in_shape):
                raise node.error(f"shape {shape} copies dimension {i} (0), "
                                 f"but the input has rank {len(in_shape)}")
            s = in_shape[i]
        elif s == -1:
            if infer is not None:
                raise node.error(f"shape {shape} has more than one -1")
            infer = i
            s = 1
        elif s < -1:
            raise node.error(f"shape {shape} has a negative entry {s}")
        out.append(s)
    if infer is not None:
        rest = math.prod(out)
        if rest == 0 or total % rest:
            raise node.error(f"cannot reshape {list(in_shape)} ({total} "
                             f"elements) into {shape}")
        out[infer] = total // rest
    if math.prod(out) != total:
        raise node.error(f"cannot reshape {list(in_shape)} ({total} elements) "
                         f"into {shape}")
    return tuple(out)


# ----------------------------------------------------------------------------
# The importer
# ----------------------------------------------------------------------------

class _Importer:
    def __init__(self, model: onnx.ModelProto, input_shapes, source: str):
        self.model = model
        self.graph = model.graph
        self.source = source
        self.opset = _default_opset(model)
        self.input_shapes = dict(input_shapes or {})
        self.values: dict[str, Value] = {}
        self.vinfo: dict[str, tuple[int, tuple | None]] = {}
        self.tainted: set[str] = set()
        self.body: list[str] = []
        self.ssa_names = _Names(_SSA_BAD, "v")
        self.blob_keys = _Names(_KEY_BAD, "blob")
        self.blobs: list[tuple[str, int, _Const, str]] = []
        self.stats = {"ops": 0, "constants": 0, "blob_bytes": 0}

    # -- entry -------------------------------------------------------------

    def run(self) -> tuple[list[str], list[tuple[str, int, _Const, str]]]:
        g = self.graph
        if len(g.output) == 0:
            raise OnnxImportError("the graph has no outputs")
        if len(g.sparse_initializer):
            raise OnnxImportError(
                f"sparse initializer '{g.sparse_initializer[0].values.name}' "
                "is not supported")
        self.nodes = [_Node(n, i) for i, n in enumerate(g.node)]
        initializers: dict[str, TensorProto] = {}
        for t in g.initializer:
            if t.name in initializers:
                raise OnnxImportError(f"initializer '{t.name}' is defined "
                                      "twice")
            _check_tensor(t, f"initializer '{t.name}'")
            initializers[t.name] = t
        seen_inputs: set[str] = set()
        for inp in g.input:
            if inp.name in seen_inputs:
                raise OnnxImportError(f"graph input '{inp.name}' is listed "
                                      "twice")
            seen_inputs.add(inp.name)
            if inp.name not in initializers and not inp.type.HasField(
                    "tensor_type"):
                raise OnnxImportError(f"graph input '{inp.name}' is not a "
                                      "tensor (it has no tensor type)")
            tt = inp.type.tensor_type
            dims = self.input_shapes.get(inp.name)
            if dims is None and tt.HasField("shape"):
                dims = [d.dim_value for d in tt.shape.dim]  # dynamic: 0
            big = (inp.name not in initializers and tt.elem_type in _MLIR_TYPE
                   and _too_large(dims or [], _MLIR_TYPE[tt.elem_type]))
            if big:
                raise OnnxImportError(f"graph input '{inp.name}' has {big}")
        self.arg_names = [i.name for i in g.input if i.name not in initializers]
        for name in self.input_shapes:
            if name not in self.arg_names:
                known = ", ".join(self.arg_names) or "none"
                raise OnnxImportError(
                    f"--input-shape: the graph has no input '{name}' "
                    f"(inputs: {known})")
        needed = self._needed_nodes(initializers)
        self.needed = needed
        self._check_ops(needed, initializers)
        order = self._topological(needed)  # cycles are reported before
        self._infer_shapes(self._inference_nodes(needed))  # inference

        # Function arguments. An input of a type dnn does not have is
        # reported by the node that computes with it, or else at the end.
        args = []
        for inp in g.input:
            if inp.name in initializers:
                continue
            elem, shape = self._input_type(inp)
            ssa = "%" + self.ssa_names.make(inp.name)
            if elem in _MLIR_TYPE:
                t = _Tensor(ssa, shape, _MLIR_TYPE[elem])
                big = _too_large(shape, t.dtype)
                if big:
                    raise OnnxImportError(f"graph input '{inp.name}' has "
                                          f"{big}")
            else:
                t = _BadInput(inp.name, shape, elem)
            self.values[inp.name] = t
            args.append(t)
        for name, proto in initializers.items():
            self.values[name] = _Const(name, proto=proto)

        for idx in order:
            node = self.nodes[idx]
            if self._try_fold(node):
                continue
            if needed[idx] & (1 << _DATA):
                self._convert(node)

        for a in args:
            if isinstance(a, _BadInput):
                raise OnnxImportError(
                    f"graph input '{a.name}' has element type "
                    f"{_elem_name(a.elem)}; the dnn dialect supports only "
                    "float16, bfloat16, float32 and float64 tensors")
        results = []
        for out in g.output:
            v = self.values.get(out.name)
            if v is None:
                raise OnnxImportError(f"graph output '{out.name}' is not "
                                      "computed by the graph")
            results.append(self._as_tensor(v, f"graph output '{out.name}'"))

        lines = [_comment_text(f"// Imported by dnn-import from "
                               f"{self.source}:{_producer(self.model)} "
                               f"default-domain opset {self.opset}."),
                 "module {"]
        sig = ", ".join(f"{a.ssa}: {a.type}" for a in args)
        res_types = [r.type for r in results]
        ret = (res_types[0] if len(res_types) == 1
               else "(" + ", ".join(res_types) + ")")
        lines.append(f"  func.func @main({sig}) -> {ret} {{")
        lines.extend(self.body)
        lines.append("    return " + ", ".join(r.ssa for r in results)
                     + " : " + ", ".join(res_types))
        lines.append("  }")
        lines.append("}")
        return lines, self.blobs

    # -- phase 1: what the outputs need ----------------------------------

    def _needed_nodes(self, initializers) -> dict[int, int]:
        """Node index -> bit set of the ways it is needed (1 << _DATA for a
        value the function computes, 1 << _STATIC for import-time values)."""
        producer: dict[str, int] = {}
        inputs = {i.name for i in self.graph.input}
        for node in self.nodes:
            for out in node.proto.output:
                if not out:
                    continue
                if out in producer:  # ONNX graphs are in SSA form
                    other = self.nodes[producer[out]]
                    raise node.error(
                        f"output '{out}' is also computed by node "
                        f"'{other.name}' ({other.op}); every value must "
                        "have one producer")
                if out in inputs or out in initializers:
                    what = "graph input" if out in inputs else "initializer"
                    raise node.error(f"output '{out}' redefines the {what} "
                                     f"'{out}'")
                producer[out] = node.index
        self.producer = producer
        defined = set(initializers) | inputs
        for o in self.graph.output:
            if o.name not in producer and o.name not in defined:
                raise OnnxImportError(
                    f"graph output '{o.name}' is not computed by the graph "
                    "(no node, input or initializer has that name)")
        needed: dict[int, int] = {}
        work: list[tuple[str, int]] = [(o.name, _DATA) for o in self.graph.output]
        while work:
            name, kind = work.pop()
            idx = producer.get(name)
            if idx is None:
                continue  # an input or initializer (inputs are checked)
            bit = 1 << kind
            if needed.get(idx, 0) & bit:
                continue
            needed[idx] = needed.get(idx, 0) | bit
            node = self.nodes[idx]
            for i, inp in enumerate(node.proto.input):
                if not inp:
                    continue
                edge = _edge_kind(node.op, i)
                if edge == _SHAPE:
                    continue
                work.append((inp, _STATIC if (kind == _STATIC or edge == _STATIC)
                             else _DATA))
                if inp not in producer and inp not in defined:
                    raise node.error(f"input '{inp}' is not defined in the "
                                     "graph")
        return needed

    def _check_ops(self, needed: dict[int, int], initializers) -> None:
        """Unsupported operators, malformed attributes and a Conv kernel_shape
        that contradicts the weight are reported before shape inference,
        which may not know the op or may fail only further down the graph
        (a 5x5 kernel_shape on a 3x3 weight shrinks the output)."""
        for idx in sorted(needed):
            node = self.nodes[idx]
            domain = node.proto.domain
            if not node.op:
                raise node.error("the node has no op_type")
            if domain not in ("", "ai.onnx"):
                raise node.error(f"operator {domain}.{node.op} is not "
                                 "supported (only the default ONNX domain is)")
            if needed[idx] & (1 << _DATA) and (
                    node.op not in _CONVERTERS and node.op not in _FOLDERS):
                raise node.error(f"operator {node.op} is not supported")
            try:
                schema = onnx.defs.get_schema(node.op, self.opset, "")
            except Exception:  # not an op of this opset
                schema = None
                if onnx.defs.has(node.op, ""):
                    raise node.error(f"operator {node.op} does not exist in "
                                     f"opset {self.opset} (the model's)")
            self._check_attr_types(node, schema)
            auto_pad = node.attr("auto_pad", "NOTSET")
            if node.op in ("Conv", "MaxPool", "AveragePool") and (
                    auto_pad not in ("NOTSET", "VALID", "SAME_UPPER",
                                     "SAME_LOWER", "")):
                raise node.error(f"auto_pad '{auto_pad}' is not NOTSET, "
                                 "VALID, SAME_UPPER or SAME_LOWER")
            weight = initializers.get(node.input(1) or "")
            if node.op == "Conv" and weight is not None and len(
                    weight.dims) >= 3:
                ks = node.ints("kernel_shape", len(weight.dims) - 2, None)
                if ks is not None and ks != list(weight.dims[2:]):
                    raise node.error(f"kernel_shape {ks} differs from the "
                                     "weight's spatial shape "
                                     f"{list(weight.dims[2:])}")

    def _check_attr_types(self, node: _Node, schema) -> None:
        """Each attribute has a type, and the one the op's ONNX schema
        declares (an int where a float is expected is an error, as in
        onnx.checker and ONNX Runtime)."""
        for a in node.proto.attribute:
            if a.type == onnx.AttributeProto.UNDEFINED:
                raise node.error(f"attribute '{a.name}' has no type "
                                 "(AttributeProto.type is not set)")
            spec = schema.attributes.get(a.name) if schema else None
            if spec is None:
                continue  # unknown ones: the converter's check_attrs
            want = int(spec.type.value)
            if a.type != want:
                name = onnx.AttributeProto.AttributeType.Name
                raise node.error(f"attribute '{a.name}' has type "
                                 f"{name(a.type)}, expected {name(want)}")

    # -- shape inference ---------------------------------------------------

    def _inference_nodes(self, needed: dict[int, int]) -> list[int]:
        """The needed nodes and the producers of what their Shape/Size nodes
        look at, in ONNX order: the nodes shape inference runs on. Dead nodes
        stay out (an op that ONNX does not know must not fail the import of
        a graph that does not use it)."""
        keep = set(needed)
        work = list(needed)
        while work:
            for inp in self.nodes[work.pop()].proto.input:
                p = self.producer.get(inp) if inp else None
                if p is not None and p not in keep:
                    keep.add(p)
                    work.append(p)
        return sorted(keep)

    def _infer_shapes(self, node_indices: list[int]) -> None:
        """ONNX shape inference on a copy of the graph without the weights'
        data (large float initializers become typed graph inputs) and without
        dead nodes or declared intermediate shapes, with the --input-shape
        overrides applied."""
        g = self.graph
        skel = onnx.ModelProto()
        skel.ir_version = self.model.ir_version
        skel.opset_import.extend(self.model.opset_import)
        sg = skel.graph
        sg.name = g.name
        sg.node.extend(g.node[i] for i in node_indices)
        for i, n in zip(node_indices, sg.node):
            n.name = f"@dnn{i}@"  # unambiguous in ONNX's messages
        input_names = {i.name for i in g.input}
        for inp in g.input:
            vi = sg.input.add()
            vi.CopyFrom(inp)
            if inp.name in self.input_shapes:
                self._override(vi, self.input_shapes[inp.name])
        for t in g.initializer:
            big = t.data_type in _MLIR_TYPE and math.prod(t.dims) > 64
            if big:
                if t.name not in input_names:
                    sg.input.append(helper.make_tensor_value_info(
                        t.name, t.data_type, list(t.dims)))
            else:
                sg.initializer.append(t)
        # The declared shapes of outputs and intermediate values are left out:
        # stale ones (a static batch of 1 under --input-shape x=8,...) would
        # fail strict inference, and the importer infers its own anyway.
        for out in g.output:
            vi = sg.output.add()
            vi.name = out.name
            if out.type.HasField("tensor_type"):
                vi.type.tensor_type.elem_type = out.type.tensor_type.elem_type
            else:
                vi.type.CopyFrom(out.type)
        try:
            inferred = onnx.shape_inference.infer_shapes(
                skel, check_type=True, strict_mode=True, data_prop=True)
        except Exception as exc:
            raise self._inference_error(str(exc)) from None
        ig = inferred.graph
        for vi in list(ig.input) + list(ig.value_info) + list(ig.output):
            if not vi.type.HasField("tensor_type"):
                self.vinfo.setdefault(vi.name, (TensorProto.UNDEFINED, None))
                continue
            tt = vi.type.tensor_type
            shape = None
            if tt.HasField("shape"):
                shape = tuple(d.dim_value if d.HasField("dim_value") else None
                              for d in tt.shape.dim)
            if vi.name not in self.vinfo or self.vinfo[vi.name][1] is None:
                self.vinfo[vi.name] = (tt.elem_type, shape)
        self.inferred_inputs = {vi.name: vi for vi in ig.input}

    def _inference_error(self, msg: str) -> OnnxImportError:
        """ONNX's message, as the error of the first node it names (it
        lists every failing node: the first is where the trouble starts;
        the ones after it usually only miss its output)."""
        msg = " ".join(msg.split())
        marks = list(re.finditer(r"\(op_type:[^,]*, node name: @dnn(\d+)@\): ",
                                 msg))
        if not marks:
            return OnnxImportError(f"ONNX shape inference failed: {msg}")
        end = marks[1].start() if len(marks) > 1 else len(msg)
        detail = msg[marks[0].end():end].strip()
        detail = re.sub(r"^(\[\w+\] )+", "", detail)
        node = self.nodes[int(marks[0].group(1))]
        return node.error(f"ONNX shape inference failed: {detail}")

    def _override(self, vi: onnx.ValueInfoProto, dims: Sequence[int]) -> None:
        tt = vi.type.tensor_type
        if tt.HasField("shape") and len(tt.shape.dim) != len(dims):
            raise OnnxImportError(
                f"--input-shape {vi.name}: {len(dims)} dimensions given, but "
                f"the input has rank {len(tt.shape.dim)}")
        tt.ClearField("shape")
        for d in dims:
            tt.shape.dim.add().dim_value = int(d)

    def _input_type(self, inp: onnx.ValueInfoProto) -> tuple[int, tuple]:
        vi = self.inferred_inputs.get(inp.name, inp)
        if not vi.type.HasField("tensor_type"):
            raise OnnxImportError(f"graph input '{inp.name}' is not a tensor")
        tt = vi.type.tensor_type
        elem = tt.elem_type
        if not tt.HasField("shape"):
            raise OnnxImportError(
                f"graph input '{inp.name}' has no shape (not even a rank); "
                f"give it one with --input-shape {inp.name}=D0,D1,...")
        dims = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(d.dim_value)
            elif d.HasField("dim_value"):
                raise OnnxImportError(
                    f"graph input '{inp.name}' has a dimension of size "
                    f"{d.dim_value}; dnn tensors are non-empty")
            else:
                shown = ", ".join(
                    str(x.dim_value) if x.HasField("dim_value")
                    else (x.dim_param or "?") for x in tt.shape.dim)
                example = ",".join(
                    str(x.dim_value) if x.HasField("dim_value") else "1"
                    for x in tt.shape.dim)
                what = f"'{d.dim_param}'" if d.dim_param else "unknown"
                raise OnnxImportError(
                    f"graph input '{inp.name}' has a dynamic shape "
                    f"[{shown}] (dimension {i} is {what}); give it a static "
                    f"shape with --input-shape {inp.name}={example}")
        return elem, tuple(dims)

    # -- phase 2 -----------------------------------------------------------

    def _topological(self, needed: dict[int, int]) -> list[int]:
        """The needed nodes in a topological order (ONNX order where it is
        one)."""
        deps: dict[int, set[int]] = {i: set() for i in needed}
        users: dict[int, list[int]] = {i: [] for i in needed}
        for idx in needed:
            node = self.nodes[idx]
            for inp in node.proto.input:
                if not inp:
                    continue
                p = self.producer.get(inp)
                if p is not None and p in needed and p not in deps[idx]:
                    deps[idx].add(p)
                    users[p].append(idx)
        ready = [i for i, d in deps.items() if not d]
        heapq.heapify(ready)
        order = []
        while ready:
            idx = heapq.heappop(ready)
            order.append(idx)
            for u in users[idx]:
                deps[u].discard(idx)
                if not deps[u]:
                    heapq.heappush(ready, u)
        if len(order) != len(needed):
            stuck = min(i for i, d in deps.items() if d)
            raise self.nodes[stuck].error("the graph has a cycle through "
                                          "this node")
        return order

    def _try_fold(self, node: _Node) -> bool:
        """Evaluates `node` at import time if it is a foldable op whose
        inputs are all known. Returns whether it did."""
        folder = _FOLDERS.get(node.op)
        if folder is None:
            return False
        if node.op == "Identity":
            v = self.values.get(node.input(0) or "")
            if isinstance(v, _Const) and node.output(0) is not None:
                self.values[node.output(0)] = v
                return True
            return False
        if node.op in ("Shape", "Size"):
            if node.input(0) is None:
                return False
            shape = self._static_shape(node.input(0))
            if shape is None:
                return False
            inputs = [shape]
        else:
            inputs = []
            for i in range(len(node.proto.input)):
                name = node.input(i)
                if name is None:
                    inputs.append(None)
                    continue
                v = self.values.get(name)
                if not isinstance(v, _Const):
                    return False
                if v.elem == TensorProto.BFLOAT16 and node.op not in (
                        "Identity", "Constant"):
                    return False
                inputs.append(v.array())
        _check_fold_size(node, inputs)
        try:
            results = folder(self, node, inputs)
        except OnnxImportError:
            raise
        except Exception as exc:
            raise node.error(f"cannot evaluate the node at import time: "
                             f"{exc}") from None
        for i, r in enumerate(results):
            out = node.output(i)
            if out is None or r is None:
                continue
            if isinstance(r, _Const):
                self.values[out] = r
            else:
                self.values[out] = _Const(out, array=np.asarray(r))
        return True

    def _static_shape(self, name: str) -> tuple[int, ...] | None:
        v = self.values.get(name)
        if v is not None:
            return v.shape
        info = self.vinfo.get(name)
        if info is None or info[1] is None or None in info[1]:
            return None
        return tuple(info[1])

    def _convert(self, node: _Node) -> None:
        converter = _CONVERTERS.get(node.op)
        if converter is None:
            if node.op in _FOLDERS:
                raise node.error(
                    f"operator {node.op} is not supported (it is only "
                    "evaluated at import time, on constant inputs)")
            raise node.error(f"operator {node.op} is not supported")
        outputs = converter(self, node)
        for i, t in enumerate(outputs):
            out = node.output(i)
            if out is None or t is None:
                continue
            self._check_result(node, out, t)
            self.values[out] = t

    def _check_result(self, node: _Node, name: str, t: Value) -> None:
        """Compares the importer's shape with ONNX shape inference's. Known
        differences (pooling in ceil mode, where ONNX's inference keeps a last
        window that starts in the padding and ONNX Runtime does not) taint
        the value, and nothing that depends on it is checked."""
        if isinstance(t, _Const):
            return
        big = _too_large(t.shape, t.dtype)
        if big:
            raise node.error(f"output '{name}' would have {big}")
        if any(d <= 0 for d in t.shape):
            raise node.error(f"output '{name}' would have the empty shape "
                             f"{list(t.shape)}; dnn tensors are non-empty")
        tainted = any(i in self.tainted for i in node.proto.input if i)
        info = self.vinfo.get(name)
        if info is None or info[1] is None or None in info[1]:
            if tainted:
                self.tainted.add(name)
            return
        if tuple(info[1]) == t.shape:
            return
        if tainted or (node.op in ("MaxPool", "AveragePool")
                       and node.attr("ceil_mode", 0)):
            self.tainted.add(name)
            return
        raise node.error(
            f"output '{name}' has shape {list(t.shape)} by the dnn op "
            f"semantics, but ONNX shape inference says {list(info[1])}")

    def is_used(self, name: str) -> bool:
        """Whether a graph output or a node that is not dropped reads `name`."""
        if any(o.name == name for o in self.graph.output):
            return True
        return any(name in self.nodes[i].proto.input for i in self.needed)

    # -- operands ----------------------------------------------------------

    def value(self, node: _Node, i: int) -> Value:
        name = node.input(i)
        if name is None:
            raise node.error(f"input {i} is missing")
        v = self.values.get(name)
        if v is None:
            raise node.error(f"input '{name}' could not be computed at "
                             "import time")
        return v

    def tensor(self, node: _Node, i: int) -> _Tensor:
        """Input i as a function value (constants are materialised)."""
        return self._as_tensor(self.value(node, i),
                               f"node '{node.name}' ({node.op}): input "
                               f"'{node.input(i)}'")

    def _as_tensor(self, v: Value, what: str) -> _Tensor:
        if isinstance(v, _Tensor):
            return v
        if isinstance(v, _BadInput):
            raise OnnxImportError(
                f"{what} is a graph input of {_elem_name(v.elem)}; the dnn "
                "dialect supports only float16, bfloat16, float32 and float64 "
                "tensors")
        if v.tensor is not None:
            return v.tensor
        if v.elem not in _MLIR_TYPE:
            raise OnnxImportError(
                f"{what} is a tensor of {_elem_name(v.elem)}; the dnn dialect "
                "supports only float16, bfloat16, float32 and float64 tensors")
        if any(d <= 0 for d in v.shape):
            raise OnnxImportError(f"{what} is empty (shape {list(v.shape)}); "
                                  "dnn tensors are non-empty")
        v.tensor = self.constant(v)
        return v.tensor

    def const(self, node: _Node, i: int, what: str) -> np.ndarray | None:
        """Input i's value, which must be known at import time (None when the
        input is absent)."""
        name = node.input(i)
        if name is None:
            return None
        v = self.values.get(name)
        if not isinstance(v, _Const):
            raise node.error(
                f"{what} '{name}' must be a constant (an initializer or "
                "computed from constants); it is only known at run time")
        return v.array()

    def maybe_const(self, node: _Node, i: int) -> _Const | None:
        name = node.input(i)
        v = self.values.get(name) if name else None
        return v if isinstance(v, _Const) else None

    def derived(self, base: str, array: np.ndarray, dtype: str) -> _Const:
        """A constant computed by the importer (a folded transpose or scale)."""
        return _Const(base, array=np.ascontiguousarray(
            array.astype(_np_dtype(dtype), copy=False)))

    # -- emitting ----------------------------------------------------------

    def _fresh(self, hint: str) -> str:
        return "%" + self.ssa_names.make(hint)

    def emit(self, hint: str, text: str, shape, dtype: str, loc: str,
             ) -> _Tensor:
        t = _Tensor(self._fresh(hint), shape, dtype)
        self.body.append(f"    {t.ssa} = {text} {loc}")
        self.stats["ops"] += 1
        return t

    def emit_results(self, hints: Sequence[str], text: str,
                     shapes: Sequence[Sequence[int]], dtype: str, loc: str,
                     ) -> list[_Tensor]:
        """An op with several results, one per hint and shape."""
        ts = [_Tensor(self._fresh(h), s, dtype) for h, s in zip(hints, shapes)]
        names = ", ".join(t.ssa for t in ts)
        self.body.append(f"    {names} = {text} {loc}")
        self.stats["ops"] += 1
        return ts

    def constant(self, c: _Const) -> _Tensor:
        if c.proto is not None:  # an error now, not while writing the blob
            _check_not_external(c.proto, c.name)
        dtype = _MLIR_TYPE[c.elem]
        ttype = _tensor_type(c.shape, dtype)
        loc = f"loc({_mlir_string(c.name)})"
        ssa = self._fresh(c.name)
        if len(c.shape) == 0:
            # A rank-0 dense_resource does not survive dnn-run's lowering:
            # write scalars as a bit-exact hex literal.
            bits = np.frombuffer(c.raw_bytes(dtype), dtype=_BITS_DTYPE[dtype])[0]
            width = 2 * _ITEMSIZE[dtype]
            attr = f"dense<0x{int(bits):0{width}X}>"
        else:
            key = self.blob_keys.make(c.name)
            self.blobs.append((key, _ITEMSIZE[dtype], c, dtype))
            self.stats["blob_bytes"] += math.prod(c.shape) * _ITEMSIZE[dtype]
            attr = f"dense_resource<{key}>"
        self.body.append(f"    {ssa} = dnn.constant {attr} : {ttype} {loc}")
        self.stats["constants"] += 1
        return _Tensor(ssa, c.shape, dtype)

    def scalar(self, value: float, dtype: str, name: str) -> _Tensor:
        arr = np.asarray(value, dtype=np.float64).astype(_np_dtype(dtype))
        return self.constant(_Const(name, array=arr))


def _default_opset(model: onnx.ModelProto) -> int:
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx"):
            return op.version
    return 1 if model.ir_version < 3 else 0


def _producer(model: onnx.ModelProto) -> str:
    if not model.producer_name:
        return ""
    version = f" {model.producer_version}" if model.producer_version else ""
    return f" producer {model.producer_name}{version},"


# ----------------------------------------------------------------------------
# Converters: one per ONNX op; each returns the node's outputs.
# ----------------------------------------------------------------------------

def _window_pads(node: _Node, in_hw: Sequence[int], kernel: Sequence[int],
                 strides: Sequence[int], dilations: Sequence[int]) -> list[int]:
    """[top, left, bottom, right] from auto_pad / pads."""
    auto = node.attr("auto_pad", "NOTSET") or "NOTSET"
    if auto == "NOTSET":
        pads = node.ints("pads", 4, [0, 0, 0, 0])
        if any(p < 0 for p in pads):
            raise node.error(f"negative pads {pads} are not supported")
        return pads
    if auto == "VALID":
        return [0, 0, 0, 0]
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise node.error(f"auto_pad '{auto}' is not supported")
    begin, end = [], []
    for size, k, s, d in zip(in_hw, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, big = total // 2, total - total // 2
        if auto == "SAME_UPPER":
            begin.append(small)
            end.append(big)
        else:
            begin.append(big)
            end.append(small)
    return begin + end


def _window_out(node: _Node, size: int, k: int, s: int, pb: int, pe: int,
                d: int, ceil: bool) -> int:
    """Output extent of a sliding window, as the dnn ops compute it."""
    span = size + pb + pe - (d * (k - 1) + 1)
    if span < 0:
        raise node.error(f"the kernel extent {d * (k - 1) + 1} exceeds the "
                         f"padded input size {size + pb + pe}")
    out = span // s + 1
    if ceil and span % s:
        out += 1
        if (out - 1) * s >= size + pb:
            out -= 1
    return out


def _conv(imp: _Importer, node: _Node):
    node.check_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads",
                      "strides"})
    x = imp.tensor(node, 0)
    if x.rank != 4:
        raise node.error(f"only 2-D convolutions (a 4-D N x C x H x W input) "
                         f"are supported; input '{node.input(0)}' has rank "
                         f"{x.rank}")
    w = imp.tensor(node, 1)
    if w.rank != 4:
        raise node.error(f"weight '{node.input(1)}' must be 4-D "
                         f"(F x C/group x KH x KW), got shape {list(w.shape)}")
    kernel = list(w.shape[2:])
    ks = node.ints("kernel_shape", 2, None)
    if ks is not None and ks != kernel:
        raise node.error(f"kernel_shape {ks} differs from the weight's "
                         f"spatial shape {kernel}")
    strides = node.ints("strides", 2, [1, 1])
    dil = node.ints("dilations", 2, [1, 1])
    if min(strides) < 1 or min(dil) < 1:
        raise node.error(f"strides {strides} and dilations {dil} must be "
                         "positive")
    group = int(node.attr("group", 1))
    c, f = x.shape[1], w.shape[0]
    if group < 1 or c % group or f % group or w.shape[1] != c // group:
        raise node.error(f"input channels {c}, weight {list(w.shape)} and "
                         f"group {group} do not match")
    pads = _window_pads(node, x.shape[2:], kernel, strides, dil)
    operands = [x, w]
    if node.input(2) is not None:
        b = imp.tensor(node, 2)
        if b.shape != (f,):
            raise node.error(f"bias '{node.input(2)}' must have shape [{f}], "
                             f"got {list(b.shape)}")
        operands.append(b)
    hw = [_window_out(node, x.shape[2 + i], kernel[i], strides[i], pads[i],
                      pads[2 + i], dil[i], False) for i in range(2)]
    attrs = []
    if dil != [1, 1]:
        attrs.append(f"dilation = {_i64_array(dil)}")
    if group != 1:
        attrs.append(f"groups = {group} : i64")
    if pads != [0, 0, 0, 0]:
        attrs.append(f"padding = {_i64_array(pads)}")
    if strides != [1, 1]:
        attrs.append(f"strides = {_i64_array(strides)}")
    shape = (x.shape[0], f, hw[0], hw[1])
    text = ("dnn.conv2d " + ", ".join(o.ssa for o in operands)
            + (" {" + ", ".join(attrs) + "}" if attrs else "")
            + " : (" + ", ".join(o.type for o in operands) + ") -> "
            + _tensor_type(shape, x.dtype))
    return [imp.emit(node.output(0) or node.name, text, shape, x.dtype,
                     node.loc)]


def _linear(imp, node, x: _Tensor, w: _Tensor, b: _Tensor | None, loc, hint):
    shape = x.shape[:-1] + (w.shape[0],)
    ops = [x, w] + ([b] if b is not None else [])
    text = ("dnn.linear " + ", ".join(o.ssa for o in ops) + " : ("
            + ", ".join(o.type for o in ops) + ") -> "
            + _tensor_type(shape, x.dtype))
    return imp.emit(hint, text, shape, x.dtype, loc)


def _matmul_op(imp, a: _Tensor, b: _Tensor, loc, hint, node) -> _Tensor:
    batch = _broadcast(a.shape[:-2], b.shape[:-2])
    if batch is None or a.shape[-1] != b.shape[-2]:
        raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} cannot "
                         "be multiplied")
    shape = batch + (a.shape[-2], b.shape[-1])
    text = (f"dnn.matmul {a.ssa}, {b.ssa} : ({a.type}, {b.type}) -> "
            + _tensor_type(shape, a.dtype))
    return imp.emit(hint, text, shape, a.dtype, loc)


def _transpose_op(imp, x: _Tensor, perm: Sequence[int], loc, hint) -> _Tensor:
    shape = tuple(x.shape[p] for p in perm)
    text = (f"dnn.transpose {x.ssa} {{permutation = {_i64_array(perm)}}} : "
            f"{x.type} -> {_tensor_type(shape, x.dtype)}")
    return imp.emit(hint, text, shape, x.dtype, loc)


def _reshape_op(imp, x: _Tensor, shape, loc, hint) -> _Tensor:
    shape = tuple(shape)
    if shape == x.shape:
        return x
    text = f"dnn.reshape {x.ssa} : {x.type} -> {_tensor_type(shape, x.dtype)}"
    return imp.emit(hint, text, shape, x.dtype, loc)


def _binary_op(imp, kind: str, a: _Tensor, b: _Tensor, loc, hint, node):
    shape = _broadcast(a.shape, b.shape)
    if shape is None:
        raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} do not "
                         "broadcast")
    if a.dtype != b.dtype:
        raise node.error(f"operands of types {a.dtype} and {b.dtype} differ")
    text = f"dnn.{kind} {a.ssa}, {b.ssa} : {a.type}, {b.type}"
    return imp.emit(hint, text, shape, a.dtype, loc)


def _gemm(imp: _Importer, node: _Node):
    node.check_attrs({"alpha", "beta", "transA", "transB"})
    alpha = float(node.attr("alpha", 1.0))
    beta = float(node.attr("beta", 1.0))
    trans_a = int(node.attr("transA", 0))
    trans_b = int(node.attr("transB", 0))
    out = node.output(0) or node.name
    a_val = imp.value(node, 0)
    b_val = imp.value(node, 1)
    for v, n in ((a_val, 0), (b_val, 1)):
        if len(v.shape) != 2:
            raise node.error(f"input '{node.input(n)}' must be 2-D, got shape "
                             f"{list(v.shape)}")
    m = a_val.shape[1] if trans_a else a_val.shape[0]
    k = a_val.shape[0] if trans_a else a_val.shape[1]
    n_ = b_val.shape[0] if trans_b else b_val.shape[1]
    kb = b_val.shape[1] if trans_b else b_val.shape[0]
    if k != kb:
        raise node.error(f"A {list(a_val.shape)} (transA={trans_a}) and "
                         f"B {list(b_val.shape)} (transB={trans_b}) do not "
                         "multiply")
    a = imp.tensor(node, 0)
    dtype = a.dtype
    alpha_done = alpha == 1.0

    # Weight: a constant B is transposed (to N x K) and scaled by alpha here.
    b_const = imp.maybe_const(node, 1)
    if b_const is not None and b_const.elem in _MLIR_TYPE:
        w_arr = b_const.array()
        if not trans_b:
            w_arr = w_arr.T
        if not alpha_done:
            w_arr = w_arr.astype(np.float64) * alpha
            alpha_done = True
        if trans_b and alpha == 1.0:
            w = imp.tensor(node, 1)
        else:
            w = imp._as_tensor(imp.derived(
                f"{b_const.name}" + ("_T" if not trans_b else "")
                + ("_scaled" if alpha != 1.0 else ""), w_arr, dtype),
                f"node '{node.name}' (Gemm)")
        use_linear = True
    else:
        w = imp.tensor(node, 1)
        use_linear = bool(trans_b)
    if trans_a:
        a = _transpose_op(imp, a, (1, 0), node.aux_loc("transA"), out + "_At")

    # C: folded into the linear bias when it is a constant vector.
    bias = None
    c_add = None
    if node.input(2) is not None and beta != 0.0:
        c_val = imp.value(node, 2)
        if _broadcast(c_val.shape, (m, n_)) != (m, n_):
            raise node.error(f"C {list(c_val.shape)} does not broadcast to "
                             f"[{m}, {n_}]")
        if isinstance(c_val, _Const) and c_val.elem in _MLIR_TYPE:
            c_arr = c_val.array()
            scaled = beta != 1.0
            if scaled:
                c_arr = c_arr.astype(np.float64) * beta
            vector = c_arr.ndim <= 1 or c_arr.shape[0] == 1
            if use_linear and alpha_done and vector:
                vec = np.broadcast_to(c_arr.reshape(c_arr.shape[-1:]), (n_,))
                if scaled or vec.shape != c_arr.shape:
                    bias = imp._as_tensor(imp.derived(
                        c_val.name + ("_scaled" if scaled else "_bias"),
                        vec, dtype), "C")
                else:
                    bias = imp.tensor(node, 2)
            else:
                c_add = (imp._as_tensor(imp.derived(c_val.name + "_scaled",
                                                     c_arr, dtype), "C")
                         if scaled else imp.tensor(node, 2))
        else:
            c = imp.tensor(node, 2)
            if beta != 1.0:
                c = _binary_op(imp, "mul", c,
                               imp.scalar(beta, dtype, f"{node.name}.beta"),
                               node.aux_loc("beta"), out + "_betaC", node)
            c_add = c

    last = not alpha_done or c_add is not None
    hint = out + "_mm" if last else out
    if use_linear:
        y = _linear(imp, node, a, w, bias, node.loc, hint)
    else:
        y = _matmul_op(imp, a, w, node.loc, hint, node)
    if not alpha_done:
        y = _binary_op(imp, "mul", y, imp.scalar(alpha, dtype,
                                                 f"{node.name}.alpha"),
                       node.aux_loc("alpha"),
                       out if c_add is None else out + "_alpha", node)
    if c_add is not None:
        y = _binary_op(imp, "add", y, c_add, node.aux_loc("C"), out, node)
    return [y]


def _matmul(imp: _Importer, node: _Node):
    node.check_attrs(())
    a = imp.tensor(node, 0)
    b = imp.tensor(node, 1)
    out = node.output(0) or node.name
    if a.rank == 0 or b.rank == 0:
        raise node.error("MatMul operands must have rank 1 or more")
    ka = a.shape[-1]
    kb = b.shape[0] if b.rank == 1 else b.shape[-2]
    if ka != kb:
        raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} cannot "
                         "be multiplied")
    batch = _broadcast(a.shape[:-2], b.shape[:-2])
    if batch is None:
        raise node.error(f"batch dimensions of {list(a.shape)} and "
                         f"{list(b.shape)} do not broadcast")
    final = (batch + ((a.shape[-2],) if a.rank >= 2 else ())
             + ((b.shape[-1],) if b.rank >= 2 else ()))
    a2 = (_reshape_op(imp, a, (1, ka), node.aux_loc("lhs_to_2d"), out + "_lhs")
          if a.rank == 1 else a)
    b2 = (_reshape_op(imp, b, (kb, 1), node.aux_loc("rhs_to_2d"), out + "_rhs")
          if b.rank == 1 else b)
    reshape = a.rank == 1 or b.rank == 1
    y = _matmul_op(imp, a2, b2, node.loc, out + "_2d" if reshape else out, node)
    if y.shape != final:
        y = _reshape_op(imp, y, final, node.aux_loc("result"), out)
    return [y]


def _batch_norm(imp: _Importer, node: _Node):
    node.check_attrs({"epsilon", "momentum", "spatial", "training_mode",
                      "is_test"})
    if int(node.attr("training_mode", 0)):
        raise node.error("training_mode=1 is not supported (inference only)")
    if not int(node.attr("spatial", 1)):
        raise node.error("spatial=0 is not supported")
    for i in range(1, len(node.proto.output)):
        name = node.output(i)
        if name is not None and imp.is_used(name):
            raise node.error(f"output '{name}' (a training statistic) is not "
                             "supported (inference only)")
    x = imp.tensor(node, 0)
    if x.rank < 2:
        raise node.error(f"input must have rank 2 or more, got {x.rank}")
    channels = x.shape[1]
    params = []
    for i, what in ((1, "scale"), (2, "B"), (3, "mean"), (4, "var")):
        v = imp.value(node, i)
        if v.shape != (channels,):
            raise node.error(f"{what} '{node.input(i)}' must have shape "
                             f"[{channels}], got {list(v.shape)}")
        if isinstance(v, _Const) and v.elem in _MLIR_TYPE \
                and _MLIR_TYPE[v.elem] != x.dtype:
            v = imp.derived(v.name + "_" + x.dtype, v.array(), x.dtype)
        t = imp._as_tensor(v, f"node '{node.name}' (BatchNormalization): "
                              f"input '{node.input(i)}'")
        if t.dtype != x.dtype:
            raise node.error(f"{what} '{node.input(i)}' is {t.dtype} but the "
                             f"input is {x.dtype}")
        params.append(t)
    eps = float(np.float32(node.attr("epsilon", 1e-5)))
    eps_text = _float_literal(float(str(np.float32(eps))))
    text = (f"dnn.batch_norm {x.ssa}, " + ", ".join(p.ssa for p in params)
            + f" {{epsilon = {eps_text} : f64}} : {x.type}, {params[0].type}")
    return [imp.emit(node.output(0) or node.name, text, x.shape, x.dtype,
                     node.loc)]


def _activation(kind: str):
    def convert(imp: _Importer, node: _Node):
        node.check_attrs(())
        x = imp.tensor(node, 0)
        return [_act_op(imp, node, kind, x)]
    return convert


def _act_op(imp, node, kind: str, x: _Tensor) -> _Tensor:
    text = f"dnn.activation {kind} {x.ssa} : {x.type}"
    return imp.emit(node.output(0) or node.name, text, x.shape, x.dtype,
                    node.loc)


def _gelu(imp: _Importer, node: _Node):
    node.check_attrs({"approximate"})
    approx = node.attr("approximate", "none")
    kinds = {"none": "gelu", "tanh": "gelu_tanh"}
    if approx not in kinds:
        raise node.error(f"approximate='{approx}' is not supported")
    return [_act_op(imp, node, kinds[approx], imp.tensor(node, 0))]


def _clip(imp: _Importer, node: _Node):
    node.check_attrs({"min", "max"})
    x = imp.tensor(node, 0)
    fmax = float(np.finfo(np.float32).max)
    if imp.opset < 11:
        lo = node.attr("min")
        hi = node.attr("max")
    else:
        lo = imp.const(node, 1, "min")
        hi = imp.const(node, 2, "max")
    def scalar(v, what):
        if v is None:
            return None
        arr = np.asarray(v)
        if arr.size != 1:
            raise node.error(f"{what} must be a scalar, got shape "
                             f"{list(arr.shape)}")
        return float(arr.reshape(()).astype(np.float64))
    lo, hi = scalar(lo, "min"), scalar(hi, "max")
    if lo is not None and lo <= -fmax:
        lo = None
    if hi is not None and hi >= fmax:
        hi = None
    if lo is None and hi is None:
        return [x]  # no bounds: the identity
    if lo == 0.0 and hi is None:
        return [_act_op(imp, node, "relu", x)]
    if lo == 0.0 and hi == 6.0:
        return [_act_op(imp, node, "relu6", x)]
    def show(v):
        return "none" if v is None else f"{v:g}"
    raise node.error(f"Clip with min={show(lo)}, max={show(hi)} is not "
                     "supported: only min=0 without max (relu) and min=0, "
                     "max=6 (relu6) have a dnn op")


def _elementwise(kind: str):
    def convert(imp: _Importer, node: _Node):
        node.check_attrs(())
        a = imp.tensor(node, 0)
        b = imp.tensor(node, 1)
        return [_binary_op(imp, kind, a, b, node.loc,
                           node.output(0) or node.name, node)]
    return convert


def _transpose(imp: _Importer, node: _Node):
    node.check_attrs({"perm"})
    x = imp.tensor(node, 0)
    perm = node.attr("perm")
    perm = (list(range(x.rank))[::-1] if perm is None
            else [int(p) for p in perm])
    if sorted(perm) != list(range(x.rank)):
        raise node.error(f"perm {perm} is not a permutation of "
                         f"[0, {x.rank})")
    if perm == list(range(x.rank)):
        return [x]
    return [_transpose_op(imp, x, perm, node.loc, node.output(0) or node.name)]


def _pool_common(imp: _Importer, node: _Node, allowed):
    node.check_attrs(allowed)
    x = imp.tensor(node, 0)
    if x.rank != 4:
        raise node.error(f"only 2-D pooling (a 4-D N x C x H x W input) is "
                         f"supported; input '{node.input(0)}' has rank "
                         f"{x.rank}")
    kernel = node.ints("kernel_shape", 2, None)
    if kernel is None:
        raise node.error("attribute 'kernel_shape' is missing")
    strides = node.ints("strides", 2, [1, 1])
    dil = node.ints("dilations", 2, [1, 1])
    if min(kernel) < 1 or min(strides) < 1 or min(dil) < 1:
        raise node.error(f"kernel_shape {kernel}, strides {strides} and "
                         f"dilations {dil} must be positive")
    pads = _window_pads(node, x.shape[2:], kernel, strides, dil)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dil)]
    for i, p in enumerate(pads):
        if p >= extent[i % 2]:
            raise node.error(f"pads {pads} must be smaller than the kernel "
                             f"extent {extent} in each dimension")
    ceil = bool(int(node.attr("ceil_mode", 0)))
    hw = [_window_out(node, x.shape[2 + i], kernel[i], strides[i], pads[i],
                      pads[2 + i], dil[i], ceil) for i in range(2)]
    attrs = []
    if ceil:
        attrs.append("ceil_mode = true")
    if dil != [1, 1]:
        attrs.append(f"dilation = {_i64_array(dil)}")
    attrs.append(f"kernel_size = {_i64_array(kernel)}")
    if pads != [0, 0, 0, 0]:
        attrs.append(f"padding = {_i64_array(pads)}")
    if strides != [1, 1]:
        attrs.append(f"strides = {_i64_array(strides)}")
    return x, attrs, (x.shape[0], x.shape[1], hw[0], hw[1])


def _max_pool(imp: _Importer, node: _Node):
    if int(node.attr("storage_order", 0)):
        raise node.error("storage_order=1 is not supported (it only affects "
                         "the Indices output, which dnn.max_pool2d does not "
                         "have)")
    if node.output(1) is not None:
        raise node.error(f"the second output '{node.output(1)}' (Indices) is "
                         "not supported; dnn.max_pool2d computes the values "
                         "only")
    x, attrs, shape = _pool_common(imp, node, {
        "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
        "storage_order", "strides"})
    text = (f"dnn.max_pool2d {x.ssa} {{" + ", ".join(attrs) + f"}} : "
            f"{x.type} -> {_tensor_type(shape, x.dtype)}")
    return [imp.emit(node.output(0) or node.name, text, shape, x.dtype,
                     node.loc)]


def _avg_pool(imp: _Importer, node: _Node):
    x, attrs, shape = _pool_common(imp, node, {
        "auto_pad", "ceil_mode", "count_include_pad", "dilations",
        "kernel_shape", "pads", "strides"})
    if int(node.attr("count_include_pad", 0)):
        attrs.insert(1 if attrs[0].startswith("ceil") else 0,
                     "count_include_pad = true")
    text = (f"dnn.avg_pool2d {x.ssa} {{" + ", ".join(attrs) + f"}} : "
            f"{x.type} -> {_tensor_type(shape, x.dtype)}")
    return [imp.emit(node.output(0) or node.name, text, shape, x.dtype,
                     node.loc)]


def _global_avg_pool(imp: _Importer, node: _Node):
    node.check_attrs(())
    x = imp.tensor(node, 0)
    if x.rank < 3:
        raise node.error(f"input must have rank 3 or more (N x C x ...), got "
                         f"{x.rank}")
    shape = x.shape[:2] + (1,) * (x.rank - 2)
    text = (f"dnn.global_avg_pool {x.ssa} : {x.type} -> "
            f"{_tensor_type(shape, x.dtype)}")
    return [imp.emit(node.output(0) or node.name, text, shape, x.dtype,
                     node.loc)]


def _flatten(imp: _Importer, node: _Node):
    node.check_attrs({"axis"})
    x = imp.tensor(node, 0)
    axis = int(node.attr("axis", 1))
    if not -x.rank <= axis <= x.rank:
        raise node.error(f"axis {axis} is out of range for rank {x.rank}")
    if axis < 0:
        axis += x.rank
    shape = (math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))
    attr = f" {{axis = {axis} : i64}}" if axis != 1 else ""
    text = (f"dnn.flatten {x.ssa}{attr} : {x.type} -> "
            f"{_tensor_type(shape, x.dtype)}")
    return [imp.emit(node.output(0) or node.name, text, shape, x.dtype,
                     node.loc)]


def _reshape(imp: _Importer, node: _Node):
    node.check_attrs({"allowzero"})
    x = imp.tensor(node, 0)
    allowzero = bool(int(node.attr("allowzero", 0)))
    shape_input = imp.maybe_const(node, 1)
    if shape_input is not None:
        target = _resolve_reshape(node, x.shape, shape_input.array(), allowzero)
    else:
        info = imp.vinfo.get(node.output(0) or "")
        inferred = info[1] if info else None
        if (inferred is None or None in inferred
                or math.prod(inferred) != math.prod(x.shape)):
            raise node.error(
                f"the shape input '{node.input(1)}' is not a constant and "
                "shape inference could not resolve the output shape")
        target = tuple(inferred)
    if any(d == 0 for d in target):
        raise node.error(f"the result shape {list(target)} is empty; dnn "
                         "tensors are non-empty")
    return [_reshape_op(imp, x, target, node.loc, node.output(0) or node.name)]


def _concat(imp: _Importer, node: _Node):
    node.check_attrs({"axis"})
    xs = [imp.tensor(node, i) for i in range(len(node.proto.input))
          if node.input(i) is not None]
    if not xs:
        raise node.error("no inputs")
    rank = xs[0].rank
    axis = node.attr("axis")
    if axis is None:
        raise node.error("attribute 'axis' is missing")
    axis = int(axis)
    if not -rank <= axis < rank:
        raise node.error(f"axis {axis} is out of range for rank {rank}")
    if axis < 0:
        axis += rank
    shape = list(xs[0].shape)
    for x in xs[1:]:
        if x.rank != rank or any(x.shape[d] != shape[d] for d in range(rank)
                                 if d != axis):
            raise node.error(f"input shapes {[list(t.shape) for t in xs]} do "
                             f"not concatenate along axis {axis}")
        shape[axis] += x.shape[axis]
    text = ("dnn.concat " + ", ".join(x.ssa for x in xs)
            + f" {{axis = {axis} : i64}} : ("
            + ", ".join(x.type for x in xs) + ") -> "
            + _tensor_type(shape, xs[0].dtype))
    return [imp.emit(node.output(0) or node.name, text, shape, xs[0].dtype,
                     node.loc)]


def _softmax(imp: _Importer, node: _Node):
    node.check_attrs({"axis"})
    x = imp.tensor(node, 0)
    old = imp.opset < 13
    axis = int(node.attr("axis", 1 if old else -1))
    if x.rank == 0:
        raise node.error("the input must have rank 1 or more")
    if not -x.rank <= axis < x.rank:
        raise node.error(f"axis {axis} is out of range for rank {x.rank}")
    if axis < 0:
        axis += x.rank
    out = node.output(0) or node.name

    def softmax(t: _Tensor, ax: int, loc: str, hint: str) -> _Tensor:
        return imp.emit(hint, f"dnn.softmax {t.ssa} {{axis = {ax} : i64}} : "
                        f"{t.type}", t.shape, t.dtype, loc)

    if not old or axis == x.rank - 1:
        # Opset < 13 normalises over all of dims axis..rank-1 (the input
        # coerced to 2-D); for the last axis that is the same softmax.
        return [softmax(x, axis, node.loc, out)]
    flat = (math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))
    t = _reshape_op(imp, x, flat, node.aux_loc("to_2d"), out + "_2d")
    t = softmax(t, 1, node.loc, out + "_softmax" if t is not x else out)
    return [_reshape_op(imp, t, x.shape, node.aux_loc("from_2d"), out)]


def _identity(imp: _Importer, node: _Node):
    node.check_attrs(())
    return [imp.value(node, 0)]


def _dropout(imp: _Importer, node: _Node):
    node.check_attrs({"ratio", "seed", "is_test"})
    if node.input(2) is not None:
        mode = imp.const(node, 2, "training_mode")
        if bool(np.asarray(mode).reshape(-1)[0]):
            raise node.error("training_mode=true is not supported (inference "
                             "only)")
    mask = node.output(1)
    if mask is not None and imp.is_used(mask):
        raise node.error(f"the mask output '{mask}' is used; dnn has no "
                         "dropout mask (inference only)")
    return [imp.value(node, 0)]


#: ONNX recurrent activation names -> the dnn ops' names, and which take
#: alpha / beta (with ONNX's defaults).
_RNN_ACTIVATIONS = {
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu",
    "HardSigmoid": "hard_sigmoid", "LeakyRelu": "leaky_relu",
    "ThresholdedRelu": "thresholded_relu", "ScaledTanh": "scaled_tanh",
    "Affine": "affine", "Elu": "elu", "Softsign": "softsign",
    "Softplus": "softplus",
}
_RNN_ALPHA = {"hard_sigmoid": 0.2, "leaky_relu": 0.01, "thresholded_relu": 1.0,
              "scaled_tanh": 1.0, "affine": 1.0, "elu": 1.0}
_RNN_BETA = {"hard_sigmoid": 0.5, "scaled_tanh": 1.0, "affine": 0.0}
#: (gates, activations per direction, default activations) per op.
_RNN_CELLS = {
    "LSTM": (4, 3, ("Sigmoid", "Tanh", "Tanh")),
    "GRU": (3, 2, ("Sigmoid", "Tanh")),
    "RNN": (1, 1, ("Tanh",)),
}


def _f32_array(values) -> str:
    return "array<f32: " + ", ".join(repr(float(v)) for v in values) + ">"


def _recurrent(imp: _Importer, node: _Node):
    """LSTM / GRU / RNN -> dnn.lstm / dnn.gru / dnn.rnn. layout = 1 becomes
    transposes around the op; alpha/beta are resolved per function (ONNX
    consumes them in order by the functions that take them)."""
    op = node.op
    gates, per_dir, default_acts = _RNN_CELLS[op]
    allowed = {"activation_alpha", "activation_beta", "activations", "clip",
               "direction", "hidden_size", "layout"}
    allowed |= {"input_forget"} if op == "LSTM" else set()
    allowed |= {"linear_before_reset"} if op == "GRU" else set()
    node.check_attrs(allowed)
    direction = node.attr("direction", "forward")
    if isinstance(direction, bytes):
        direction = direction.decode()
    if direction not in ("forward", "reverse", "bidirectional"):
        raise node.error(f"direction '{direction}' is not forward, reverse or "
                         "bidirectional")
    dirs = 2 if direction == "bidirectional" else 1
    layout = int(node.attr("layout", 0))
    if layout not in (0, 1):
        raise node.error(f"layout must be 0 or 1, got {layout}")
    x = imp.tensor(node, 0)
    if x.rank != 3:
        raise node.error(f"input '{node.input(0)}' must be 3-D, got shape "
                         f"{list(x.shape)}")
    if layout == 1:
        x = _transpose_op(imp, x, (1, 0, 2), node.aux_loc("layout"),
                          (node.output(0) or node.name) + "_x_tbi")
    steps, batch, _ = x.shape
    w = imp.tensor(node, 1)
    r = imp.tensor(node, 2)
    if r.rank != 3:
        raise node.error(f"R '{node.input(2)}' must be 3-D, got shape "
                         f"{list(r.shape)}")
    hidden = int(node.attr("hidden_size", r.shape[2]))
    if hidden != r.shape[2]:
        raise node.error(f"hidden_size {hidden} differs from R's last "
                         f"dimension {r.shape[2]}")
    lens_operand = None
    if node.input(4) is not None:
        lens = imp.maybe_const(node, 4)
        if lens is None:
            raise node.error("sequence_lens known only at run time is not "
                             "supported (it must be a constant)")
        values = np.asarray(lens.array()).reshape(-1)
        if values.shape != (batch,) or np.any(values < 1) or np.any(
                values > steps):
            raise node.error(f"sequence_lens {values.tolist()} must hold "
                             f"{batch} lengths in [1, {steps}]")
        if np.any(values != steps):
            ssa = imp._fresh(f"{node.input(4)}_i32")
            imp.body.append(
                f"    {ssa} = dnn.constant dense<{values.astype(int).tolist()}>"
                f" : tensor<{batch}xi32> {node.aux_loc('sequence_lens')}")
            lens_operand = _Tensor(ssa, (batch,), "i32")
    in_size = x.shape[2]
    want = {1: (dirs, gates * hidden, in_size), 2: (dirs, gates * hidden, hidden),
            3: (dirs, 2 * gates * hidden), 5: (dirs, batch, hidden),
            6: (dirs, batch, hidden), 7: (dirs, 3 * hidden)}
    names = {1: "W", 2: "R", 3: "B", 5: "initial_h", 6: "initial_c", 7: "P"}

    def check_shape(i: int, t: _Tensor) -> None:
        if t.shape != want[i]:
            raise node.error(
                f"{names[i]} '{node.input(i)}' has shape {list(t.shape)}, "
                f"expected {list(want[i])} ({direction}, {gates} gates, "
                f"hidden {hidden}, batch {batch}, input {in_size})")

    check_shape(1, w)
    check_shape(2, r)
    operands = [("", x), ("", w), ("", r)]
    opt = [(3, "bias"), (5, "h0")]
    if op == "LSTM":
        opt += [(6, "c0"), (7, "peephole")]
    for i, kw in opt:
        if i == 5 and lens_operand is not None:
            operands.append(("lens", lens_operand))
        if node.input(i) is None:
            continue
        t = imp.tensor(node, i)
        if layout == 1 and kw in ("h0", "c0") and t.rank == 3:
            t = _transpose_op(imp, t, (1, 0, 2), node.aux_loc("layout"),
                              f"{node.input(i)}_dbh")
        check_shape(i, t)
        operands.append((kw, t))
    attrs = [f"hidden_size = {hidden} : i64"]
    if direction != "forward":
        attrs.append(f'direction = "{direction}"')
    acts = node.attr("activations")
    alphas = list(node.attr("activation_alpha") or [])
    betas = list(node.attr("activation_beta") or [])
    if acts is not None or alphas or betas:
        names = [a.decode() if isinstance(a, bytes) else a
                 for a in (acts if acts is not None else default_acts * dirs)]
        if len(names) != per_dir * dirs:
            raise node.error(f"expects {per_dir * dirs} activations, got "
                             f"{len(names)}")
        ours, alpha, beta = [], [], []
        for n in names:
            if n not in _RNN_ACTIVATIONS:
                raise node.error(f"activation '{n}' is not supported")
            m = _RNN_ACTIVATIONS[n]
            ours.append(m)
            alpha.append(alphas.pop(0) if m in _RNN_ALPHA and alphas
                         else _RNN_ALPHA.get(m, 0.0))
            beta.append(betas.pop(0) if m in _RNN_BETA and betas
                        else _RNN_BETA.get(m, 0.0))
        attrs.append("activations = [" + ", ".join(f'"{a}"' for a in ours)
                     + "]")
        attrs.append(f"activation_alpha = {_f32_array(alpha)}")
        attrs.append(f"activation_beta = {_f32_array(beta)}")
    clip = node.attr("clip")
    if clip is not None:
        attrs.append(f"clip = {float(clip)!r} : f32")
    if op == "LSTM" and int(node.attr("input_forget", 0)):
        attrs.append("input_forget = true")
    if op == "GRU" and int(node.attr("linear_before_reset", 0)):
        attrs.append("linear_before_reset = true")
    n_results = 3 if op == "LSTM" else 2
    shapes = [(steps, dirs, batch, hidden)] + [(dirs, batch, hidden)] * (
        n_results - 1)
    dtype = x.dtype
    text = (f"dnn.{op.lower()} " + ", ".join(t.ssa for _, t in operands[:3])
            + "".join(f" {kw} {t.ssa}" for kw, t in operands[3:])
            + " {" + ", ".join(attrs) + "} : ("
            + ", ".join(t.type for _, t in operands) + ") -> ("
            + ", ".join(_tensor_type(sh, dtype) for sh in shapes) + ")")
    base = node.output(0) or node.name
    hints = [node.output(i) or f"{base}_{i}" for i in range(n_results)]
    if layout == 1:
        hints = [h + "_tdbh" if i == 0 else h + "_dbh"
                 for i, h in enumerate(hints)]
    results = imp.emit_results(hints, text, shapes, dtype, node.loc)
    if layout == 1:
        results = [_transpose_op(imp, results[0], (2, 0, 1, 3),
                                 node.aux_loc("layout"),
                                 node.output(0) or f"{base}_0")] + [
            _transpose_op(imp, t, (1, 0, 2), node.aux_loc("layout"),
                          node.output(i + 1) or f"{base}_{i + 1}")
            for i, t in enumerate(results[1:])]
    return results


_CONVERTERS: dict[str, Callable[[_Importer, _Node], list]] = {
    "Conv": _conv,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "BatchNormalization": _batch_norm,
    "Relu": _activation("relu"),
    "Sigmoid": _activation("sigmoid"),
    "Tanh": _activation("tanh"),
    "Gelu": _gelu,
    "Clip": _clip,
    "Add": _elementwise("add"),
    "Mul": _elementwise("mul"),
    "Transpose": _transpose,
    "MaxPool": _max_pool,
    "AveragePool": _avg_pool,
    "GlobalAveragePool": _global_avg_pool,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Concat": _concat,
    "Softmax": _softmax,
    "Identity": _identity,
    "Dropout": _dropout,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "RNN": _recurrent,
}

#: The ONNX ops the importer translates into dnn ops (Constant nodes become
#: constants).
SUPPORTED_OPS = tuple(sorted(list(_CONVERTERS) + ["Constant"]))


# ----------------------------------------------------------------------------
# Folders: import-time evaluation (numpy) of nodes whose inputs are known.
# ----------------------------------------------------------------------------

def _fold_constant(imp: _Importer, node: _Node, inputs):
    if len(node.attrs) != 1:
        raise node.error("a Constant node needs exactly one value attribute")
    (name, attr), = node.attrs.items()
    out = node.output(0) or node.name
    if name == "value":
        _check_tensor(attr.t, f"node '{node.name}' (Constant): its value "
                      f"'{attr.t.name}'")
        return [_Const(out, proto=attr.t)]
    if name == "value_float":
        return [np.asarray(attr.f, dtype=np.float32)]
    if name == "value_floats":
        return [np.asarray(list(attr.floats), dtype=np.float32)]
    if name == "value_int":
        return [np.asarray(attr.i, dtype=np.int64)]
    if name == "value_ints":
        return [np.asarray(list(attr.ints), dtype=np.int64)]
    raise node.error(f"a Constant with '{name}' is not supported")


def _fold_shape(imp, node, inputs):
    shape = np.asarray(inputs[0], dtype=np.int64)
    rank = len(shape)
    start = int(node.attr("start", 0))
    end = node.attr("end")
    end = rank if end is None else int(end)
    start = min(max(start + rank if start < 0 else start, 0), rank)
    end = min(max(end + rank if end < 0 else end, 0), rank)
    return [shape[start:end]]


def _fold_unsqueeze(imp, node, inputs):
    axes = node.attr("axes") if imp.opset < 13 else inputs[1]
    x = inputs[0]
    axes = list(np.asarray(axes).reshape(-1))
    rank = x.ndim + len(axes)
    for a in sorted(_axes_list(axes, rank, node)):
        x = np.expand_dims(x, a)
    return [x]


def _fold_squeeze(imp, node, inputs):
    axes = node.attr("axes") if imp.opset < 13 else (
        inputs[1] if len(inputs) > 1 else None)
    x = inputs[0]
    if axes is None:
        return [np.squeeze(x)]
    axes = _axes_list(np.asarray(axes).reshape(-1), x.ndim, node)
    return [np.squeeze(x, axis=tuple(axes))]


def _fold_slice(imp, node, inputs):
    x = inputs[0]
    if imp.opset < 10:
        starts, ends = node.attr("starts"), node.attr("ends")
        axes, steps = node.attr("axes"), None
    else:
        starts, ends = inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 else None
        steps = inputs[4] if len(inputs) > 4 else None
    starts = [int(v) for v in np.asarray(starts).reshape(-1)]
    ends = [int(v) for v in np.asarray(ends).reshape(-1)]
    axes = (list(range(len(starts))) if axes is None
            else _axes_list(np.asarray(axes).reshape(-1), x.ndim, node))
    steps = ([1] * len(starts) if steps is None
             else [int(v) for v in np.asarray(steps).reshape(-1)])
    index = [slice(None)] * x.ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        index[a] = slice(s, e, st)
    return [x[tuple(index)]]


def _fold_cast(imp, node, inputs):
    to = int(node.attr("to"))
    return [inputs[0].astype(helper.tensor_dtype_to_np_dtype(to))]


def _fold_binary(fn):
    def fold(imp, node, inputs):
        a, b = inputs[0], inputs[1]
        return [np.asarray(fn(a, b)).astype(a.dtype)]
    return fold


def _fold_reshape(imp, node, inputs):
    x = inputs[0]
    allowzero = bool(int(node.attr("allowzero", 0)))
    return [x.reshape(_resolve_reshape(node, x.shape, inputs[1], allowzero))]


def _fold_transpose(imp, node, inputs):
    perm = node.attr("perm")
    return [np.ascontiguousarray(np.transpose(
        inputs[0], None if perm is None else [int(p) for p in perm]))]


def _fold_constant_of_shape(imp, node, inputs):
    value = node.attrs.get("value")
    fill = (numpy_helper.to_array(value.t).reshape(-1)[0] if value is not None
            else np.float32(0))
    return [np.full([int(d) for d in inputs[0]], fill, dtype=np.asarray(fill).dtype)]


def _fold_range(imp, node, inputs):
    start, limit, delta = (np.asarray(v).reshape(()) for v in inputs[:3])
    return [np.arange(start, limit, delta).astype(start.dtype)]


def _fold_gather(imp, node, inputs):
    axis = int(node.attr("axis", 0))
    return [np.take(inputs[0], inputs[1].astype(np.int64), axis=axis)]


def _fold_concat(imp, node, inputs):
    return [np.concatenate([i for i in inputs if i is not None],
                           axis=int(node.attr("axis")))]


#: The most elements an import-time evaluation may produce (a ConstantOfShape
#: of [10^6, 10^6] must not try to allocate 4 TB).
MAX_FOLD_ELEMENTS = 1 << 28


def _check_fold_size(node: _Node, inputs) -> None:
    """Rejects, before computing it, the result of a folded op whose size is
    not bounded by its inputs' and is too large."""
    count = None
    try:
        if node.op == "ConstantOfShape":
            shape = [int(d) for d in np.asarray(inputs[0]).reshape(-1)]
            count = math.prod(shape) if all(d >= 0 for d in shape) else 0
        elif node.op == "Range":
            start, limit, delta = (float(np.asarray(v).reshape(-1)[0])
                                   for v in inputs[:3])
            if delta != 0 and math.isfinite((limit - start) / delta):
                count = max(0, math.ceil((limit - start) / delta))
            elif delta != 0:
                count = math.inf
        elif node.op in ("Add", "Sub", "Mul", "Div"):
            shape = _broadcast(np.shape(inputs[0]), np.shape(inputs[1]))
            count = None if shape is None else math.prod(shape)
        elif node.op == "Gather":
            data, index = np.asarray(inputs[0]), np.asarray(inputs[1])
            axis = int(node.attr("axis", 0))
            if data.ndim and -data.ndim <= axis < data.ndim:
                count = (data.size // max(data.shape[axis], 1)) * index.size
    except (TypeError, ValueError, IndexError, OverflowError):
        return  # malformed inputs: the folder reports them
    if count is not None and count > MAX_FOLD_ELEMENTS:
        raise node.error(
            f"the result would have {count} elements; the importer evaluates "
            f"at most {MAX_FOLD_ELEMENTS} at import time")


_FOLDERS: dict[str, Callable] = {
    "Constant": _fold_constant,
    "Identity": lambda imp, node, inputs: [inputs[0]],
    "Shape": _fold_shape,
    "Size": lambda imp, node, inputs: [np.asarray(math.prod(
        int(d) for d in inputs[0]), dtype=np.int64)],
    "Gather": _fold_gather,
    "Unsqueeze": _fold_unsqueeze,
    "Squeeze": _fold_squeeze,
    "Concat": _fold_concat,
    "Cast": _fold_cast,
    "Slice": _fold_slice,
    "Add": _fold_binary(np.add),
    "Sub": _fold_binary(np.subtract),
    "Mul": _fold_binary(np.multiply),
    "Div": _fold_binary(_int_div),
    "Neg": lambda imp, node, inputs: [np.negative(inputs[0])],
    "Reshape": _fold_reshape,
    "Transpose": _fold_transpose,
    "ConstantOfShape": _fold_constant_of_shape,
    "Range": _fold_range,
}


# ----------------------------------------------------------------------------
# Loading and writing
# ----------------------------------------------------------------------------

def _repeated(field) -> bool:
    rep = getattr(field, "is_repeated", None)  # protobuf >= 5.29
    return field.label == field.LABEL_REPEATED if rep is None else rep


class _WireError(Exception):
    pass


def _wire_error(data: bytes, descriptor) -> str | None:
    """Where the protobuf wire format of `data`, a message of `descriptor`,
    is broken: "at byte N, in graph.node[2]: ...", or None if it is not
    (protobuf refused it for another reason)."""
    end_of_file = len(data)

    def ends(end: int) -> str:
        return (f"the file ends at byte {end}" if end == end_of_file else
                f"its enclosing message ends at byte {end}")

    def varint(pos: int, end: int, path: str) -> tuple[int, int]:
        value = shift = 0
        start = pos
        while True:
            if pos >= end:
                raise _WireError(start, path, "a varint is cut off: "
                                 + ends(end))
            b = data[pos]
            pos += 1
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value, pos
            shift += 7
            if shift >= 70:
                raise _WireError(start, path, "a varint is longer than 10 "
                                 "bytes")

    def scan(pos: int, end: int, desc, path: str, depth: int,
             group: int | None = None) -> int:
        counts: dict[int, int] = {}
        while pos < end:
            at = pos
            tag, pos = varint(pos, end, path.rstrip(".") or "the model")
            number, wire = tag >> 3, tag & 7
            field = desc.fields_by_number.get(number) if desc else None
            where = path + (field.name if field else f"field {number}")
            if field is not None and _repeated(field):
                counts[number] = counts.get(number, 0) + 1
                where += f"[{counts[number] - 1}]"
            if number == 0:
                raise _WireError(at, where, "field number 0")
            if wire == 0:
                _, pos = varint(pos, end, where)
            elif wire in (1, 5):
                size = 8 if wire == 1 else 4
                if pos + size > end:
                    raise _WireError(at, where, f"{size} bytes of data, but "
                                     + ends(end))
                pos += size
            elif wire == 2:
                length, pos = varint(pos, end, where)
                cut = pos + length > end
                if field is not None and field.type == field.TYPE_MESSAGE:
                    if depth >= 100:
                        raise _WireError(at, where, "messages nested more "
                                         "than 100 deep")
                    scan(pos, min(pos + length, end), field.message_type,
                         where + ".", depth + 1)
                if cut:
                    raise _WireError(at, where, f"{length} bytes declared, "
                                     "but " + ends(end))
                pos += length
            elif wire == 3:
                if depth >= 100:
                    raise _WireError(at, where, "groups nested more than "
                                     "100 deep")
                pos = scan(pos, end, None, where + ".", depth + 1, number)
            elif wire == 4:
                if group != number:
                    raise _WireError(at, where, "an end-group tag without "
                                     "its start")
                return pos
            else:
                raise _WireError(at, where, f"invalid wire type {wire}")
        if group is not None:
            raise _WireError(end, path.rstrip("."), "a group is not closed")
        return pos

    try:
        scan(0, len(data), descriptor, "", 0)
    except _WireError as exc:
        at, where, what = exc.args
        if len(where) > 160:  # nested 100 deep
            where = where[:60] + "..." + where[-80:]
        return f"at byte {at}, in {where}: {what}"
    return None


def _bad_utf8(message, path: str = "") -> tuple[str, bytes] | None:
    """The first string field of `message` whose bytes are not UTF-8
    (protobuf hands them over as bytes) with its path, or None. Bytes
    fields (raw_data) are not touched: reading them would copy them."""
    for field in message.DESCRIPTOR.fields:
        if field.type not in (field.TYPE_STRING, field.TYPE_MESSAGE):
            continue
        repeated = _repeated(field)
        if not repeated and not message.HasField(field.name):
            continue
        value = getattr(message, field.name)
        name = path + field.name
        items = enumerate(value) if repeated else [(None, value)]
        if field.type == field.TYPE_STRING:
            for i, v in items:
                if isinstance(v, bytes):
                    return (name if i is None else f"{name}[{i}]"), v
        else:
            for i, m in items:
                found = _bad_utf8(m, (name if i is None else f"{name}[{i}]")
                                  + ".")
                if found:
                    return found
    return None


def _all_tensors(graph: onnx.GraphProto) -> Iterator[TensorProto]:
    """The initializers and attribute tensors of a graph and its subgraphs."""
    yield from graph.initializer
    for n in graph.node:
        for a in n.attribute:
            if a.HasField("t"):
                yield a.t
            yield from a.tensors
            if a.HasField("g"):
                yield from _all_tensors(a.g)
            for sub in a.graphs:
                yield from _all_tensors(sub)


def _load_external_data(model: onnx.ModelProto, base: pathlib.Path) -> None:
    """Reads the external data of the model's tensors from files in `base`
    (the model's directory, which no file may be outside of), checking the
    amount against each tensor's shape before reading it."""
    tensors = list(_all_tensors(model.graph))
    for f in model.functions:
        for n in f.node:
            tensors.extend(a.t for a in n.attribute if a.HasField("t"))
    root = os.path.realpath(base)
    for t in tensors:
        if t.data_location != TensorProto.EXTERNAL:
            continue
        what = f"tensor '{t.name}'"
        info = {e.key: e.value for e in t.external_data}
        location = info.get("location", "")
        if not location:
            raise OnnxImportError(f"{what} keeps its data in an external "
                                  "file but names none (no 'location')")
        shown = f"its external data file '{location}'"
        real = os.path.realpath(os.path.join(root, location))
        if (os.path.isabs(location) or
                os.path.commonpath([root, real]) != root):
            raise OnnxImportError(f"{what}: {shown} is outside the model's "
                                  f"directory {base}")
        if not os.path.isfile(real):
            raise OnnxImportError(f"{what}: {shown} does not exist (in "
                                  f"{base})")
        try:
            offset = int(info.get("offset") or 0)
            length = info.get("length")
            length = None if length in (None, "") else int(length)
        except ValueError:
            raise OnnxImportError(f"{what}: the offset '{info.get('offset')}'"
                                  f" or length '{info.get('length')}' of its "
                                  "external data is not a number") from None
        size = os.path.getsize(real)
        if offset < 0 or offset > size:
            raise OnnxImportError(f"{what}: offset {offset} is past the end "
                                  f"of {shown} ({size} bytes)")
        if length is None:
            length = size - offset
        if length < 0 or offset + length > size:
            raise OnnxImportError(f"{what}: {length} bytes at offset "
                                  f"{offset} run past the end of {shown} "
                                  f"({size} bytes)")
        _check_tensor(t, what)  # element type and dims
        expected = _data_bytes(t)
        if expected is not None and length != expected:
            raise OnnxImportError(
                f"{what}: {shown} holds {length} bytes for it, expected "
                f"{expected} for shape {list(t.dims)} of "
                f"{_elem_name(t.data_type)}")
        try:
            with open(real, "rb") as f:
                f.seek(offset)
                data = f.read(length)
        except OSError as exc:
            raise OnnxImportError(f"{what}: cannot read {shown}: "
                                  f"{exc.strerror}") from None
        t.raw_data = data
        t.data_location = TensorProto.DEFAULT
        del t.external_data[:]


def _load(model: ModelLike) -> tuple[onnx.ModelProto, str]:
    if isinstance(model, onnx.ModelProto):
        _check_utf8(model, "an onnx.ModelProto")
        return model, "an onnx.ModelProto"
    path = pathlib.Path(model)
    if not path.exists():
        raise OnnxImportError(f"{path}: no such file")
    if path.is_dir():
        raise OnnxImportError(f"{path}: is a directory, not an ONNX file")
    if not path.is_file():  # a FIFO or a device: reading it may never end
        raise OnnxImportError(f"{path}: not a regular file")
    try:
        size = path.stat().st_size
        loaded = onnx.load(str(path), load_external_data=False)
    except OSError as exc:
        raise OnnxImportError(f"{path}: cannot read: {exc.strerror}") from None
    except Exception as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        where = None
        if (onnx.serialization.registry.get_format_from_file_extension(
                path.suffix) or "protobuf") == "protobuf":
            try:
                where = _wire_error(path.read_bytes(),
                                    onnx.ModelProto.DESCRIPTOR)
            except OSError:
                pass
        raise OnnxImportError(f"{path}: not a valid ONNX model (cannot be "
                              f"parsed{' ' + where if where else ': ' + msg})"
                              ) from None
    if size == 0:
        raise OnnxImportError(f"{path}: not a valid ONNX model (the file is "
                              "empty)")
    _check_utf8(loaded, path.name)
    _load_external_data(loaded, path.parent)
    return loaded, path.name


def _check_utf8(model: onnx.ModelProto, source: str) -> None:
    found = _bad_utf8(model)
    if found:
        where, value = found
        shown = value.decode("utf-8", "backslashreplace")
        raise OnnxImportError(f"{source}: {where} is not valid UTF-8: "
                              f"'{shown}'")


def _check_model(model: onnx.ModelProto, source: str) -> onnx.ModelProto:
    missing = [what for what, bad in (
        ("no IR version", model.ir_version <= 0),
        ("no graph", not model.HasField("graph"))) if bad]
    if missing:
        raise OnnxImportError(f"{source}: not a valid ONNX model ("
                              + " and ".join(missing) + ")")
    if model.ir_version > onnx.IR_VERSION:
        raise OnnxImportError(
            f"{source}: IR version {model.ir_version} is newer than "
            f"{onnx.IR_VERSION}, the newest that onnx {onnx.__version__} "
            "knows")
    versions = sorted({op.version for op in model.opset_import
                       if op.domain in ("", "ai.onnx")})
    if len(versions) > 1:
        raise OnnxImportError(
            f"{source}: the default ONNX domain is imported more than once, "
            f"as opsets {', '.join(map(str, versions))}")
    opset = _default_opset(model)
    if opset == 0:
        raise OnnxImportError(f"{source}: the model imports no default-domain "
                              "opset")
    newest = onnx.defs.onnx_opset_version()
    if opset > newest:
        raise OnnxImportError(
            f"{source}: opset {opset} is newer than {newest}, the newest "
            f"that onnx {onnx.__version__} knows")
    if opset < MIN_OPSET:
        raise OnnxImportError(
            f"{source}: opset {opset} is older than {MIN_OPSET}, the oldest "
            "the importer supports; convert the model with "
            "onnx.version_converter.convert_version(model, 13)")
    if len(model.functions):
        try:
            from onnx import inliner  # noqa: PLC0415 (not in `import onnx`)
            model = inliner.inline_local_functions(model)
        except Exception as exc:
            raise OnnxImportError(f"{source}: cannot inline the model's local "
                                  f"functions: {exc}") from None
    return model


def _parse_shapes(shapes) -> dict[str, list[int]]:
    if shapes is None:
        return {}
    out: dict[str, list[int]] = {}
    items = shapes.items() if isinstance(shapes, Mapping) else shapes
    for item in items:
        if isinstance(item, str):
            name, sep, dims = item.rpartition("=")
            if not sep or not name:
                raise OnnxImportError(
                    f"--input-shape '{item}': expected NAME=D0,D1,... "
                    "(e.g. input=1,3,224,224)")
        else:
            name, dims = item
        try:
            if isinstance(dims, str):  # "1,3,224,224" or "1x3x224x224"
                dims = dims.replace("x", ",").split(",")
            dims = [int(d) for d in dims if not isinstance(d, str)
                    or d.strip()]
        except (TypeError, ValueError):
            raise OnnxImportError(
                f"--input-shape {name}: expected a list of integer "
                f"dimensions, got {dims!r}") from None
        if any(d < 1 for d in dims):
            raise OnnxImportError(f"--input-shape {name}: dimensions must be "
                                  f"positive, got {dims}")
        out[name] = dims
    return out


def _generate(model: ModelLike, input_shapes):
    proto, source = _load(model)
    proto = _check_model(proto, source)
    imp = _Importer(proto, _parse_shapes(input_shapes), source)
    lines, blobs = imp.run()
    return lines, blobs, imp.stats


def _chunks(lines: list[str], blobs: list) -> Iterator[str]:
    yield "\n".join(lines)
    yield "\n"
    if not blobs:
        return
    yield "\n{-#\n  dialect_resources: {\n    builtin: {\n"
    for i, (key, align, const, dtype) in enumerate(blobs):
        yield f'      {key}: "0x{align:02X}000000'
        yield const.raw_bytes(dtype).hex().upper()
        yield '",\n' if i + 1 < len(blobs) else '"\n'
    yield "    }\n  }\n#-}\n"


def import_model(model: ModelLike, *, input_shapes=None) -> str:
    """The dnn-dialect MLIR text of an ONNX model (a path or a ModelProto).

    `input_shapes` maps graph input names to static shapes (a dict, or
    "name=1,3,224,224" strings), overriding the model's (dynamic) shapes.
    Raises OnnxImportError for anything the importer cannot translate."""
    lines, blobs, _ = _generate(model, input_shapes)
    return "".join(_chunks(lines, blobs))


def import_to_file(model: ModelLike, output: str | os.PathLike, *,
                   input_shapes=None) -> dict:
    """Imports `model` and writes the MLIR to `output` ('-': stdout). The
    file is written completely or not at all. Returns counts: dnn ops
    ("ops", constants excluded), "constants" and "blob_bytes"."""
    lines, blobs, stats = _generate(model, input_shapes)
    if str(output) == "-":
        out = sys.stdout
        for chunk in _chunks(lines, blobs):
            out.write(chunk)
        out.flush()
        return stats
    path = pathlib.Path(output)
    # A temporary file next to the output, renamed when complete; created
    # with the umask's permissions like any new file.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OnnxImportError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in _chunks(lines, blobs):
                f.write(chunk.encode("utf-8"))
        os.replace(tmp, path)
        return stats
    except OSError as exc:
        os.unlink(tmp)
        raise OnnxImportError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------

class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit with 1, like all others
        self.print_usage(sys.stderr)
        self.exit(1, f"dnn-import: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _ArgumentParser(
        prog="dnn-import",
        description="Import an ONNX model into the dnn dialect (MLIR text).",
        epilog="Supported operators: " + ", ".join(SUPPORTED_OPS)
        + ". See docs/importer.md.")
    parser.add_argument("model", help="the .onnx file")
    parser.add_argument("-o", "--output", default=None,
                        help="output .mlir file, '-' for stdout (default: the "
                             "model's name with .mlir, in the current "
                             "directory)")
    parser.add_argument("--input-shape", action="append", default=[],
                        metavar="NAME=D0,D1,...",
                        help="static shape of a graph input (overrides dynamic "
                             "dimensions), e.g. input=1,3,224,224; repeatable")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print what was imported and how long it took "
                             "(on stderr)")
    args = parser.parse_args(argv)
    output = args.output or pathlib.Path(args.model).with_suffix(".mlir").name
    start = time.perf_counter()
    try:
        stats = import_to_file(args.model, output,
                               input_shapes=args.input_shape)
    except OnnxImportError as exc:
        print(f"dnn-import: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dnn-import: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except MemoryError:
        print("dnn-import: error: out of memory", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still no traceback unless asked for
        if os.environ.get("DNN_IMPORT_TRACEBACK"):
            raise
        print(f"dnn-import: internal error: {type(exc).__name__}: {exc} "
              "(set DNN_IMPORT_TRACEBACK=1 for the traceback)",
              file=sys.stderr)
        return 1
    if args.verbose:
        print(f"dnn-import: {args.model} -> {output}: {stats['ops']} dnn ops, "
              f"{stats['constants']} constants "
              f"({stats['blob_bytes'] / 1e6:.1f} MB of blobs) in "
              f"{time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
