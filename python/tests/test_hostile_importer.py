"""Hostile-input tests of the ONNX importer (docs/importer.md, "Malformed
input").

Every malformed or hostile ONNX file must end in one clean diagnostic line,
`dnn-import: error: ...`, and exit status 1: never a Python traceback, an
"internal error", a crash (a negative status), a hang or unbounded memory.
The command line runs as a subprocess with a 60 s timeout and a 4 GiB
address-space limit, and the diagnostic must name what is wrong and where:
the node (`node 'conv1' (Conv)`), the initializer, input or output, or for
a file that cannot be parsed the file and the byte offset. A failed import
leaves no output file at all (not even a partial one, nor the temporary
file it writes first), and with `-o -` prints nothing on stdout.

The models are small valid ones (Conv -> Relu -> Flatten -> Gemm, an LSTM,
a GRU) built with onnx.helper and then broken one way each. The few cases
that are valid ONNX the importer can translate (odd names, float64) must
import, and the MLIR must parse with dnn-opt.
"""
from __future__ import annotations

import os
import pathlib
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import external_data_helper, helper, numpy_helper

from conftest import address_space_limit
from test_importer import F32, F64, cli, make_model, node, rand, roundtrip

TIMEOUT_S = 60
MEMORY_LIMIT = 4 << 30  # bytes of address space for the importer process


_limit_memory = address_space_limit(MEMORY_LIMIT)


# ---------------------------------------------------------------------------
# Valid base models
# ---------------------------------------------------------------------------

def _cnn(opset=17, elem=F32):
    """x[1,3,4,4] -> Conv 'conv1' (w, b, pads 1) -> Relu 'relu1' -> Flatten
    'flat' -> Gemm 'fc' (fc.w 10x64, fc.b, transB=1) -> y[1,10]."""
    dtype = {F32: np.float32, F64: np.float64}[elem]
    nodes = [node("Conv", ["x", "w", "b"], ["c"], name="conv1",
                  pads=[1, 1, 1, 1]),
             node("Relu", ["c"], ["r"], name="relu1"),
             node("Flatten", ["r"], ["f"], name="flat"),
             node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
    inits = {"w": rand((4, 3, 3, 3), 1, dtype), "b": rand((4,), 2, dtype),
             "fc.w": rand((10, 64), 3, dtype), "fc.b": rand((10,), 4, dtype)}
    return make_model(nodes, [("x", (1, 3, 4, 4), elem)], [("y", elem)], inits,
                      opset)


def _rnn(op="LSTM", hidden=4, direction="forward", gates=None, w_hidden=None,
         **attrs):
    """x[5,2,3] -> LSTM/GRU 'enc.<op>' (W, R, B) -> Y. `gates`/`w_hidden`
    size W (only) differently from what the op needs."""
    g = {"LSTM": 4, "GRU": 3}[op]
    dirs = 2 if direction == "bidirectional" else 1
    wg, wh = gates or g, w_hidden or hidden
    inits = {"W": rand((dirs, wg * wh, 3), 1),
             "R": rand((dirs, g * hidden, hidden), 2),
             "B": rand((dirs, 2 * g * hidden), 3)}
    n = node(op, ["x", "W", "R", "B"], ["Y"], name=f"enc.{op.lower()}",
             hidden_size=hidden, direction=direction, **attrs)
    return make_model([n], [("x", (5, 2, 3))], ["Y"], inits)


def _find(model, name):
    """The node or initializer called `name`."""
    for n in model.graph.node:
        if n.name == name:
            return n
    for t in model.graph.initializer:
        if t.name == name:
            return t
    raise KeyError(name)


def _set_attr(model, node_name, attr):
    """Replaces (or adds) attribute `attr` of node `node_name`."""
    n = _find(model, node_name)
    kept = [a for a in n.attribute if a.name != attr.name]
    del n.attribute[:]
    n.attribute.extend(kept + [attr])
    return model


def _attr(node_name, name, value, base=_cnn):
    """A builder: `base()` with attribute `name` of `node_name` set to
    `value` (its type as onnx.helper infers it)."""
    return lambda tmp: _set_attr(base(), node_name,
                                 helper.make_attribute(name, value))


def _init(name, tensor, base=_cnn):
    """A builder: `base()` with initializer `name` replaced by `tensor`."""
    def build(tmp):
        m = base()
        t = _find(m, name)
        t.CopyFrom(tensor)
        t.name = name
        return m
    return build


def _edit(fn, base=_cnn):
    """A builder: `base()` changed in place by fn(model)."""
    def build(tmp):
        m = base()
        fn(m)
        return m
    return build


def _raw(name, shape, data: bytes, elem=T.FLOAT):
    t = T()
    t.name, t.data_type, t.raw_data = name, elem, data
    t.dims.extend(shape)
    return t


# ---------------------------------------------------------------------------
# Unreadable files
# ---------------------------------------------------------------------------

_GOOD = None


def _good_bytes():
    global _GOOD
    if _GOOD is None:
        _GOOD = _cnn().SerializeToString()
    return _GOOD


def _truncated(where):
    def build(tmp):
        data = _good_bytes()
        if isinstance(where, float):
            cut = int(len(data) * where)
        else:
            cut = where if where >= 0 else len(data) + where
        data = data[:cut]
        with pytest.raises(Exception):  # really malformed
            onnx.ModelProto.FromString(data)
        return data
    return build


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ld(field, payload):
    """A length-delimited protobuf field."""
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _deeply_nested(tmp):
    """Graph -> node -> attribute g -> graph -> ... 200 levels: deeper than
    protobuf's recursion limit (100)."""
    graph = b""
    for _ in range(200):
        attr = _ld(1, b"g") + _ld(6, graph)          # AttributeProto
        graph = _ld(1, _ld(4, b"If") + _ld(5, attr))  # GraphProto.node
    return _varint(1 << 3) + _varint(8) + _ld(7, graph)


def _other_message(message):
    return lambda tmp: message.SerializeToString()


def _directory(tmp):
    d = tmp / "model.onnx"
    d.mkdir()
    return d


def _fifo(tmp):
    """A named pipe: opening it for reading would wait for a writer."""
    path = tmp / "model.onnx"
    os.mkfifo(path)
    return path


def _non_utf8(original: bytes, where="node"):
    """A model with name bytes replaced by invalid UTF-8 (same length)."""
    def build(tmp):
        m = _cnn()
        if where == "node":
            _find(m, "relu1").name = original.decode()
        elif where == "init":
            for n in m.graph.node:
                n.input[:] = [original.decode() if i == "fc.b" else i
                              for i in n.input]
            _find(m, "fc.b").name = original.decode()
        elif where == "attr":
            conv = _find(m, "conv1")
            del conv.attribute[:]
            conv.attribute.append(helper.make_attribute("auto_pad", original))
        data = m.SerializeToString()
        assert data.count(original) == (2 if where == "init" else 1)
        return data.replace(original, original[:-2] + b"\xff\xfe")
    return build


FILE_CASES = [
    pytest.param(_truncated(w), ("bad.onnx", "not a valid ONNX model",
                                 re.compile(r"at byte \d+")),
                 id=(f"truncated-{round(w * 100)}pct" if isinstance(w, float)
                     else f"truncated-at-{w}" if w >= 0
                     else "truncated-1-short"))
    for w in (1, 3, 6, 0.1, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 0.9, 0.99, -1)
] + [
    pytest.param(lambda tmp: b"", ("bad.onnx", "empty"), id="zero-bytes"),
    pytest.param(lambda tmp: np.random.default_rng(7).bytes(4096),
                 ("bad.onnx", "not a valid ONNX model",
                  re.compile(r"at byte \d+")), id="random-bytes"),
    pytest.param(lambda tmp: _good_bytes() + b"\xff\xff\xff",
                 ("bad.onnx", re.compile(r"at byte \d+")),
                 id="trailing-garbage"),
    pytest.param(lambda tmp: b"\x08\x08" + b"\x0f" + b"\x00" * 8,
                 ("bad.onnx", re.compile(r"at byte 2\b")),
                 id="invalid-wire-type"),
    pytest.param(_other_message(_cnn().graph), ("bad.onnx", "no graph"),
                 id="a-GraphProto"),
    pytest.param(_other_message(numpy_helper.from_array(rand((3, 3)), "w")),
                 ("bad.onnx",), id="a-TensorProto"),
    pytest.param(_deeply_nested, ("bad.onnx", "nested",
                                  re.compile(r"at byte \d+")),
                 id="nested-200-deep"),
    pytest.param(_directory, ("model.onnx", "is a directory"), id="directory"),
    pytest.param(_fifo, ("model.onnx", "not a regular file"), id="fifo"),
    pytest.param(lambda tmp: pathlib.Path("/dev/zero"),
                 ("/dev/zero", "not a regular file"), id="dev-zero"),
    pytest.param(lambda tmp: tmp / "missing.onnx",
                 ("missing.onnx", "no such file"), id="missing-file"),
    pytest.param(_non_utf8(b"relu1@@"),
                 ("bad.onnx", "graph.node[1].name", "not valid UTF-8",
                  "relu1"), id="non-utf8-node-name"),
    pytest.param(_non_utf8(b"fc.b@@", "init"),
                 ("bad.onnx", "not valid UTF-8", "fc.b"),
                 id="non-utf8-initializer-name"),
    # AttributeProto.s is bytes, not a string: no UTF-8 is required, and
    # the value is simply not one auto_pad has.
    pytest.param(_non_utf8(b"SAME_UPPER@@", "attr"),
                 ("node 'conv1' (Conv)", "auto_pad", "SAME_UPPER"),
                 id="non-utf8-attribute-string"),
]


# ---------------------------------------------------------------------------
# Element types and tensor data
# ---------------------------------------------------------------------------

def _external(location, offset=0, length=None, data=None, link=None):
    """The cnn saved in tmp/model/ with w's data in the external file
    `location` (written with `data` when given, relative to tmp/model/)."""
    def build(tmp):
        d = tmp / "model"
        d.mkdir()
        (tmp / "outside.bin").write_bytes(rand((4, 3, 3, 3), 1).tobytes())
        if data is not None:
            (d / location).write_bytes(data)
        if link is not None:
            (d / location).symlink_to(link)
        m = _cnn()
        w = _find(m, "w")
        w.CopyFrom(numpy_helper.from_array(rand((4, 3, 3, 3), 1), "w"))
        external_data_helper.set_external_data(
            w, str(location), offset=offset, length=length)
        w.data_location = T.EXTERNAL
        w.ClearField("raw_data")
        path = d / "bad.onnx"
        path.write_bytes(m.SerializeToString())
        return path
    return build


def _huge_constant_of_shape(tmp):
    return make_model(
        [node("ConstantOfShape", ["s"], ["big"], name="cos",
              value=helper.make_tensor("v", F32, [1], [1.0])),
         node("Relu", ["big"], ["y"], name="relu1")],
        [], ["y"], {"s": np.array([10**6, 10**6], np.int64)})


def _huge_range(tmp):
    return make_model(
        [node("Range", ["s", "l", "d"], ["big"], name="rng"),
         node("Relu", ["big"], ["y"], name="relu1")],
        [], ["y"], {"s": np.float32(0), "l": np.float32(1e12),
                    "d": np.float32(1)})


def _huge_broadcast(tmp):
    fill = helper.make_tensor("v", F32, [1], [1.0])
    return make_model(
        [node("ConstantOfShape", ["s1"], ["a"], name="cos1", value=fill),
         node("ConstantOfShape", ["s2"], ["b"], name="cos2", value=fill),
         node("Add", ["a", "b"], ["big"], name="bcast"),
         node("Relu", ["big"], ["y"], name="relu1")],
        [], ["y"], {"s1": np.array([10**5, 1], np.int64),
                    "s2": np.array([1, 10**5], np.int64)})


def _huge_reshape_shape(tmp):
    m = make_model([node("Reshape", ["x", "s"], ["y"], name="rs")],
                   [("x", (2, 3))], ["y"],
                   {"s": np.array([6], np.int64)})
    s = _find(m, "s")
    s.ClearField("raw_data")
    del s.dims[:]
    s.dims.append(10**12)
    return m


def _huge_initializer_relu(tmp):
    m = make_model([node("Relu", ["k"], ["y"], name="relu1")], [], ["y"],
                   {"k": np.zeros((2, 2), np.float32)})
    k = _find(m, "k")
    del k.dims[:]
    k.dims.extend([10**6, 10**6])
    return m


def _huge_gemm_weight(tmp):
    m = _cnn()
    fc = _find(m, "fc")
    fc.input[:] = ["f", "fc.w"]
    w = _find(m, "fc.w")
    w.ClearField("raw_data")
    del w.dims[:]
    w.dims.extend([10**12 // 64, 64])
    return m


def _float_data(name, shape, values):
    t = helper.make_tensor(name, F32, [len(values)], values)
    del t.dims[:]
    t.dims.extend(shape)
    return t


DTYPE_CASES = [
    pytest.param(_init("w", numpy_helper.from_array(
        np.ones((4, 3, 3, 3), np.int64))), ("conv1", "int64"),
        id="conv-weight-int64"),
    pytest.param(_init("w", helper.make_tensor(
        "w", T.STRING, (4, 3, 3, 3), [b"a"] * 108)), ("conv1", "string"),
        id="conv-weight-string"),
    pytest.param(_init("w", numpy_helper.from_array(
        np.ones((4, 3, 3, 3), bool))), ("conv1", "bool"),
        id="conv-weight-bool"),
    pytest.param(_init("w", numpy_helper.from_array(
        np.ones((4, 3, 3, 3), np.complex64))), ("conv1", "complex64"),
        id="conv-weight-complex64"),
    pytest.param(_init("w", _raw("w", (4, 3, 3, 3), b"\0" * 432, elem=0)),
                 ("'w'", "undefined"), id="conv-weight-undefined-type"),
    pytest.param(_edit(lambda m: m.graph.input[0].type.tensor_type.__setattr__(
        "elem_type", T.INT64)), ("conv1", "int64"), id="input-int64"),
    pytest.param(_edit(lambda m: m.graph.input[0].type.tensor_type.__setattr__(
        "elem_type", F64)), ("node 'conv1' (Conv)", "inconsistent type"),
        id="input-float64-weights-float32"),
    pytest.param(_init("w", _raw("w", (4, 3, 3, 3), b"\0" * 400)),
                 ("'w'", "400 bytes", "432"), id="raw-data-short"),
    pytest.param(_init("b", _raw("b", (4,), b"\0" * 20)),
                 ("'b'", "20 bytes", "16"), id="raw-data-long-small-tensor"),
    pytest.param(_init("fc.w", _float_data("fc.w", (10, 64), [0.5] * 63)),
                 ("'fc.w'",), id="float-data-count"),
    pytest.param(_init("w", _raw("w", (-4, 3, 3, 3), b"\0" * 432)),
                 ("'w'", "negative"), id="negative-dims"),
    # An empty weight is valid ONNX: the Conv has 0 output channels, which
    # the Gemm after it does not fit.
    pytest.param(_init("w", _raw("w", (0, 3, 3, 3), b"")),
                 ("node 'fc' (Gemm)",), id="zero-dims-weight"),
    pytest.param(lambda tmp: make_model(
        [node("Relu", ["k"], ["y"], name="relu1")], [], ["y"],
        {"k": np.zeros((0, 3), np.float32)}),
        ("node 'relu1' (Relu)", "'k'", "empty"), id="zero-dims-operand"),
    pytest.param(_huge_gemm_weight, ("'fc.w'",), id="dims-1e12-gemm-weight"),
    pytest.param(_huge_initializer_relu, ("'k'",), id="dims-1e12-operand"),
    pytest.param(_huge_reshape_shape, ("'s'",), id="dims-1e12-int64-shape"),
    pytest.param(_huge_constant_of_shape, ("node 'cos' (ConstantOfShape)",),
                 id="constant-of-shape-1e12"),
    pytest.param(_huge_range, ("node 'rng' (Range)",), id="range-1e12"),
    pytest.param(_huge_broadcast, ("node 'bcast' (Add)",),
                 id="broadcast-1e10"),
    pytest.param(_external("missing.bin"), ("'w'", "missing.bin"),
                 id="external-missing-file"),
    pytest.param(_external("../outside.bin"), ("'w'", "outside.bin",
                                              "outside the model's directory"),
                 id="external-parent-dir"),
    pytest.param(lambda tmp: _external(tmp / "outside.bin")(tmp),
                 ("'w'", "outside.bin", "outside the model's directory"),
                 id="external-absolute-path"),
    pytest.param(_external("link.bin", link="../outside.bin"),
                 ("'w'", "link.bin", "outside the model's directory"),
                 id="external-symlink-outside"),
    pytest.param(_external("ext.bin", offset=4096, data=b"\0" * 432),
                 ("'w'", "ext.bin", "4096"), id="external-offset-past-end"),
    pytest.param(_external("ext.bin", length=8, data=b"\0" * 432),
                 ("'w'", "8 bytes"), id="external-length-short"),
]


# ---------------------------------------------------------------------------
# Graph structure
# ---------------------------------------------------------------------------

def _rewire(node_name, inputs=None, outputs=None):
    def fn(m):
        n = _find(m, node_name)
        if inputs is not None:
            n.input[:] = inputs
        if outputs is not None:
            n.output[:] = outputs
    return _edit(fn)


def _recursive_function(tmp):
    """A model-local function that calls itself."""
    ops = [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)]
    f = helper.make_function("local", "F", ["a"], ["b"], [
        helper.make_node("F", ["a"], ["b"], domain="local")], ops)
    g = helper.make_graph(
        [helper.make_node("F", ["x"], ["y"], domain="local", name="call")],
        "g", [helper.make_tensor_value_info("x", F32, [2])],
        [helper.make_tensor_value_info("y", F32, [2])])
    return helper.make_model(g, opset_imports=ops, functions=[f])


def _bad_constant_node(tmp):
    value = _raw("kv", (4,), b"\0" * 8)
    return make_model([node("Constant", [], ["k"], name="k", value=value),
                       node("Add", ["x", "k"], ["y"], name="add1")],
                      [("x", (4,))], ["y"])


def _two_node_cycle(m):
    _find(m, "relu1").input[:] = ["r2"]
    extra = node("Relu", ["r"], ["r2"], name="relu2")
    m.graph.node.insert(2, extra)


def _duplicate_output(m):
    m.graph.node.insert(2, node("Sigmoid", ["c"], ["r"], name="sig1"))


def _opsets(*pairs, ir=None):
    def fn(m):
        del m.opset_import[:]
        m.opset_import.extend(helper.make_opsetid(d, v) for d, v in pairs)
        if ir is not None:
            m.ir_version = ir
    return _edit(fn)


def _set(field, value):
    return _edit(lambda m: setattr(m, field, value))


def _node_field(node_name, field, value):
    return _edit(lambda m: setattr(_find(m, node_name), field, value))


GRAPH_CASES = [
    pytest.param(_rewire("relu1", inputs=["r"]), ("node 'relu1' (Relu)",
                                                  "cycle"),
                 id="self-cycle"),
    pytest.param(_edit(_two_node_cycle), ("relu", "cycle"),
                 id="two-node-cycle"),
    pytest.param(_rewire("fc", inputs=["f", "fc.w", "ghost"]),
                 ("node 'fc' (Gemm)", "'ghost'"), id="undefined-input"),
    pytest.param(_edit(_duplicate_output), ("'r'", "relu1", "sig1"),
                 id="duplicate-output-name"),
    pytest.param(_rewire("relu1", outputs=["x"]), ("node 'relu1' (Relu)",
                                                   "'x'"),
                 id="output-shadows-graph-input"),
    pytest.param(_rewire("relu1", outputs=["fc.b"]), ("node 'relu1' (Relu)",
                                                      "'fc.b'"),
                 id="output-shadows-initializer"),
    pytest.param(_edit(lambda m: m.graph.input.append(m.graph.input[0])),
                 ("graph input 'x'",), id="duplicate-graph-input"),
    pytest.param(_edit(lambda m: m.graph.initializer.append(
        numpy_helper.from_array(rand((5,)), "b"))), ("initializer 'b'",),
        id="duplicate-initializer"),
    pytest.param(lambda tmp: make_model([], [], []), ("no outputs",),
                 id="empty-graph"),
    pytest.param(_edit(lambda m: m.graph.output.append(
        helper.make_tensor_value_info("ghost", F32, None))),
        ("graph output 'ghost'",), id="output-not-produced"),
    pytest.param(_node_field("relu1", "op_type", "FooBar"),
                 ("node 'relu1' (FooBar)", "not supported"),
                 id="unknown-op"),
    pytest.param(_node_field("relu1", "op_type", ""),
                 ("node 'relu1'", "no op_type"), id="empty-op-type"),
    pytest.param(_node_field("relu1", "domain", "com.example"),
                 ("node 'relu1' (Relu)", "com.example"),
                 id="unknown-domain"),
    pytest.param(_opsets(), ("bad.onnx", "opset"), id="no-opset-import"),
    pytest.param(_opsets(("com.example", 1)), ("bad.onnx", "opset"),
                 id="only-custom-opset"),
    pytest.param(lambda tmp: _cnn(opset=5), ("bad.onnx", "opset 5"),
                 id="opset-too-old"),
    pytest.param(_opsets(("", 99)), ("bad.onnx", "opset 99"),
                 id="opset-too-new"),
    pytest.param(_opsets(("", 17), ("ai.onnx", 11)),
                 ("bad.onnx", "17", "11"), id="opset-imported-twice"),
    pytest.param(_set("ir_version", 0), ("bad.onnx", "IR version"),
                 id="ir-version-0"),
    pytest.param(_set("ir_version", 999), ("bad.onnx", "IR version 999"),
                 id="ir-version-999"),
    pytest.param(_node_field("relu1", "op_type", "Gelu"),
                 ("node 'relu1' (Gelu)",), id="op-newer-than-opset"),
    pytest.param(_rewire("relu1", inputs=["c", "c", "c"]),
                 ("node 'relu1' (Relu)",), id="too-many-inputs"),
    pytest.param(_rewire("conv1", inputs=["x"]),
                 ("node 'conv1' (Conv)",), id="missing-required-input"),
    pytest.param(_edit(lambda m: m.graph.input[0].ClearField("type")),
                 ("'x'",), id="graph-input-without-type"),
    pytest.param(_edit(lambda m: setattr(
        m.graph.input[0].type.tensor_type.shape.dim[0], "dim_value", -3)),
        ("'x'", "-3"), id="graph-input-negative-dim"),
    pytest.param(lambda tmp: (_cnn(), ["--input-shape",
                                       "x=1,3,99999999999,99999999999"]),
                 ("'x'", "2^48"), id="input-shape-override-huge"),
    pytest.param(_recursive_function, ("bad.onnx", "F"),
                 id="recursive-local-function"),
    pytest.param(_bad_constant_node,
                 ("node 'k' (Constant)", "'kv'", "8 bytes"),
                 id="constant-node-data-size"),
]


# ---------------------------------------------------------------------------
# Attributes and shapes
# ---------------------------------------------------------------------------

def _untyped_attr(tmp):
    a = onnx.AttributeProto()
    a.name, a.i = "group", 1  # type left UNDEFINED
    return _set_attr(_cnn(), "conv1", a)


def _lstm(**kw):
    return lambda: _rnn("LSTM", **kw)


def _gru(**kw):
    return lambda: _rnn("GRU", **kw)


def _conv_only():
    """x[1,3,4,4] -> Conv 'conv1' -> c."""
    return make_model([node("Conv", ["x", "w"], ["c"], name="conv1")],
                      [("x", (1, 3, 4, 4))], ["c"],
                      {"w": rand((4, 3, 3, 3), 1)})


ATTRIBUTE_CASES = [
    pytest.param(_attr("conv1", "strides", [1.5, 1.5]),
                 ("node 'conv1' (Conv)", "strides", "FLOATS"),
                 id="conv-strides-floats"),
    pytest.param(_attr("conv1", "group", 1.0),
                 ("node 'conv1' (Conv)", "group"), id="conv-group-float"),
    pytest.param(_attr("conv1", "pads", numpy_helper.from_array(
        np.array([1, 1, 1, 1], np.int64))), ("node 'conv1' (Conv)", "pads"),
        id="conv-pads-tensor"),
    pytest.param(_attr("conv1", "group", "1"),
                 ("node 'conv1' (Conv)", "group"), id="conv-group-string"),
    pytest.param(_untyped_attr, ("node 'conv1' (Conv)", "group"),
                 id="conv-group-untyped"),
    pytest.param(_attr("fc", "alpha", 2), ("node 'fc' (Gemm)", "alpha"),
                 id="gemm-alpha-int"),
    pytest.param(_attr("fc", "transB", 1.0), ("node 'fc' (Gemm)", "transB"),
                 id="gemm-transB-float"),
    pytest.param(_attr("conv1", "strides", [0, 0]),
                 ("node 'conv1' (Conv)", "strides"), id="conv-strides-zero"),
    pytest.param(_attr("conv1", "strides", [-1, -2]),
                 ("node 'conv1' (Conv)", "strides"),
                 id="conv-strides-negative"),
    pytest.param(_attr("conv1", "dilations", [0, 1]),
                 ("node 'conv1' (Conv)", "dilations"),
                 id="conv-dilations-zero"),
    pytest.param(_attr("conv1", "pads", [1, 1, 1]),
                 ("node 'conv1' (Conv)", "pads"), id="conv-pads-length-3"),
    pytest.param(_attr("conv1", "pads", [1] * 8),
                 ("node 'conv1' (Conv)", "pads"), id="conv-pads-length-8"),
    pytest.param(_attr("conv1", "pads", [-1, 0, 0, 0]),
                 ("node 'conv1' (Conv)", "pads"), id="conv-pads-negative"),
    pytest.param(_attr("conv1", "pads", [10**18] * 4, _conv_only),
                 ("node 'conv1' (Conv)", "'c'"), id="conv-pads-huge"),
    pytest.param(_attr("conv1", "group", 3),
                 ("node 'conv1' (Conv)", "group"), id="conv-group-3-of-4"),
    pytest.param(_attr("conv1", "group", 0),
                 ("node 'conv1' (Conv)", "group"), id="conv-group-0"),
    pytest.param(_attr("conv1", "kernel_shape", [5, 5]),
                 ("node 'conv1' (Conv)", "kernel_shape"),
                 id="conv-kernel-shape-contradicts-weight"),
    pytest.param(_attr("conv1", "kernel_shape", [3]),
                 ("node 'conv1' (Conv)", "kernel_shape"),
                 id="conv-kernel-shape-length"),
    pytest.param(_attr("conv1", "auto_pad", "BOGUS"),
                 ("node 'conv1' (Conv)", "auto_pad"), id="conv-auto-pad"),
    pytest.param(_init("w", numpy_helper.from_array(rand((4, 5, 3, 3)))),
                 ("node 'conv1' (Conv)",), id="conv-weight-channels"),
    pytest.param(_init("w", numpy_helper.from_array(rand((4, 3, 3)))),
                 ("node 'conv1' (Conv)",), id="conv-weight-3d"),
    pytest.param(_init("b", numpy_helper.from_array(rand((5,)))),
                 ("node 'conv1' (Conv)", "'b'"), id="conv-bias-length"),
    pytest.param(_attr("conv1", "kernel_shape", [9, 9]),
                 ("node 'conv1' (Conv)", "kernel_shape"),
                 id="conv-kernel-larger-than-input"),
    pytest.param(_attr("fc", "transA", 1), ("node 'fc' (Gemm)",),
                 id="gemm-transA-mismatch"),
    pytest.param(_attr("fc", "transB", 0), ("node 'fc' (Gemm)",),
                 id="gemm-transB-mismatch"),
    pytest.param(_attr("flat", "axis", 9), ("node 'flat' (Flatten)", "axis"),
                 id="flatten-axis-out-of-range"),
    pytest.param(lambda tmp: make_model(
        [node("Transpose", ["x"], ["y"], name="tr", perm=[0, 0])],
        [("x", (2, 3))], ["y"]), ("node 'tr' (Transpose)", "perm"),
        id="transpose-perm-invalid"),
    pytest.param(lambda tmp: make_model(
        [node("Reshape", ["x", "s"], ["y"], name="rs")], [("x", (2, 3))],
        ["y"], {"s": np.array([-1, -1], np.int64)}),
        ("node 'rs' (Reshape)",), id="reshape-two-minus-ones"),
    pytest.param(lambda tmp: make_model(
        [node("Concat", ["x", "x"], ["y"], name="cat")], [("x", (2, 3))],
        ["y"]), ("node 'cat' (Concat)", "axis"), id="concat-without-axis"),
    pytest.param(lambda tmp: make_model(
        [node("Softmax", ["x"], ["y"], name="sm", axis=5)], [("x", (2, 3))],
        ["y"]), ("node 'sm' (Softmax)", "axis"), id="softmax-axis"),
    pytest.param(lambda tmp: make_model(
        [node("MaxPool", ["x"], ["y"], name="mp")], [("x", (1, 1, 4, 4))],
        ["y"]), ("node 'mp' (MaxPool)", "kernel_shape"),
        id="maxpool-without-kernel-shape"),
    pytest.param(lambda tmp: _rnn("LSTM", gates=3),
                 ("node 'enc.lstm' (LSTM)", "W"), id="lstm-w-3-gates"),
    pytest.param(lambda tmp: _rnn("LSTM", w_hidden=5),
                 ("node 'enc.lstm' (LSTM)", "W"),
                 id="lstm-hidden-size-contradicts-w"),
    pytest.param(_attr("enc.lstm", "hidden_size", 5, _lstm()),
                 ("node 'enc.lstm' (LSTM)", "hidden_size"),
                 id="lstm-hidden-size-contradicts-r"),
    pytest.param(_attr("enc.lstm", "hidden_size", 0, _lstm()),
                 ("node 'enc.lstm' (LSTM)", "hidden_size"),
                 id="lstm-hidden-size-0"),
    pytest.param(_attr("enc.lstm", "direction", "sideways", _lstm()),
                 ("node 'enc.lstm' (LSTM)", "sideways"),
                 id="lstm-direction-string"),
    pytest.param(_attr("enc.lstm", "direction", 1, _lstm()),
                 ("node 'enc.lstm' (LSTM)", "direction"),
                 id="lstm-direction-int"),
    pytest.param(_attr("enc.lstm", "activations", ["Swish"] * 3, _lstm()),
                 ("node 'enc.lstm' (LSTM)", "Swish"),
                 id="lstm-activation-unknown"),
    pytest.param(_attr("enc.lstm", "activations", ["Sigmoid", "Tanh"],
                       _lstm()),
                 ("node 'enc.lstm' (LSTM)", "activations"),
                 id="lstm-activations-count"),
    pytest.param(_attr("enc.lstm", "layout", 2, _lstm()),
                 ("node 'enc.lstm' (LSTM)", "layout"), id="lstm-layout-2"),
    pytest.param(lambda tmp: _rnn("GRU", gates=4),
                 ("node 'enc.gru' (GRU)", "W"), id="gru-w-4-gates"),
    pytest.param(lambda tmp: _rnn("GRU", w_hidden=2),
                 ("node 'enc.gru' (GRU)", "W"),
                 id="gru-hidden-size-contradicts-w"),
    pytest.param(_attr("enc.gru", "direction", "up", _gru()),
                 ("node 'enc.gru' (GRU)", "up"), id="gru-direction-string"),
    pytest.param(_attr("enc.gru", "hidden_size", 4.0, _gru()),
                 ("node 'enc.gru' (GRU)", "hidden_size"),
                 id="gru-hidden-size-float"),
]

ERROR_CASES = FILE_CASES + DTYPE_CASES + GRAPH_CASES + ATTRIBUTE_CASES


def _write(made, tmp_path) -> pathlib.Path:
    if isinstance(made, pathlib.Path):
        return made
    path = tmp_path / "bad.onnx"
    if isinstance(made, onnx.ModelProto):
        made = made.SerializeToString()
    path.write_bytes(made)
    return path


def _made(build, tmp_path):
    """(model path, extra command-line arguments) of a case."""
    made = build(tmp_path)
    args = []
    if isinstance(made, tuple):
        made, args = made
    return _write(made, tmp_path), args


def _run(model_path, out, args=()):
    try:
        return cli([model_path, "-o", out, *args], timeout=TIMEOUT_S,
                   preexec_fn=_limit_memory)
    except Exception as exc:  # subprocess.TimeoutExpired: a hang
        pytest.fail(f"dnn-import did not finish: {exc}")


def _check_error(result, needles):
    err = result.stderr
    assert result.returncode == 1, (result.returncode, err)
    assert "Traceback" not in err, err
    assert "error" in err
    assert err.startswith("dnn-import: error: "), err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        if isinstance(needle, re.Pattern):
            assert needle.search(err), f"{needle.pattern!r} not in {err!r}"
        else:
            assert needle in err, f"{needle!r} not in {err!r}"


@pytest.mark.parametrize("build, needles", ERROR_CASES)
def test_hostile_input_rejected(build, needles, tmp_path):
    path, args = _made(build, tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = _run(path, out_dir / "bad.mlir", args)
    _check_error(result, needles)
    assert result.stdout == ""
    # Nothing left behind: no output, no partial output, no temporary file.
    assert list(out_dir.iterdir()) == []


STDOUT_CASES = ["raw-data-short", "dims-1e12-operand", "external-length-short",
                "self-cycle", "truncated-50pct"]


@pytest.mark.parametrize(
    "build, needles",
    [p for p in ERROR_CASES if p.id in STDOUT_CASES])
def test_hostile_input_to_stdout_prints_nothing(build, needles, tmp_path):
    path, args = _made(build, tmp_path)
    result = _run(path, "-", args)
    _check_error(result, needles)
    assert result.stdout == ""


# ---------------------------------------------------------------------------
# Valid models with odd names: they import, and dnn-opt parses the result
# ---------------------------------------------------------------------------

def _renamed(names):
    """The cnn with every node and tensor renamed by `names` (a function of
    the old name)."""
    def build(tmp):
        m = _cnn()
        g = m.graph
        for n in g.node:
            n.name = names(n.name)
            n.input[:] = [names(i) for i in n.input]
            n.output[:] = [names(o) for o in n.output]
        for v in list(g.input) + list(g.output) + list(g.initializer):
            v.name = names(v.name)
        return m
    return build


ODD = ['"', "\\", "\n", "%", "#", "{", "}", " ", "@", "é", "\u2603", "\t",
       "loc(", ")", "<", ">", ":", "$", "-"]

OK_CASES = [
    pytest.param(_renamed(lambda s: "".join(ODD) + s), id="punctuation"),
    pytest.param(_renamed(lambda s: s.replace("1", "\x00\x01")),
                 id="control-characters"),
    pytest.param(_edit(lambda m: [n.ClearField("name")
                                  for n in m.graph.node]),
                 id="empty-node-names"),
    pytest.param(_renamed(lambda s: {"x": "0", "w": "1", "b": "2",
                                     "c": "3", "r": "4", "f": "5",
                                     "fc.w": "6", "fc.b": "7",
                                     "y": "8"}.get(s, s)),
                 id="digit-names"),
    pytest.param(_renamed(lambda s: {"w": "a.b", "b": "a_b", "c": "a-b",
                                     "r": "a b", "f": "a/b"}.get(s, s)),
                 id="names-colliding-after-sanitizing"),
    pytest.param(_renamed(lambda s: s * 5000), id="very-long-names"),
    pytest.param(_renamed(lambda s: {"x": "func", "w": "return", "c": "%0",
                                     "r": "dense_resource<w>",
                                     "f": "module", "y": "main"}.get(s, s)),
                 id="mlir-keyword-names"),
    pytest.param(_renamed(lambda s: {"conv1": "c", "relu1": "r"}.get(s, s)),
                 id="node-named-like-tensor"),
    pytest.param(lambda tmp: _cnn(elem=F64), id="float64-model"),
    pytest.param(_attr("conv1", "kernel_shape", [3, 3]),
                 id="kernel-shape-valid"),
    pytest.param(_attr("conv1", "strides", [2, 2], _conv_only),
                 id="strides-2-valid"),
    pytest.param(lambda tmp: make_model(
        [node("Relu", ["x"], ["y"], name="relu1")],
        [("x", (1, 3, 10**6, 10**6))], ["y"]), id="huge-input-dims-valid"),
    pytest.param(lambda tmp: _rnn("LSTM", direction="bidirectional"),
                 id="lstm-bidirectional-valid"),
    pytest.param(lambda tmp: _rnn("GRU"), id="gru-valid"),
    pytest.param(lambda tmp: make_model(
        [node("Relu", [f"t{i}"], [f"t{i + 1}"], name=f"r{i}")
         for i in range(3000)], [("t0", (2, 2))], ["t3000"]),
        id="chain-of-3000-nodes"),
]


@pytest.mark.parametrize("build", OK_CASES)
def test_valid_odd_input_imports(build, tmp_path, dnn_opt):
    path, args = _made(build, tmp_path)
    out = tmp_path / "ok.mlir"
    result = _run(path, out, args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    roundtrip(dnn_opt, out)
