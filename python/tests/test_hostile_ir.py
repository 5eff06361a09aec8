"""Hostile IR: valid dnn modules mutated systematically, each run through
dnn-opt (docs/robustness.md).

Every case must end in a diagnostic that points at the offending op (its
file:line) and exit status 1: never a crash, an assertion, a hang or a
runaway allocation (each case runs under a time and an address-space limit).
Cases that are valid after all (a NaN weight the CPU path just computes with)
say so and must succeed.
"""
import json
import re
import subprocess

import pytest

from conftest import address_space_limit

TIMEOUT_S = 120
MEMORY_LIMIT = 6 << 30  # address space: far above what any case needs

GPU_FLOW = ["--dnn-attach-target=gpu=h100", "--dnn-fold-batch-norm",
            "--dnn-fuse-epilogues", "--dnn-fuse-rnn", "--dnn-assign-mapping",
            "--dnn-predict", "--dnn-lower-to-gpu"]
CPU_FLOW = ["--dnn-cpu-pipeline"]
HERE = "// HERE"


_limit_memory = address_space_limit(MEMORY_LIMIT)


def run_opt(dnn_opt, path, args):
    return subprocess.run([dnn_opt, str(path), *args, "-o", "/dev/null"],
                          capture_output=True, timeout=TIMEOUT_S,
                          preexec_fn=_limit_memory)


class Case:
    """One hostile module: `text` marks the offending line with // HERE;
    `args` are the dnn-opt passes; `needle` must appear in the error;
    `ok` says the module is valid and must compile."""

    def __init__(self, name, text, args=(), needle=None, ok=False,
                 anywhere=False):
        self.name, self.text, self.args = name, text, list(args)
        self.needle, self.ok, self.anywhere = needle, ok, anywhere

    @property
    def line(self):
        lines = self.text.splitlines()
        marked = [i + 1 for i, l in enumerate(lines) if HERE in l]
        assert len(marked) == 1 or self.ok or self.anywhere, \
            f"{self.name}: mark one line"
        return marked[0] if marked else None


CASES = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


def func(args, results, body):
    return (f"func.func @f({args}) -> ({results}) {{\n{body}\n}}\n")


# --- conv2d -----------------------------------------------------------------

def conv(x="1x8x16x16", w="16x8x3x3", b="16", y="1x16x16x16", attrs=None,
         elt="f32", welt=None):
    welt = welt or elt
    attrs = ("padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>"
             if attrs is None else attrs)
    bias_arg = f", %b: tensor<{b}x{welt}>" if b else ""
    bias_use = ", %b" if b else ""
    bias_ty = f", tensor<{b}x{welt}>" if b else ""
    return func(
        f"%x: tensor<{x}x{elt}>, %w: tensor<{w}x{welt}>{bias_arg}",
        f"tensor<{y}x{elt}>",
        f"  %y = dnn.conv2d %x, %w{bias_use} {{{attrs}}} : (tensor<{x}x{elt}>, "
        f"tensor<{w}x{welt}>{bias_ty}) -> tensor<{y}x{elt}> {HERE}\n"
        f"  return %y : tensor<{y}x{elt}>")


BIG = 1 << 40
for label, attrs in [
        ("stride-zero", "strides = array<i64: 0, 1>"),
        ("stride-negative", "strides = array<i64: -1, 1>"),
        ("stride-huge", f"strides = array<i64: {BIG}, 1>"),
        ("stride-int64-max", "strides = array<i64: 9223372036854775807, 1>"),
        ("stride-rank1", "strides = array<i64: 1>"),
        ("stride-rank3", "strides = array<i64: 1, 1, 1>"),
        ("padding-negative", "padding = array<i64: -1, 1, 1, 1>"),
        ("padding-rank2", "padding = array<i64: 1, 1>"),
        ("padding-huge", f"padding = array<i64: {BIG}, {BIG}, 1, 1>"),
        ("padding-int64-max", "padding = array<i64: 9223372036854775807, 1, 1, 1>"),
        ("dilation-zero", "dilation = array<i64: 0, 1>, padding = array<i64: 1, 1, 1, 1>"),
        ("dilation-negative", "dilation = array<i64: -2, 1>, padding = array<i64: 1, 1, 1, 1>"),
        ("dilation-huge", f"dilation = array<i64: {BIG}, 1>, padding = array<i64: 1, 1, 1, 1>"),
        ("groups-zero", "groups = 0 : i64, padding = array<i64: 1, 1, 1, 1>"),
        ("groups-negative", "groups = -2 : i64, padding = array<i64: 1, 1, 1, 1>"),
        ("groups-not-dividing", "groups = 3 : i64, padding = array<i64: 1, 1, 1, 1>"),
        ("groups-huge", f"groups = {BIG} : i64, padding = array<i64: 1, 1, 1, 1>"),
        ("groups-i32", "groups = 1 : i32, padding = array<i64: 1, 1, 1, 1>"),
        ("strides-wrong-kind", "strides = [1, 1], padding = array<i64: 1, 1, 1, 1>"),
        ("padding-f32", "padding = array<f32: 1.0, 1.0, 1.0, 1.0>"),
]:
    case(f"conv-{label}", conv(attrs=attrs))
for label, kw in [
        ("weight-cin", dict(w="16x4x3x3")),
        ("weight-rank3", dict(w="16x8x3")),
        ("weight-kernel-larger-than-input", dict(w="16x8x40x40", y="1x16x1x1")),
        ("bias-size", dict(b="15")),
        ("bias-rank2", dict(b="16x1")),
        ("output-spatial", dict(y="1x16x15x15")),
        ("output-channels", dict(y="1x17x16x16")),
        ("output-batch", dict(y="2x16x16x16")),
        ("input-rank3", dict(x="8x16x16")),
        ("input-rank5", dict(x="1x8x16x16x1")),
        ("weight-element-type", dict(welt="f16")),
        ("integer-input", dict(elt="i32")),
        ("dynamic-input", dict(x="1x8x?x16")),
        ("zero-channels", dict(x="1x0x16x16", w="16x0x3x3")),
        ("grouped-weight-cin", dict(w="16x8x3x3", attrs="groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>")),
        ("output-int64-overflow", dict(x="1x8x3037000500x3037000500", y="1x16x3037000500x3037000500")),
]:
    case(f"conv-{label}", conv(**kw))
# 10^12 elements: verifies, and every pass must refuse or model it without
# materialising anything of that size.
HUGE_CONV = conv(x="1x8x1000000x125000", y="1x16x1000000x125000")
case("conv-1e12-gpu", HUGE_CONV, GPU_FLOW, needle="grid of")
case("conv-1e12-cpu", HUGE_CONV, CPU_FLOW, ok=True)  # compiles; dnn-run refuses to allocate
case("conv-1e12-tail", HUGE_CONV,
     ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels"], ok=True)

# --- linear / matmul --------------------------------------------------------

def linear(x="4x32", w="16x32", b="16", y="4x16", elt="f32"):
    bias_arg = f", %b: tensor<{b}x{elt}>" if b else ""
    bias_use = ", %b" if b else ""
    bias_ty = f", tensor<{b}x{elt}>" if b else ""
    return func(f"%x: tensor<{x}x{elt}>, %w: tensor<{w}x{elt}>{bias_arg}",
                f"tensor<{y}x{elt}>",
                f"  %y = dnn.linear %x, %w{bias_use} : (tensor<{x}x{elt}>, "
                f"tensor<{w}x{elt}>{bias_ty}) -> tensor<{y}x{elt}> {HERE}\n"
                f"  return %y : tensor<{y}x{elt}>")


for label, kw in [
        ("weight-k", dict(w="16x31")), ("weight-rank1", dict(w="16")),
        ("weight-rank3", dict(w="1x16x32")), ("bias-size", dict(b="15")),
        ("output-n", dict(y="4x15")), ("output-m", dict(y="5x16")),
        ("i8", dict(elt="i8")),
        ("dynamic", dict(x="?x32", y="?x16")),
]:
    case(f"linear-{label}", linear(**kw))
# A vector input is a batch of one: valid, and must compile.
case("linear-input-rank1", linear(x="32", y="16"), GPU_FLOW, ok=True)
case("linear-1e12-gpu", linear(x="1000000000x1000", w="16x1000", y="1000000000x16"),
     GPU_FLOW, needle="grid of")
case("linear-1e12-cpu", linear(x="1000000000x1000", w="16x1000", y="1000000000x16"),
     CPU_FLOW, ok=True)


def matmul(a="4x8", b="8x5", y="4x5"):
    return func(f"%a: tensor<{a}xf32>, %b: tensor<{b}xf32>", f"tensor<{y}xf32>",
                f"  %y = dnn.matmul %a, %b : (tensor<{a}xf32>, tensor<{b}xf32>)"
                f" -> tensor<{y}xf32> {HERE}\n  return %y : tensor<{y}xf32>")


for label, kw in [
        ("k-mismatch", dict(b="7x5")), ("rank1", dict(a="8", y="5")),
        ("batch-mismatch", dict(a="2x4x8", b="3x8x5", y="2x4x5")),
        ("output-wrong", dict(y="4x6")), ("output-rank", dict(y="1x4x5")),
]:
    case(f"matmul-{label}", matmul(**kw))

# --- normalisation, pooling, shape ops --------------------------------------

def unary(op, x, y, attrs="", xelt="f32", yelt=None, extra_in=""):
    yelt = yelt or xelt
    attr = f" {{{attrs}}}" if attrs else ""
    return func(f"%x: tensor<{x}x{xelt}>", f"tensor<{y}x{yelt}>",
                f"  %y = dnn.{op} %x{attr} : tensor<{x}x{xelt}> -> tensor<{y}x{yelt}> {HERE}\n"
                f"  return %y : tensor<{y}x{yelt}>")


def batch_norm(x="1x8x4x4", p="8", extra=""):
    return func(f"%x: tensor<{x}xf32>, %p: tensor<{p}xf32>", f"tensor<{x}xf32>",
                f"  %y = dnn.batch_norm %x, %p, %p, %p, %p{extra} : "
                f"tensor<{x}xf32>, tensor<{p}xf32> {HERE}\n  return %y : tensor<{x}xf32>")


for label, kw in [
        ("param-size", dict(p="7")), ("param-rank2", dict(p="8x1")),
        ("input-rank1", dict(x="8")),
        ("epsilon-negative", dict(extra=" {epsilon = -1.0 : f32}")),
        ("epsilon-nan", dict(extra=" {epsilon = 0x7FC00000 : f32}")),
]:
    case(f"batch-norm-{label}", batch_norm(**kw))

for op in ["max_pool2d", "avg_pool2d"]:
    for label, attrs, y in [
            ("kernel-zero", "kernel_size = array<i64: 0, 2>", "1x8x8x8"),
            ("kernel-negative", "kernel_size = array<i64: -2, 2>", "1x8x8x8"),
            ("kernel-larger-than-input", "kernel_size = array<i64: 40, 40>", "1x8x1x1"),
            ("kernel-rank3", "kernel_size = array<i64: 2, 2, 2>", "1x8x8x8"),
            ("kernel-huge", f"kernel_size = array<i64: {BIG}, 2>", "1x8x1x8"),
            ("stride-zero", "kernel_size = array<i64: 2, 2>, strides = array<i64: 0, 2>", "1x8x8x8"),
            ("stride-negative", "kernel_size = array<i64: 2, 2>, strides = array<i64: -2, 2>", "1x8x8x8"),
            ("padding-ge-kernel", "kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>", "1x8x10x10"),
            ("padding-negative", "kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: -1, 0, 0, 0>", "1x8x8x8"),
            ("output-wrong", "kernel_size = array<i64: 2, 2>, strides = array<i64: 2, 2>", "1x8x7x8"),
            ("missing-kernel", "strides = array<i64: 2, 2>", "1x8x8x8"),
    ]:
        case(f"{op}-{label}", unary(op, "1x8x16x16", y, attrs))
case("global-avg-pool-output", unary("global_avg_pool", "1x8x4x4", "1x8x2x1"))
case("global-avg-pool-rank2", unary("global_avg_pool", "8x4", "8x1"))
case("softmax-axis-high", func("%x: tensor<4x8xf32>", "tensor<4x8xf32>",
     f"  %y = dnn.softmax %x {{axis = 2 : i64}} : tensor<4x8xf32> {HERE}\n  return %y : tensor<4x8xf32>"))
case("softmax-axis-low", func("%x: tensor<4x8xf32>", "tensor<4x8xf32>",
     f"  %y = dnn.softmax %x {{axis = -3 : i64}} : tensor<4x8xf32> {HERE}\n  return %y : tensor<4x8xf32>"))
case("softmax-axis-int64-min", func("%x: tensor<4x8xf32>", "tensor<4x8xf32>",
     f"  %y = dnn.softmax %x {{axis = -9223372036854775808 : i64}} : tensor<4x8xf32> {HERE}\n  return %y : tensor<4x8xf32>"))
case("reshape-count", unary("reshape", "4x6", "25"))
case("reshape-overflow", unary("reshape", "4x6", "4611686018427387904x4611686018427387904"))
case("flatten-axis", unary("flatten", "2x3x4", "6x4", "axis = 5 : i64"))
case("flatten-axis-negative", unary("flatten", "2x3x4", "6x4", "axis = -9 : i64"))
case("flatten-output", unary("flatten", "2x3x4", "2x13"))
case("flatten-element-type", unary("flatten", "2x3x4", "2x12", yelt="f16"))


def concat(a="1x4x8x8", b="1x4x8x8", y="1x8x8x8", axis=1):
    return func(f"%a: tensor<{a}xf32>, %b: tensor<{b}xf32>", f"tensor<{y}xf32>",
                f"  %y = dnn.concat %a, %b {{axis = {axis} : i64}} : (tensor<{a}xf32>, "
                f"tensor<{b}xf32>) -> tensor<{y}xf32> {HERE}\n  return %y : tensor<{y}xf32>")


for label, kw in [
        ("axis-high", dict(axis=4)), ("axis-negative", dict(axis=-5)),
        ("other-dim", dict(b="1x4x8x7")), ("output-axis", dict(y="1x9x8x8")),
        ("rank-mismatch", dict(b="4x8x8")),
        ("axis-overflow", dict(a="1x4611686018427387904x1x1", b="1x4611686018427387904x1x1", y="1x9223372036854775807x1x1")),
]:
    case(f"concat-{label}", concat(**kw))


def add(a="4x8", b="4x8", y="4x8"):
    return func(f"%a: tensor<{a}xf32>, %b: tensor<{b}xf32>", f"tensor<{y}xf32>",
                f"  %y = dnn.add %a, %b : tensor<{a}xf32>, tensor<{b}xf32> {HERE}\n"
                f"  return %y : tensor<{y}xf32>")


case("add-not-broadcastable", add(b="4x7"))
case("add-rank-broadcast-wrong", add(b="3x4x7", y="3x4x8"))
case("add-result-type", func("%a: tensor<4x8xf32>", "tensor<4x8xf16>",
     f"  %y = dnn.add %a, %a : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf16> {HERE}\n"
     "  return %y : tensor<4x8xf16>"))
case("activation-unknown", func("%x: tensor<4xf32>", "tensor<4xf32>",
     f"  %y = dnn.activation swish %x : tensor<4xf32> {HERE}\n  return %y : tensor<4xf32>"))
case("activation-integer", func("%x: tensor<4xi32>", "tensor<4xi32>",
     f"  %y = dnn.activation relu %x : tensor<4xi32> {HERE}\n  return %y : tensor<4xi32>"))

# --- constants and resources ------------------------------------------------

def resource_module(blob, ty="tensor<2xf32>", key="w", use_key=None):
    use_key = use_key or key
    return (func("", ty, f"  %w = dnn.constant dense_resource<{use_key}> : {ty} {HERE}\n"
                 f"  return %w : {ty}")
            + f"{{-#\n  dialect_resources: {{\n    builtin: {{\n      {key}: \"{blob}\"\n"
              "    }\n  }\n#-}\n")


for label, blob in [
        ("truncated", "0x040000000000803F0000"),          # 6 data bytes for 8
        ("too-long", "0x040000000000803F0000004000"),
        ("alignment-only", "0x04000000"),
]:
    case(f"resource-{label}", resource_module(blob), GPU_FLOW, needle="bytes")
# Blobs the parser refuses: the error points at the blob.
for label, blob in [
        ("empty", "0x"),
        ("odd-hex", "0x040000000000803F000000400"),
        ("not-hex", "0x04000000zz00803F00000040"),
        ("alignment-zero", "0x000000000000803F00000040"),
        ("alignment-not-power-of-two", "0x030000000000803F00000040"),
]:
    text = resource_module(blob).replace(f" {HERE}", "")
    case(f"resource-{label}", text.replace(f'"{blob}"', f'"{blob}" {HERE}'), GPU_FLOW)
case("resource-missing", resource_module("0x040000000000803F00000040", use_key="absent"),
     GPU_FLOW)
case("resource-truncated-cpu", resource_module("0x040000000000803F0000"), CPU_FLOW)
case("constant-dense-count", func("", "tensor<3xf32>",
     f"  %w = dnn.constant dense<[1.0, 2.0]> : tensor<3xf32> {HERE}\n  return %w : tensor<3xf32>"))
case("constant-type-mismatch", func("", "tensor<2xf32>",
     f"  %w = dnn.constant dense<[1.0, 2.0]> : tensor<2xf16> -> tensor<2xf32> {HERE}\n  return %w : tensor<2xf32>"))
# A splat of 10^12 elements costs nothing until a pass materialises it.
HUGE_SPLAT_LINEAR = func(
    "%x: tensor<1x1000000xf32>", "tensor<1x1000000xf32>",
    f"  %w = dnn.constant dense<0.5> : tensor<1000000x1000000xf32>\n"
    f"  %y = dnn.linear %x, %w : (tensor<1x1000000xf32>, tensor<1000000x1000000xf32>) -> tensor<1x1000000xf32> {HERE}\n"
    "  return %y : tensor<1x1000000xf32>")
# Passes that would expand it skip the layer and say why; writing the
# weights file refuses it at the constant.
case("splat-1e12-sparsify", HUGE_SPLAT_LINEAR,
     ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=decide=always"], ok=True,
     needle="1000000000000 elements, more than")
case("splat-1e12-tail-prune", HUGE_SPLAT_LINEAR,
     ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=mode=prune"], ok=True)
case("splat-1e12-gpu", HUGE_SPLAT_LINEAR, GPU_FLOW, ok=True)
case("splat-1e12-gpu-weights-file",
     HUGE_SPLAT_LINEAR.replace(f" {HERE}", "").replace("xf32>\n", f"xf32> {HERE}\n", 1),
     GPU_FLOW[:-1] + ["--dnn-lower-to-gpu=weights-file=/dev/null"],
     needle="1000000000000 elements, more than")
case("splat-1e12-cpu", HUGE_SPLAT_LINEAR, CPU_FLOW, ok=True)

# NaN/Inf weights: the passes that rank weights by magnitude cannot; the
# others compute with them. The chain prunes 136 -> 128 channels on an H100
# (test/Transforms/tail-aware-channels-diagnostics.mlir).
def pruned_chain(w1="dense<1.0>", w2="dense<1.0>"):
    return func(
        "%x: tensor<1x64x112x112xf32>", "tensor<1x16x112x112xf32>",
        f"  %w1 = dnn.constant {w1} : tensor<136x64x3x3xf32>\n"
        f"  %w2 = dnn.constant {w2} : tensor<16x136x1x1xf32>\n"
        "  %c1 = dnn.conv2d %x, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x112x112xf32>, tensor<136x64x3x3xf32>) -> tensor<1x136x112x112xf32>\n"
        "  %r1 = dnn.activation relu %c1 : tensor<1x136x112x112xf32>\n"
        "  %c2 = dnn.conv2d %r1, %w2 : (tensor<1x136x112x112xf32>, tensor<16x136x1x1xf32>) -> tensor<1x16x112x112xf32>\n"
        "  return %c2 : tensor<1x16x112x112xf32>")


TAIL_PRUNE = ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=mode=prune"]
case("tail-prune-finite", pruned_chain(), TAIL_PRUNE, ok=True, needle="prune 136 -> 128")
for label, value in [("nan", "0x7FC00000"), ("inf", "0x7F800000"), ("neg-inf", "0xFF800000")]:
    case(f"weights-{label}-prune-producer",
         pruned_chain(w1=f"dense<{value}>").replace("x3x3xf32>\n", f"x3x3xf32> {HERE}\n", 1),
         TAIL_PRUNE, needle="not finite")
    case(f"weights-{label}-prune-consumer",
         pruned_chain(w2=f"dense<{value}>").replace("x1x1xf32>\n", f"x1x1xf32> {HERE}\n", 1),
         TAIL_PRUNE, needle="not finite")
    # Padding ranks nothing: it goes ahead.
    case(f"weights-{label}-pad", pruned_chain(w1=f"dense<{value}>"),
         ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=mode=pad"], ok=True)
    w = func("%x: tensor<2x64xf32>", "tensor<2x64xf32>",
             f"  %w = dnn.constant dense<{value}> : tensor<64x64xf32> {HERE}\n"
             "  %y = dnn.linear %x, %w : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32>\n"
             "  return %y : tensor<2x64xf32>")
    case(f"weights-{label}-sparsify", w,
         ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=decide=always"],
         needle="not finite")
    case(f"weights-{label}-gpu", w, GPU_FLOW, ok=True)
    case(f"weights-{label}-cpu", w, CPU_FLOW, ok=True)

# --- recurrent ops ----------------------------------------------------------

def lstm(w="1x16x3", r="1x16x4", b=None, attrs="hidden_size = 4 : i64",
         y="5x1x2x4", yh="1x2x4", yc="1x2x4", x="5x2x3", lens=None, op="lstm",
         results=3):
    operands = ["%x", "%w", "%r"]
    types = [f"tensor<{x}xf32>", f"tensor<{w}xf32>", f"tensor<{r}xf32>"]
    args = [f"%x: {types[0]}", f"%w: {types[1]}", f"%r: {types[2]}"]
    tail = ""
    if b:
        args.append(f"%b: tensor<{b}xf32>")
        tail += " bias %b"
        types.append(f"tensor<{b}xf32>")
    if lens:
        args.append(f"%l: tensor<{lens}>")
        tail += " sequence_lens %l"
        types.append(f"tensor<{lens}>")
    outs = [f"tensor<{y}xf32>", f"tensor<{yh}xf32>", f"tensor<{yc}xf32>"][:results]
    names = ["%y", "%yh", "%yc"][:results]
    return func(", ".join(args), ", ".join(outs),
                f"  {', '.join(names)} = dnn.{op} {', '.join(operands)}{tail} {{{attrs}}} "
                f": ({', '.join(types)}) -> ({', '.join(outs)}) {HERE}\n"
                f"  return {', '.join(names)} : {', '.join(outs)}")


for label, kw in [
        ("w-gates", dict(w="1x12x3")), ("r-gates", dict(r="1x12x4")),
        ("r-hidden", dict(r="1x16x5")), ("w-input", dict(w="1x16x2")),
        ("bias-size", dict(b="1x31")), ("bias-rank", dict(b="32")),
        ("hidden-zero", dict(attrs="hidden_size = 0 : i64")),
        ("hidden-negative", dict(attrs="hidden_size = -4 : i64")),
        ("hidden-mismatch", dict(attrs="hidden_size = 5 : i64")),
        ("hidden-huge", dict(attrs=f"hidden_size = {BIG} : i64")),
        ("direction-unknown", dict(attrs='hidden_size = 4 : i64, direction = "sideways"')),
        ("bidirectional-one-direction", dict(attrs='hidden_size = 4 : i64, direction = "bidirectional"')),
        ("activations-count", dict(attrs='hidden_size = 4 : i64, activations = ["sigmoid", "tanh"]')),
        ("activations-unknown", dict(attrs='hidden_size = 4 : i64, activations = ["sigmoid", "tanh", "swish"]')),
        ("clip-negative", dict(attrs="hidden_size = 4 : i64, clip = -1.0 : f32")),
        ("clip-nan", dict(attrs="hidden_size = 4 : i64, clip = 0x7FC00000 : f32")),
        ("y-shape", dict(y="5x1x2x5")), ("yh-shape", dict(yh="1x3x4")),
        ("yc-shape", dict(yc="2x2x4")), ("x-rank", dict(x="5x3")),
        ("lens-float", dict(lens="2xf32")), ("lens-size", dict(lens="3xi32")),
        ("too-few-results", dict(results=2)),
]:
    case(f"lstm-{label}", lstm(**kw))
for label, kw in [
        ("w-gates", dict(w="1x16x3", r="1x12x4")), ("r-gates", dict(w="1x12x3", r="1x16x4")),
        ("bias-size", dict(w="1x12x3", r="1x12x4", b="1x20")),
        ("lbr-not-bool", dict(w="1x12x3", r="1x12x4", attrs="hidden_size = 4 : i64, linear_before_reset = 2 : i64")),
        ("three-results", dict(w="1x12x3", r="1x12x4", results=3)),
]:
    case(f"gru-{label}", lstm(op="gru", results=kw.pop("results", 2), **kw))
for label, kw in [
        ("w-gates", dict(w="1x8x3", r="1x4x4")),
        ("activations-count", dict(w="1x4x3", r="1x4x4", attrs='hidden_size = 4 : i64, activations = ["tanh", "tanh", "tanh"]')),
]:
    case(f"rnn-{label}", lstm(op="rnn", results=2, **kw))
case("lstm-huge-sequence-gpu", lstm(x="1000000000000x2x3", y="1000000000000x1x2x4"),
     GPU_FLOW, needle="grid of")

# --- balanced-sparse ops ----------------------------------------------------

def sparse(layout="bank_size = 4, nnz = 2, index_bits = 2, value_type = f32",
           v="3x2x2", i="3x2x2", x="2x8", y="2x3", index_values=None):
    idx = (f"  %i = dnn.constant dense<{index_values}> : tensor<{i}xi8>\n"
           if index_values is not None else "")
    args = f"%x: tensor<{x}xf32>, %v: tensor<{v}xf32>" + ("" if idx else f", %i: tensor<{i}xi8>")
    return func(args, f"tensor<{y}xf32>",
                f"{idx}  %y = dnn.sparse_linear %x, %v, %i {{layout = #dnn.balanced<{layout}>}} : "
                f"(tensor<{x}xf32>, tensor<{v}xf32>, tensor<{i}xi8>) -> tensor<{y}xf32> {HERE}\n"
                f"  return %y : tensor<{y}xf32>")


for label, kw in [
        ("bank-zero", dict(layout="bank_size = 0, nnz = 2, index_bits = 2, value_type = f32")),
        ("nnz-over-bank", dict(layout="bank_size = 4, nnz = 5, index_bits = 2, value_type = f32")),
        ("nnz-zero", dict(layout="bank_size = 4, nnz = 0, index_bits = 2, value_type = f32")),
        ("index-bits-small", dict(layout="bank_size = 4, nnz = 2, index_bits = 1, value_type = f32")),
        ("index-bits-huge", dict(layout="bank_size = 4, nnz = 2, index_bits = 99, value_type = f32")),
        ("value-type", dict(layout="bank_size = 4, nnz = 2, index_bits = 2, value_type = f16")),
        ("values-shape", dict(v="3x2x3")), ("indices-shape", dict(i="3x3x2")),
        ("banks-vs-input", dict(x="2x12")), ("output", dict(y="2x4")),
]:
    case(f"sparse-linear-{label}", sparse(**kw))
for label, vals in [("index-out-of-bank", 4), ("index-negative", -1), ("index-max", 127)]:
    text = sparse(index_values=vals)
    case(f"sparse-linear-{label}-cpu", text, CPU_FLOW, needle="index")
    case(f"sparse-linear-{label}-gpu", text, GPU_FLOW, needle="index")

# --- targets, mappings and other attributes ---------------------------------

LINEAR_MODULE = linear().replace(f" {HERE}", "")
GPU_FIELDS = dict(name='"x"', arch='"sm_90"', sms=132, clock_mhz=1980,
                  max_threads_per_sm=2048, max_blocks_per_sm=32,
                  smem_per_sm=233472, max_smem_per_block=232448,
                  smem_reserved_per_block=1024, l2_bytes=52428800,
                  dram_gbps=3350.0, fp32_tflops=66.9, tc_tflops=989.4)


def with_target(target, body=LINEAR_MODULE):
    return f"module attributes {{dnn.target = {target}}} {{ {HERE}\n{body}}}\n"


def gpu(**changes):
    fields = dict(GPU_FIELDS, **changes)
    return "#dnn.gpu<" + ", ".join(f"{k} = {v}" for k, v in fields.items()) + ">"


for label, changes in [
        ("sms-zero", dict(sms=0)), ("sms-negative", dict(sms=-132)),
        ("clock-zero", dict(clock_mhz=0)), ("threads-zero", dict(max_threads_per_sm=0)),
        ("threads-not-warp-multiple", dict(max_threads_per_sm=100)),
        ("blocks-zero", dict(max_blocks_per_sm=0)),
        ("smem-block-over-sm", dict(max_smem_per_block=300000)),
        ("smem-reserved-over-block", dict(smem_reserved_per_block=300000)),
        ("l2-negative", dict(l2_bytes=-1)), ("dram-zero", dict(dram_gbps=0.0)),
        ("tflops-negative", dict(fp32_tflops=-1.0)),
        ("arch-unknown", dict(arch='"sm_5"')), ("arch-garbage", dict(arch='"banana"')),
]:
    case(f"target-{label}", with_target(gpu(**changes)))
# Absurd but consistent parts: valid, and the whole GPU flow must cope.
for label, changes in [
        ("dram-huge", dict(dram_gbps="0x7FF8000000000000")),
        ("tflops-huge", dict(tc_tflops="0x7FF0000000000000")),
        ("sms-huge", dict(sms=BIG)),
        ("tiny", dict(sms=1, max_threads_per_sm=256, max_threads_per_block=256, max_blocks_per_sm=1)),
]:
    case(f"target-{label}", with_target(gpu(**changes)).replace(f" {HERE}", ""),
         GPU_FLOW[1:], ok=True)
case("target-string", with_target('"h100"'))
case("target-integer", with_target("7 : i64"))
case("target-on-func", func("%x: tensor<4xf32>", "tensor<4xf32>", "  return %x : tensor<4xf32>")
     .replace("func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>) {",
              f"func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>) attributes {{dnn.target = {gpu()}}} {{ {HERE}"))


def mapped_linear(mapping, name="dnn.mapping"):
    return (f"module attributes {{dnn.target = {gpu()}}} {{\n" +
            linear().replace(" : (tensor<4x32xf32>", f" {{{name} = {mapping}}} : (tensor<4x32xf32>")
            + "}\n")


M = "#dnn.mapping<tile_m = 64, tile_n = 64, tile_k = 16, threads = {threads}, ctas = {ctas}, ctas_per_sm = {per}, waves = {waves}>"
for label, kw in [
        ("threads-zero", dict(threads=0, ctas=1, per=1, waves=0.01)),
        ("threads-over-1024", dict(threads=2048, ctas=1, per=1, waves=0.01)),
        ("threads-not-warp", dict(threads=100, ctas=1, per=1, waves=0.01)),
        ("ctas-zero", dict(threads=256, ctas=0, per=1, waves=0.0)),
        ("ctas-negative", dict(threads=256, ctas=-1, per=1, waves=0.01)),
        ("ctas-per-sm-over-target", dict(threads=256, ctas=1, per=64, waves=0.01)),
        ("waves-wrong", dict(threads=256, ctas=1, per=1, waves=3.0)),
        ("waves-nan", dict(threads=256, ctas=1, per=1, waves="0x7FF8000000000000")),
        ("ctas-huge", dict(threads=256, ctas=BIG, per=1, waves=8329633788.12)),
]:
    case(f"mapping-{label}", mapped_linear(M.format(**kw)))
case("mapping-tile-zero", mapped_linear(
    "#dnn.mapping<tile_m = 0, tile_n = 64, tile_k = 16, threads = 256, ctas = 1, ctas_per_sm = 1, waves = 0.01>"))
case("mapping-not-a-mapping", mapped_linear('"fast"'))
case("mapping-input-mapping-on-linear", mapped_linear(M.format(threads=256, ctas=1, per=1, waves=0.01),
                                                      name="dnn.input_mapping"))
case("mapping-ctas-contradict-problem", mapped_linear(M.format(threads=256, ctas=7, per=1, waves=0.05)),
     ["--dnn-lower-to-gpu"])
case("cost-not-a-cost", mapped_linear('"cheap"', name="dnn.cost"))
case("launch-zero", mapped_linear("array<i64: 0, 1, 1, 32>", name="dnn.launch"))
case("launch-short", mapped_linear("array<i64: 1, 1, 32>", name="dnn.launch"))
case("rnn-fusion-unknown", lstm().replace("{hidden_size = 4 : i64}",
                                          '{hidden_size = 4 : i64, dnn.rnn_fusion = "turbo"}'))
case("rnn-fusion-on-linear", linear().replace(" : (tensor<4x32xf32>",
                                              ' {dnn.rnn_fusion = "persistent"} : (tensor<4x32xf32>'))

# --- impossible pass options ------------------------------------------------
# The error is the module's (or the option parser's): any located error.
OPTION_MODULE = pruned_chain()
for label, args in [
        ("target-unknown", ["--dnn-attach-target=gpu=h1000"]),
        ("target-accel-as-gpu", ["--dnn-attach-target=gpu=eyeriss"]),
        ("target-both", ["--dnn-attach-target=gpu=h100 accel=eyeriss"]),
        ("target-bad-attribute", ["--dnn-attach-target=gpu={#dnn.gpu<name = \"x\">}"]),
        ("sparsity-one", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=sparsity=1.0"]),
        ("sparsity-negative", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=sparsity=-0.5"]),
        ("sparsity-nan", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=sparsity=nan"]),
        ("bank-zero", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=bank-size=0"]),
        ("bank-huge", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=bank-size=1099511627776"]),
        ("index-bits", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=index-bits=99"]),
        ("min-weights-negative", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=min-weights=-1"]),
        ("emit-unknown", ["--dnn-attach-target=gpu=h100", "--dnn-balanced-sparsify=emit=dense"]),
        ("tail-mode", ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=mode=shrink"]),
        ("tail-max-prune", ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=max-prune=1.5"]),
        ("tail-max-prune-nan", ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=max-prune=nan"]),
        ("tail-multiple", ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=channel-multiple=-8"]),
        ("tail-pad-tolerance", ["--dnn-attach-target=gpu=h100", "--dnn-tail-aware-channels=pad-tolerance=-1"]),
        ("tail-no-target", ["--dnn-tail-aware-channels"]),
        ("rnn-level", ["--dnn-attach-target=gpu=h100", "--dnn-fuse-rnn=level=turbo"]),
        ("split-k-negative", ["--dnn-attach-target=gpu=h100", "--dnn-assign-mapping=split-k=-4"]),
        ("split-k-huge", ["--dnn-attach-target=gpu=h100", "--dnn-assign-mapping=split-k=1000000"]),
        ("mapping-config", ["--dnn-attach-target=gpu=h100", "--dnn-assign-mapping=config=fast"]),
        ("calibration-missing", ["--dnn-attach-target=gpu=h100", "--dnn-predict=calibration=/nonexistent/c.json"]),
        ("calibration-not-json", ["--dnn-attach-target=gpu=h100", "--dnn-predict=calibration=/etc/hostname"]),
        ("report-unwritable", ["--dnn-attach-target=gpu=h100", "--dnn-assign-mapping", "--dnn-predict=report=/nonexistent/r.json"]),
        ("lower-format", GPU_FLOW[:-1] + ["--dnn-lower-to-gpu=format=elf"]),
        ("lower-no-mapping", ["--dnn-attach-target=gpu=h100", "--dnn-lower-to-gpu"]),
        ("pipeline-target", ["--dnn-gpu-pipeline=target=h1000"]),
        ("loop-order", ["--dnn-cpu-loop-order=im2col-below-width=-1"]),
]:
    case(f"option-{label}", OPTION_MODULE, args, anywhere=True)

# --- names that are not UTF-8 -----------------------------------------------
BAD_UTF8 = "\udcff\udcfe"  # surrogate-escaped bytes 0xff 0xfe
for label, text in [
        ("loc-name", linear().replace(f" {HERE}", f' loc("fc{BAD_UTF8}")')),
        ("func-name", linear().replace("@f(", f'@"f{BAD_UTF8}"(').replace(f" {HERE}", "")),
        ("resource-key", resource_module("0x040000000000803F00000040", key=f'"w{BAD_UTF8}"',
                                         use_key=f'"w{BAD_UTF8}"').replace(f" {HERE}", "")),
]:
    case(f"non-utf8-{label}", text, GPU_FLOW + ["--dnn-predict=report=-"], ok=True)


def _write(tmp_path, c):
    path = tmp_path / "hostile.mlir"
    path.write_bytes(c.text.encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_hostile_ir(c, dnn_opt, tmp_path):
    path = _write(tmp_path, c)
    result = run_opt(dnn_opt, path, c.args)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode >= 0, f"killed by signal {-result.returncode}:\n{stderr}"
    if c.ok:
        assert result.returncode == 0, stderr
        if c.needle:
            assert c.needle in stderr, stderr
        return
    assert result.returncode == 1, stderr
    located = re.findall(rf"^{re.escape(str(path))}:(\d+):\d+: error: (.*)$", stderr, re.M)
    if c.anywhere:
        # A bad option: the module's error, or the pass option parser's.
        assert located or "dnn-opt: " in stderr, f"no error:\n{stderr}"
    else:
        assert located, f"no located error:\n{stderr}"
        assert int(located[0][0]) == c.line, f"error not at line {c.line}:\n{stderr}"
    if c.needle:
        assert c.needle in stderr, stderr


def test_suite_size():
    assert len(CASES) >= 200


def test_non_utf8_report_is_json(dnn_opt, tmp_path):
    """A report of ops named with bytes that are not UTF-8 is still JSON."""
    c = next(c for c in CASES if c.name == "non-utf8-loc-name")
    path = _write(tmp_path, c)
    report = tmp_path / "report.json"
    result = subprocess.run([dnn_opt, str(path), "--dnn-attach-target=gpu=h100",
                             "--dnn-assign-mapping", f"--dnn-predict=report={report}",
                             "-o", "/dev/null"], capture_output=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr
    layers = json.loads(report.read_bytes().decode("utf-8"))["ops"]
    assert layers[0]["name"].startswith("fc")
