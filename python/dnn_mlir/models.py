"""A model zoo of ONNX networks with seeded random weights.

Every builder returns an ``onnx.ModelProto`` (opset 17, IR version 8,
float32, static shapes) made with ``onnx.helper`` only, so nothing beyond
``onnx`` and ``numpy`` is needed:

* CNNs in the torchvision layouts (inference form, no training-only ops):
  `resnet18`, `resnet50`, `mobilenet_v2`, `vgg16`. Each takes the batch, the
  image size, the number of classes and a ``width`` multiplier applied to
  every channel count (and to VGG's 4096-wide classifier); ``width=0.9``
  gives ResNet stages of 57/115/230/460 channels, for instance, so channel
  counts that do not divide GPU tiles or waves are one argument away.
* DeepBench-style recurrent networks `lstm` and `gru`: one ONNX ``LSTM`` or
  ``GRU`` node with the DeepBench inference-server shapes
  (`DEEPBENCH_LSTM`, `DEEPBENCH_GRU`, from shared/reference/workloads.md).

Weights come from ``numpy.random.default_rng(seed)``: convolutions are
He-initialised (normal, std sqrt(2 / fan_in)), batch-norm parameters are
random around the identity (scale 0.8..1.2, shift/mean -0.1..0.1, variance
0.8..1.2), and the last batch norm of each residual branch is scaled down
(0.2..0.4) so that the residual sums do not double the activations in every
block; logits stay around 10-20 through ResNet-50.

Node and initializer names follow torchvision's module names (``conv1``,
``layer1.0.conv1``, ``layer1.0.bn1``, ``features.3.conv.1.0``, ``fc``;
initializers ``layer1.0.conv1.weight``, ``layer1.0.bn1.running_mean``, ...),
and each node's output tensor is named after the node, so reports that use
either read naturally. The graph input is ``input`` (N x 3 x size x size) and
the output ``logits`` (N x classes), or ``probs`` with ``softmax=True``.

`count_params` and `count_macs` give the figures of docs/model-zoo.md;
`to_precision` turns any of the networks into its f16 or bf16 version.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8

# DeepBench inference-server RNN problems (code/kernels/rnn_problems.h), as
# (hidden, timesteps); each is run at batch 1, 2 and 4. DeepBench's input
# size equals the hidden size.
DEEPBENCH_LSTM: tuple[tuple[int, int], ...] = (
    (512, 25), (1024, 25), (2048, 25), (1536, 50), (256, 150))
DEEPBENCH_GRU: tuple[tuple[int, int], ...] = (
    (2816, 1500), (2048, 750), (1536, 375), (2560, 187), (512, 1), (1024, 1500))
DEEPBENCH_BATCHES: tuple[int, ...] = (1, 2, 4)


def scaled(channels: int, width: float) -> int:
    """``channels * width`` rounded down, at least 1 (64 * 0.9 -> 57).

    The tiny epsilon keeps products such as 100 * 0.29 = 28.999999999999996
    from losing a channel to binary rounding."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return max(1, int(math.floor(channels * width + 1e-9)))


class _Graph:
    """Accumulates nodes and initializers of one graph, tracking shapes."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._consts: dict[tuple[str, float], str] = {}

    # -- helpers ----------------------------------------------------------
    def init(self, name: str, array: np.ndarray) -> str:
        if name in self._names:
            raise ValueError(f"duplicate initializer {name}")
        self._names.add(name)
        self.inits.append(numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def scalar(self, name: str, value: float) -> str:
        """A shared f32 scalar initializer (Clip's min and max)."""
        key = (name, float(value))
        if key not in self._consts:
            self._consts[key] = self.init(name, np.array(value, np.float32))
        return self._consts[key]

    def node(self, op: str, name: str, inputs: Sequence[str], **attrs) -> str:
        if name in self._names:
            raise ValueError(f"duplicate node name {name}")
        self._names.add(name)
        self.nodes.append(helper.make_node(op, list(inputs), [name], name=name,
                                           **attrs))
        return name

    # -- layers (x is (name, shape)) --------------------------------------
    def conv(self, name, x, cout, k, stride=1, pad=None, groups=1, bias=False):
        xname, (n, cin, h, w) = x
        if pad is None:
            pad = k // 2
        if cin % groups or cout % groups:
            raise ValueError(f"{name}: {cin} -> {cout} channels do not split "
                             f"into {groups} groups")
        fan_in = cin // groups * k * k
        weight = self.init(name + ".weight", self.rng.normal(
            0.0, math.sqrt(2.0 / fan_in), (cout, cin // groups, k, k)))
        inputs = [xname, weight]
        if bias:
            inputs.append(self.init(name + ".bias",
                                    self.rng.uniform(-0.1, 0.1, cout)))
        out = self.node("Conv", name, inputs, kernel_shape=[k, k],
                        strides=[stride, stride], pads=[pad] * 4,
                        dilations=[1, 1], group=groups)
        p = (h + 2 * pad - k) // stride + 1
        q = (w + 2 * pad - k) // stride + 1
        if p < 1 or q < 1:
            raise ValueError(f"{name}: a {h}x{w} input is too small for a "
                             f"{k}x{k}/{stride} convolution; use a larger size")
        return out, (n, cout, p, q)

    def bn(self, name, x, scale=(0.8, 1.2)):
        xname, shape = x
        c = shape[1]
        r = self.rng
        ins = [xname,
               self.init(name + ".weight", r.uniform(*scale, c)),
               self.init(name + ".bias", r.uniform(-0.1, 0.1, c)),
               self.init(name + ".running_mean", r.uniform(-0.1, 0.1, c)),
               self.init(name + ".running_var", r.uniform(0.8, 1.2, c))]
        return self.node("BatchNormalization", name, ins, epsilon=1e-5,
                         momentum=0.9), shape

    def relu(self, name, x):
        return self.node("Relu", name, [x[0]]), x[1]

    def relu6(self, name, x):
        lo = self.scalar("relu6.min", 0.0)
        hi = self.scalar("relu6.max", 6.0)
        return self.node("Clip", name, [x[0], lo, hi]), x[1]

    def add(self, name, a, b):
        assert a[1] == b[1], (name, a[1], b[1])
        return self.node("Add", name, [a[0], b[0]]), a[1]

    def max_pool(self, name, x, k, stride, pad):
        xname, (n, c, h, w) = x
        out = self.node("MaxPool", name, [xname], kernel_shape=[k, k],
                        strides=[stride, stride], pads=[pad] * 4)
        p = (h + 2 * pad - k) // stride + 1
        q = (w + 2 * pad - k) // stride + 1
        if p < 1 or q < 1:
            raise ValueError(f"{name}: a {h}x{w} input is too small for a "
                             f"{k}x{k}/{stride} pooling; use a larger size")
        return out, (n, c, p, q)

    def global_avg_pool(self, name, x):
        n, c = x[1][:2]
        return self.node("GlobalAveragePool", name, [x[0]]), (n, c, 1, 1)

    def flatten(self, name, x):
        n = x[1][0]
        return self.node("Flatten", name, [x[0]], axis=1), \
            (n, int(np.prod(x[1][1:])))

    def linear(self, name, x, cout, he=False):
        xname, (n, cin) = x
        std = math.sqrt((2.0 if he else 1.0) / cin)
        weight = self.init(name + ".weight", self.rng.normal(0.0, std, (cout, cin)))
        bias = self.init(name + ".bias", self.rng.uniform(-0.1, 0.1, cout))
        return self.node("Gemm", name, [xname, weight, bias], alpha=1.0,
                         beta=1.0, transA=0, transB=1), (n, cout)

    # -- the model --------------------------------------------------------
    def model(self, name: str, doc: str, input_shape, out, softmax: bool
              ) -> onnx.ModelProto:
        if softmax:
            out = (self.node("Softmax", "softmax", [out[0]], axis=-1), out[1])
        result = "probs" if softmax else "logits"
        # Rename the last node's output to the graph output's name.
        last = self.nodes[-1]
        assert last.output[0] == out[0]
        last.output[0] = result
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           list(input_shape))],
            [helper.make_tensor_value_info(result, TensorProto.FLOAT,
                                           list(out[1]))],
            initializer=self.inits)
        graph.doc_string = doc
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION, producer_name="dnn-mlir models.py",
            doc_string=doc)
        return model


def _check_args(batch: int, size: int, num_classes: int, min_size: int):
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if size < min_size:
        raise ValueError(f"image size must be >= {min_size}, got {size}")


def _describe(arch, batch, size, num_classes, width, seed):
    return (f"{arch}: batch {batch}, {size}x{size}, {num_classes} classes, "
            f"width {width:g}, seed {seed}; random weights "
            f"(dnn_mlir.models)")


# --------------------------------------------------------------------------
# ResNet
# --------------------------------------------------------------------------

def _resnet_stem(g: _Graph, batch: int, size: int, width: float):
    x = ("input", (batch, 3, size, size))
    x = g.conv("conv1", x, scaled(64, width), 7, 2, 3)
    x = g.relu("relu", g.bn("bn1", x))
    return g.max_pool("maxpool", x, 3, 2, 1)


def _downsample(g: _Graph, name: str, x, cout: int, stride: int):
    if stride == 1 and x[1][1] == cout:
        return x
    sc = g.conv(name + ".downsample.0", x, cout, 1, stride, 0)
    return g.bn(name + ".downsample.1", sc)


def _basic_block(g: _Graph, name: str, x, planes: int, stride: int):
    y = g.conv(name + ".conv1", x, planes, 3, stride, 1)
    y = g.relu(name + ".relu1", g.bn(name + ".bn1", y))
    y = g.conv(name + ".conv2", y, planes, 3, 1, 1)
    y = g.bn(name + ".bn2", y, scale=(0.2, 0.4))
    y = g.add(name + ".add", y, _downsample(g, name, x, planes, stride))
    return g.relu(name + ".relu2", y)


def _bottleneck(g: _Graph, name: str, x, planes: int, out: int, stride: int):
    # torchvision's ResNet v1.5: the stride is on the 3x3 convolution.
    y = g.conv(name + ".conv1", x, planes, 1, 1, 0)
    y = g.relu(name + ".relu1", g.bn(name + ".bn1", y))
    y = g.conv(name + ".conv2", y, planes, 3, stride, 1)
    y = g.relu(name + ".relu2", g.bn(name + ".bn2", y))
    y = g.conv(name + ".conv3", y, out, 1, 1, 0)
    y = g.bn(name + ".bn3", y, scale=(0.2, 0.4))
    y = g.add(name + ".add", y, _downsample(g, name, x, out, stride))
    return g.relu(name + ".relu3", y)


def _resnet(arch: str, blocks: Sequence[int], bottleneck: bool, batch: int,
            size: int, num_classes: int, width: float, seed: int,
            softmax: bool) -> onnx.ModelProto:
    _check_args(batch, size, num_classes, 32)
    g = _Graph(seed)
    x = _resnet_stem(g, batch, size, width)
    for stage, count in enumerate(blocks, start=1):
        planes = 64 * 2 ** (stage - 1)
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            name = f"layer{stage}.{b}"
            if bottleneck:
                x = _bottleneck(g, name, x, scaled(planes, width),
                                scaled(planes * 4, width), stride)
            else:
                x = _basic_block(g, name, x, scaled(planes, width), stride)
    x = g.flatten("flatten", g.global_avg_pool("avgpool", x))
    x = g.linear("fc", x, num_classes)
    return g.model(arch, _describe(arch, batch, size, num_classes, width, seed),
                   (batch, 3, size, size), x, softmax)


def resnet18(batch: int = 1, size: int = 224, num_classes: int = 1000,
             width: float = 1.0, seed: int = 0, softmax: bool = False
             ) -> onnx.ModelProto:
    """ResNet-18 (torchvision layout; 11.7 M parameters, 1.82 GMAC at 224)."""
    return _resnet("resnet18", (2, 2, 2, 2), False, batch, size, num_classes,
                   width, seed, softmax)


def resnet50(batch: int = 1, size: int = 224, num_classes: int = 1000,
             width: float = 1.0, seed: int = 0, softmax: bool = False
             ) -> onnx.ModelProto:
    """ResNet-50 v1.5 (torchvision layout; 25.6 M parameters, 4.1 GMAC at
    224). ``width`` scales the bottleneck width and its 4x expansion alike."""
    return _resnet("resnet50", (3, 4, 6, 3), True, batch, size, num_classes,
                   width, seed, softmax)


# --------------------------------------------------------------------------
# MobileNetV2
# --------------------------------------------------------------------------

# (expansion t, output channels c, repeats n, first stride s), torchvision.
_MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                 (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2(batch: int = 1, size: int = 224, num_classes: int = 1000,
                 width: float = 1.0, seed: int = 0, softmax: bool = False
                 ) -> onnx.ModelProto:
    """MobileNetV2 (torchvision layout; 3.5 M parameters, 0.30 GMAC at 224).

    Unlike torchvision, ``width`` is applied without rounding channel counts
    to multiples of 8, and to the last 1280-channel layer too, so odd counts
    reach the depthwise convolutions (whose groups always equal their
    channels). ReLU6 is ``Clip(x, 0, 6)`` with min and max as inputs."""
    _check_args(batch, size, num_classes, 32)
    g = _Graph(seed)
    x = ("input", (batch, 3, size, size))
    x = g.conv("features.0.0", x, scaled(32, width), 3, 2, 1)
    x = g.relu6("features.0.2", g.bn("features.0.1", x))
    index = 1
    for t, c, n, s in _MOBILENET_V2:
        cout = scaled(c, width)
        for i in range(n):
            stride = s if i == 0 else 1
            name = f"features.{index}.conv"
            cin = x[1][1]
            hidden = cin * t
            y, layer = x, 0
            if t != 1:
                y = g.conv(f"{name}.0.0", y, hidden, 1, 1, 0)
                y = g.relu6(f"{name}.0.2", g.bn(f"{name}.0.1", y))
                layer = 1
            y = g.conv(f"{name}.{layer}.0", y, hidden, 3, stride, 1, groups=hidden)
            y = g.relu6(f"{name}.{layer}.2", g.bn(f"{name}.{layer}.1", y))
            y = g.conv(f"{name}.{layer + 1}", y, cout, 1, 1, 0)
            residual = stride == 1 and cin == cout
            y = g.bn(f"{name}.{layer + 2}", y,
                     scale=(0.2, 0.4) if residual else (0.8, 1.2))
            if residual:
                y = g.add(f"features.{index}.add", x, y)
            x = y
            index += 1
    x = g.conv(f"features.{index}.0", x, scaled(1280, width), 1, 1, 0)
    x = g.relu6(f"features.{index}.2", g.bn(f"features.{index}.1", x))
    x = g.flatten("flatten", g.global_avg_pool("avgpool", x))
    x = g.linear("classifier.1", x, num_classes)
    return g.model("mobilenet_v2",
                   _describe("mobilenet_v2", batch, size, num_classes, width, seed),
                   (batch, 3, size, size), x, softmax)


# --------------------------------------------------------------------------
# VGG-16
# --------------------------------------------------------------------------

_VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M")


def vgg16(batch: int = 1, size: int = 224, num_classes: int = 1000,
          width: float = 1.0, seed: int = 0, softmax: bool = False
          ) -> onnx.ModelProto:
    """VGG-16 without batch norm (torchvision layout; 138.4 M parameters,
    15.5 GMAC at 224).

    torchvision's AdaptiveAvgPool2d(7) is the identity at 224x224 and is left
    out; at other sizes the classifier takes the ``C x (size/32)^2`` features
    as they are (so its first layer's size changes with the image size).
    ``width`` also scales the 4096-wide hidden classifier layers. Dropout is
    left out (the identity in inference)."""
    _check_args(batch, size, num_classes, 32)
    g = _Graph(seed)
    x = ("input", (batch, 3, size, size))
    index = 0
    for v in _VGG16:
        if v == "M":
            x = g.max_pool(f"features.{index}", x, 2, 2, 0)
            index += 1
        else:
            x = g.conv(f"features.{index}", x, scaled(v, width), 3, 1, 1, bias=True)
            x = g.relu(f"features.{index + 1}", x)
            index += 2
    x = g.flatten("flatten", x)
    hidden = scaled(4096, width)
    x = g.relu("classifier.1", g.linear("classifier.0", x, hidden, he=True))
    x = g.relu("classifier.4", g.linear("classifier.3", x, hidden, he=True))
    x = g.linear("classifier.6", x, num_classes)
    return g.model("vgg16", _describe("vgg16", batch, size, num_classes, width, seed),
                   (batch, 3, size, size), x, softmax)


# --------------------------------------------------------------------------
# DeepBench LSTM / GRU
# --------------------------------------------------------------------------

def _rnn(op: str, gates: int, hidden: int, steps: int, batch: int,
         input_size: int | None, seed: int, attrs: dict) -> onnx.ModelProto:
    if min(hidden, steps, batch) < 1:
        raise ValueError(f"hidden, steps and batch must be >= 1, got "
                         f"{hidden}, {steps}, {batch}")
    input_size = hidden if input_size is None else input_size
    g = _Graph(seed)
    name = op.lower()
    # PyTorch's initialisation: uniform(-1/sqrt(hidden), 1/sqrt(hidden)).
    bound = 1.0 / math.sqrt(hidden)
    w = g.init(f"{name}.W", g.rng.uniform(-bound, bound,
                                         (1, gates * hidden, input_size)))
    r = g.init(f"{name}.R", g.rng.uniform(-bound, bound,
                                         (1, gates * hidden, hidden)))
    b = g.init(f"{name}.B", g.rng.uniform(-bound, bound, (1, 2 * gates * hidden)))
    outputs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    g.nodes.append(helper.make_node(op, ["input", w, r, b], outputs, name=name,
                                    hidden_size=hidden, direction="forward",
                                    **attrs))
    shapes = {"Y": [steps, 1, batch, hidden], "Y_h": [1, batch, hidden],
              "Y_c": [1, batch, hidden]}
    doc = (f"DeepBench {op}: hidden {hidden}, {steps} time steps, batch {batch}, "
           f"input {input_size}, seed {seed}; random weights (dnn_mlir.models)")
    graph = helper.make_graph(
        g.nodes, f"{name}_h{hidden}_t{steps}_b{batch}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       [steps, batch, input_size])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shapes[o])
         for o in outputs],
        initializer=g.inits)
    graph.doc_string = doc
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             ir_version=IR_VERSION,
                             producer_name="dnn-mlir models.py", doc_string=doc)


def lstm(hidden: int = 512, steps: int = 25, batch: int = 1,
         input_size: int | None = None, seed: int = 0) -> onnx.ModelProto:
    """One forward ``LSTM`` node (ONNX gate order i, o, f, c; no peepholes),
    DeepBench style: input size = ``hidden`` unless given; the input is
    ``steps x batch x input_size``, the outputs ``Y``, ``Y_h``, ``Y_c``.
    Defaults: the first DeepBench inference LSTM (512 hidden, 25 steps)."""
    return _rnn("LSTM", 4, hidden, steps, batch, input_size, seed, {})


def gru(hidden: int = 1024, steps: int = 1500, batch: int = 1,
        input_size: int | None = None, seed: int = 0) -> onnx.ModelProto:
    """One forward ``GRU`` node with ``linear_before_reset=1`` (cuDNN's and
    PyTorch's GRU, which DeepBench measures), outputs ``Y`` and ``Y_h``.
    Defaults: the DeepBench inference GRU of 1024 hidden and 1500 steps."""
    return _rnn("GRU", 3, hidden, steps, batch, input_size, seed,
                {"linear_before_reset": 1})


def deepbench_rnns(batches: Sequence[int] = DEEPBENCH_BATCHES
                   ) -> list[tuple[str, Callable[[], onnx.ModelProto]]]:
    """Every DeepBench inference-server LSTM/GRU problem at `batches`, as
    (file stem, builder) pairs, e.g. ``("lstm_h512_t25_b1", <builder>)``."""
    out = []
    for kind, table, build in (("lstm", DEEPBENCH_LSTM, lstm),
                               ("gru", DEEPBENCH_GRU, gru)):
        for hidden, steps in table:
            for b in batches:
                out.append((f"{kind}_h{hidden}_t{steps}_b{b}",
                            (lambda f=build, h=hidden, t=steps, n=b:
                             f(hidden=h, steps=t, batch=n))))
    return out


CNNS: dict[str, Callable[..., onnx.ModelProto]] = {
    "resnet18": resnet18,
    "resnet50": resnet50,
    "mobilenet_v2": mobilenet_v2,
    "vgg16": vgg16,
}
RNNS: dict[str, Callable[..., onnx.ModelProto]] = {"lstm": lstm, "gru": gru}


# --------------------------------------------------------------------------
# Precision
# --------------------------------------------------------------------------

def round_to_bf16_bits(array: np.ndarray) -> np.ndarray:
    """The bfloat16 bit patterns (uint16) nearest to a float32 array (round
    to nearest, ties to even; NaN stays NaN)."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    bits = bits.astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(np.asarray(array, dtype=np.float32))
    rounded = np.where(nan, (bits >> 16) | 0x40, rounded)
    return rounded.astype(np.uint16)


def to_precision(model: onnx.ModelProto, dtype: str) -> onnx.ModelProto:
    """A copy of a float32 model in "float16" or "bfloat16": every float32
    initializer rounded to nearest, and the graph's float32 inputs, outputs
    and value infos retyped (the zoo's operators are type-generic). Other
    tensors (integer shapes) are left as they are."""
    if dtype not in ("float16", "bfloat16"):
        raise ValueError(f"to_precision: dtype must be float16 or bfloat16, "
                         f"got {dtype!r}")
    elem = TensorProto.FLOAT16 if dtype == "float16" else TensorProto.BFLOAT16
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    for i, t in enumerate(g.initializer):
        if t.data_type != TensorProto.FLOAT:
            continue
        array = numpy_helper.to_array(t)
        if dtype == "float16":
            new = numpy_helper.from_array(array.astype(np.float16), t.name)
        else:
            new = TensorProto(name=t.name, dims=list(t.dims), data_type=elem,
                              raw_data=round_to_bf16_bits(array).tobytes())
        g.initializer[i].CopyFrom(new)
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = elem
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and \
                    a.t.data_type == TensorProto.FLOAT:
                arr = numpy_helper.to_array(a.t)
                if dtype == "float16":
                    a.t.CopyFrom(numpy_helper.from_array(arr.astype(np.float16),
                                                         a.t.name))
                else:
                    a.t.CopyFrom(TensorProto(
                        name=a.t.name, dims=list(a.t.dims), data_type=elem,
                        raw_data=round_to_bf16_bits(arr).tobytes()))
    return out


# --------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------

_BUFFER_SUFFIXES = (".running_mean", ".running_var")


def count_params(model: onnx.ModelProto, trainable_only: bool = True) -> int:
    """Number of weights. With `trainable_only` (default) batch-norm running
    statistics and Clip's bounds are left out, as torchvision counts."""
    total = 0
    for t in model.graph.initializer:
        if trainable_only and (t.name.endswith(_BUFFER_SUFFIXES)
                               or t.name.startswith("relu6.")):
            continue
        total += int(np.prod(t.dims, dtype=np.int64))
    return total


def count_macs(model: onnx.ModelProto) -> int:
    """Multiply-accumulates of the Conv, Gemm, MatMul, LSTM and GRU nodes
    (what torchvision's "GFLOPS" column counts), from inferred shapes."""
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    shapes = {}
    for v in list(g.input) + list(g.value_info) + list(g.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for n in g.node:
        if n.op_type == "Conv":
            out = shapes[n.output[0]]
            w = shapes[n.input[1]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            out = shapes[n.output[0]]
            a = shapes[n.input[0]]
            trans_a = next((x.i for x in n.attribute if x.name == "transA"), 0)
            k = a[0] if trans_a else a[1]
            total += int(np.prod(out)) * k
        elif n.op_type == "MatMul":
            out = shapes[n.output[0]]
            total += int(np.prod(out)) * shapes[n.input[0]][-1]
        elif n.op_type in ("LSTM", "GRU"):
            steps, batch, inp = shapes[n.input[0]]
            gh, hidden = shapes[n.input[2]][1:]
            total += steps * batch * gh * (inp + hidden)
    return total
