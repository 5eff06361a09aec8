#!/usr/bin/env python3
"""Writes ResNet-18 (torchvision layout, inference form) in the dnn dialect.

Weights are seeded He-initialised random values stored as dense_resource
blobs, batch-norm parameters are random around identity, so activations stay
in a sane range through all 18 layers. The file is about 90 MB at 224x224
(11.7 M parameters as hex), so it is generated into the build tree by the
benchmarks rather than committed.

    python3 utils/bench/make_resnet18.py -o build/bench/resnet18.mlir \
        [--batch 1] [--size 224] [--classes 1000] [--width 64] [--dtype f32]
"""
from __future__ import annotations

import argparse
import pathlib

import numpy as np

_NP = {"f32": np.float32, "f16": np.float16, "f64": np.float64}


class Builder:
    def __init__(self, dtype: str, seed: int):
        self.dtype = dtype
        self.rng = np.random.default_rng(seed)
        self.lines: list[str] = []
        self.blobs: dict[str, np.ndarray] = {}
        self.count = 0

    def ty(self, shape) -> str:
        return "tensor<" + "x".join(str(int(d)) for d in shape) + f"x{self.dtype}>"

    def const(self, name: str, array: np.ndarray) -> str:
        array = array.astype(_NP[self.dtype])
        self.blobs[name] = array
        self.lines.append(f"    %{name} = dnn.constant dense_resource<{name}> : "
                          f"{self.ty(array.shape)}")
        return f"%{name}"

    def value(self, prefix: str = "v") -> str:
        self.count += 1
        return f"%{prefix}{self.count}"

    def conv(self, name, x, shape, cout, k, stride, pad):
        n, cin, h, w = shape
        fan_in = cin * k * k
        wt = self.const(name + "_w", self.rng.normal(0, (2.0 / fan_in) ** 0.5,
                                                      (cout, cin, k, k)))
        p = (h + 2 * pad - k) // stride + 1
        q = (w + 2 * pad - k) // stride + 1
        out = (n, cout, p, q)
        y = self.value()
        self.lines.append(
            f"    {y} = dnn.conv2d {x}, {wt} {{strides = array<i64: {stride}, {stride}>, "
            f"padding = array<i64: {pad}, {pad}, {pad}, {pad}>}} : "
            f"({self.ty(shape)}, {self.ty((cout, cin, k, k))}) -> {self.ty(out)} "
            f"loc(\"{name}\")")
        return y, out

    def bn(self, name, x, shape):
        c = shape[1]
        scale = self.const(name + "_scale", self.rng.uniform(0.8, 1.2, c))
        offset = self.const(name + "_offset", self.rng.uniform(-0.1, 0.1, c))
        mean = self.const(name + "_mean", self.rng.uniform(-0.1, 0.1, c))
        var = self.const(name + "_var", self.rng.uniform(0.8, 1.2, c))
        y = self.value()
        self.lines.append(
            f"    {y} = dnn.batch_norm {x}, {scale}, {offset}, {mean}, {var} : "
            f"{self.ty(shape)}, {self.ty((c,))} loc(\"{name}\")")
        return y

    def relu(self, name, x, shape):
        y = self.value()
        self.lines.append(f"    {y} = dnn.activation relu {x} : {self.ty(shape)} "
                          f"loc(\"{name}\")")
        return y

    def add(self, name, a, b, shape):
        y = self.value()
        self.lines.append(f"    {y} = dnn.add {a}, {b} : {self.ty(shape)}, "
                          f"{self.ty(shape)} loc(\"{name}\")")
        return y

    def basic_block(self, name, x, shape, cout, stride):
        y, s1 = self.conv(name + ".conv1", x, shape, cout, 3, stride, 1)
        y = self.relu(name + ".relu1", self.bn(name + ".bn1", y, s1), s1)
        y, s2 = self.conv(name + ".conv2", y, s1, cout, 3, 1, 1)
        y = self.bn(name + ".bn2", y, s2)
        if stride != 1 or shape[1] != cout:
            sc, ss = self.conv(name + ".downsample.0", x, shape, cout, 1, stride, 0)
            sc = self.bn(name + ".downsample.1", sc, ss)
        else:
            sc = x
        y = self.add(name + ".add", y, sc, s2)
        return self.relu(name + ".relu2", y, s2), s2


def build(batch=1, size=224, classes=1000, width=64, dtype="f32", seed=0) -> str:
    b = Builder(dtype, seed)
    shape = (batch, 3, size, size)
    x, shape = b.conv("conv1", "%x", shape, width, 7, 2, 3)
    x = b.relu("relu", b.bn("bn1", x, shape), shape)
    n, c, h, w = shape
    p, q = (h + 2 - 3) // 2 + 1, (w + 2 - 3) // 2 + 1
    y = b.value()
    b.lines.append(
        f"    {y} = dnn.max_pool2d {x} {{kernel_size = array<i64: 3, 3>, strides = "
        f"array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}} : {b.ty(shape)} -> "
        f"{b.ty((n, c, p, q))} loc(\"maxpool\")")
    x, shape = y, (n, c, p, q)
    for stage, mult in enumerate([1, 2, 4, 8], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            x, shape = b.basic_block(f"layer{stage}.{block}", x, shape,
                                     width * mult, stride)
    n, c = shape[:2]
    y = b.value()
    b.lines.append(f"    {y} = dnn.global_avg_pool {x} : {b.ty(shape)} -> "
                   f"{b.ty((n, c, 1, 1))} loc(\"avgpool\")")
    f = b.value()
    b.lines.append(f"    {f} = dnn.flatten {y} : {b.ty((n, c, 1, 1))} -> "
                   f"{b.ty((n, c))} loc(\"flatten\")")
    fw = b.const("fc_w", b.rng.normal(0, (1.0 / c) ** 0.5, (classes, c)))
    fb = b.const("fc_b", b.rng.uniform(-0.1, 0.1, classes))
    out = b.value()
    b.lines.append(f"    {out} = dnn.linear {f}, {fw}, {fb} : ({b.ty((n, c))}, "
                   f"{b.ty((classes, c))}, {b.ty((classes,))}) -> "
                   f"{b.ty((n, classes))} loc(\"fc\")")
    text = [f"// ResNet-18 (batch {batch}, {size}x{size}, {classes} classes, width "
            f"{width}, {dtype}); generated by utils/bench/make_resnet18.py",
            "module {",
            f"  func.func @main(%x: {b.ty((batch, 3, size, size))}) -> "
            f"{b.ty((batch, classes))} {{"]
    text += b.lines
    text += [f"    return {out} : {b.ty((batch, classes))}", "  }", "}", "",
             "{-#", "  dialect_resources: {", "    builtin: {"]
    items = list(b.blobs.items())
    for i, (name, array) in enumerate(items):
        align = np.array([array.dtype.itemsize], dtype="<u4").tobytes()
        data = align + np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        sep = "," if i + 1 < len(items) else ""
        text.append(f"      {name}: \"0x{data.hex().upper()}\"{sep}")
    text += ["    }", "  }", "#-}", ""]
    return "\n".join(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--dtype", choices=sorted(_NP), default="f32")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    path = pathlib.Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build(args.batch, args.size, args.classes, args.width,
                          args.dtype, args.seed))


if __name__ == "__main__":
    main()
