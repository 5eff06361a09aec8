#!/usr/bin/env python3
"""Writes examples/resnet_block.mlir: a small ResNet basic block plus classifier
head in the dnn dialect, with seeded random weights stored as dense_resource
blobs (the form the ONNX importer emits). With --dtype f16 or bf16 the same
network (the same weights, rounded to nearest) in that element type:
examples/resnet_block_f16.mlir and examples/resnet_block_bf16.mlir.

    python3 utils/make_example.py [--channels 32] [--size 28] [--dtype f32]
        [-o examples/resnet_block.mlir]
"""
import argparse
import struct
import random


def bf16_bits(value):
    """The bfloat16 nearest to `value` (ties to even), as its 16 bits."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def blob(values, dtype="f32"):
    """dense_resource hex blob: the alignment header (the element size),
    then the little-endian values."""
    if dtype == "f32":
        data = struct.pack("<I", 4) + struct.pack(f"<{len(values)}f", *values)
    elif dtype == "f16":
        data = struct.pack("<I", 2) + struct.pack(f"<{len(values)}e", *values)
    else:
        data = struct.pack("<I", 2) + struct.pack(
            f"<{len(values)}H", *(bf16_bits(v) for v in values))
    return "0x" + data.hex().upper()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--dtype", choices=("f32", "f16", "bf16"), default="f32")
    ap.add_argument("-o", "--output", default=None,
                    help="default: examples/resnet_block[_DTYPE].mlir")
    args = ap.parse_args()
    if args.output is None:
        suffix = "" if args.dtype == "f32" else "_" + args.dtype
        args.output = f"examples/resnet_block{suffix}.mlir"
    rng = random.Random(0)
    c, s, k = args.channels, args.size, args.classes
    conv_std = (2.0 / (9 * c)) ** 0.5

    weights = {}

    def weight(name, shape, gen):
        n = 1
        for d in shape:
            n *= d
        weights[name] = (shape, [gen() for _ in range(n)])
        return name

    weight("conv1_w", [c, c, 3, 3], lambda: rng.gauss(0, conv_std))
    weight("conv2_w", [c, c, 3, 3], lambda: rng.gauss(0, conv_std))
    for i in (1, 2):
        weight(f"bn{i}_scale", [c], lambda: rng.uniform(0.5, 1.5))
        weight(f"bn{i}_offset", [c], lambda: rng.uniform(-0.1, 0.1))
        weight(f"bn{i}_mean", [c], lambda: rng.uniform(-0.1, 0.1))
        weight(f"bn{i}_var", [c], lambda: rng.uniform(0.5, 1.5))
    weight("fc_w", [k, c], lambda: rng.gauss(0, (1.0 / c) ** 0.5))
    weight("fc_b", [k], lambda: rng.uniform(-0.1, 0.1))

    def ty(shape):
        return "tensor<" + "x".join(str(d) for d in shape) + "x" + args.dtype + ">"

    act = ty([1, c, s, s])
    vec = ty([c])
    w3 = ty([c, c, 3, 3])
    lines = [
        "// A ResNet basic block (conv-bn-relu-conv-bn + residual, relu) and a",
        "// classifier head, in the dnn dialect. Weights are seeded random values",
        "// in dense_resource blobs. Regenerate: python3 utils/make_example.py"
        + ("" if args.dtype == "f32" else f" --dtype {args.dtype}"),
        "module {",
        f"  func.func @main(%x: {act}) -> {ty([1, k])} {{",
    ]
    for name, (shape, _) in weights.items():
        lines.append(f"    %{name} = dnn.constant dense_resource<{name}> : {ty(shape)}")
    lines += [
        f'    %c1 = dnn.conv2d %x, %conv1_w {{padding = array<i64: 1, 1, 1, 1>}} : ({act}, {w3}) -> {act} loc("layer1.0.conv1")',
        f'    %b1 = dnn.batch_norm %c1, %bn1_scale, %bn1_offset, %bn1_mean, %bn1_var : {act}, {vec} loc("layer1.0.bn1")',
        f'    %r1 = dnn.activation relu %b1 : {act} loc("layer1.0.relu1")',
        f'    %c2 = dnn.conv2d %r1, %conv2_w {{padding = array<i64: 1, 1, 1, 1>}} : ({act}, {w3}) -> {act} loc("layer1.0.conv2")',
        f'    %b2 = dnn.batch_norm %c2, %bn2_scale, %bn2_offset, %bn2_mean, %bn2_var : {act}, {vec} loc("layer1.0.bn2")',
        f'    %s = dnn.add %b2, %x : {act}, {act} loc("layer1.0.add")',
        f'    %r2 = dnn.activation relu %s : {act} loc("layer1.0.relu2")',
        f'    %g = dnn.global_avg_pool %r2 : {act} -> {ty([1, c, 1, 1])} loc("avgpool")',
        f'    %f = dnn.flatten %g : {ty([1, c, 1, 1])} -> {ty([1, c])} loc("flatten")',
        f'    %l = dnn.linear %f, %fc_w, %fc_b : ({ty([1, c])}, {ty([k, c])}, {ty([k])}) -> {ty([1, k])} loc("fc")',
        f'    %p = dnn.softmax %l {{axis = 1 : i64}} : {ty([1, k])} loc("softmax")',
        f"    return %p : {ty([1, k])}",
        "  }",
        "}",
        "",
        "{-#",
        "  dialect_resources: {",
        "    builtin: {",
    ]
    entries = [f'      {name}: "{blob(vals, args.dtype)}"'
               for name, (_, vals) in weights.items()]
    lines.append(",\n".join(entries))
    lines += ["    }", "  }", "#-}", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
