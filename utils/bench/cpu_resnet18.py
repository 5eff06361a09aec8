#!/usr/bin/env python3
"""CPU benchmark of the reference path: ResNet-18 through dnn-run.

Generates ResNet-18 (utils/bench/make_resnet18.py) into the build tree, then
runs it with dnn-run in several configurations side by side, in one process
each, and prints a Markdown table (compile time, median and minimum run time,
checksums, which must agree across configurations):

  default          dnn-cpu-pipeline as shipped
  no-im2col        --cpu-pipeline=im2col-below-width=0 (every convolution direct)
  no-loop-order    --cpu-pipeline=loop-order=0 (linalg's default loop order)
  inline-weights   --inline-weights (weights compiled into the code)

and then the same configurations on each distinct convolution of ResNet-18
alone (random weights as arguments), with GFLOP/s.

    .venv/bin/python utils/bench/cpu_resnet18.py [--repeat 5] [--size 224]
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "utils" / "bench"))
import make_resnet18  # noqa: E402

CONFIGS = [
    ("default", []),
    ("no-im2col", ["--cpu-pipeline=im2col-below-width=0"]),
    ("no-loop-order", ["--cpu-pipeline=loop-order=0"]),
    ("inline-weights", ["--inline-weights"]),
]

# The distinct convolutions of ResNet-18 at 224x224:
# (name, C, F, H, kernel, stride, padding).
LAYERS = [
    ("conv1", 3, 64, 224, 7, 2, 3),
    ("layer1 3x3", 64, 64, 56, 3, 1, 1),
    ("layer2.0.conv1", 64, 128, 56, 3, 2, 1),
    ("layer2 3x3", 128, 128, 28, 3, 1, 1),
    ("layer2 downsample", 64, 128, 56, 1, 2, 0),
    ("layer3.0.conv1", 128, 256, 28, 3, 2, 1),
    ("layer3 3x3", 256, 256, 14, 3, 1, 1),
    ("layer4.0.conv1", 256, 512, 14, 3, 2, 1),
    ("layer4 3x3", 512, 512, 7, 3, 1, 1),
]


def layer_module(c, f, h, k, s, p) -> tuple[str, int]:
    o = (h + 2 * p - k) // s + 1
    x, w, y = (f"tensor<1x{c}x{h}x{h}xf32>", f"tensor<{f}x{c}x{k}x{k}xf32>",
               f"tensor<1x{f}x{o}x{o}xf32>")
    text = (f"func.func @main(%x: {x}, %w: {w}) -> {y} {{\n"
            f"  %y = dnn.conv2d %x, %w {{strides = array<i64: {s}, {s}>, "
            f"padding = array<i64: {p}, {p}, {p}, {p}>}} : ({x}, {w}) -> {y}\n"
            f"  return %y : {y}\n}}\n")
    return text, 2 * f * c * k * k * o * o


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run(dnn_run: pathlib.Path, model: pathlib.Path, extra: list[str],
        repeat: int) -> dict:
    cmd = [str(dnn_run), str(model), f"--repeat={repeat}", "--seed=0", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    out = proc.stdout
    compile_ms = float(re.search(r"compile time: ([\d.]+) ms", out).group(1))
    m = re.search(r"time: median ([\d.]+) ms over (\d+) runs \(min ([\d.]+) ms\)", out)
    checksum = re.search(r"out0: \S+ (sum=\S+)", out).group(1)
    return {"compile_ms": compile_ms, "median_ms": float(m.group(1)),
            "min_ms": float(m.group(3)), "checksum": checksum,
            "cmd": " ".join(cmd)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--build-dir", default=os.environ.get("DNN_BUILD_DIR", "build"))
    args = ap.parse_args()
    build = (ROOT / args.build_dir).resolve()
    dnn_run = build / "bin" / "dnn-run"
    model = build / "bench" / f"resnet18_{args.size}.mlir"
    if not model.exists():
        model.parent.mkdir(parents=True, exist_ok=True)
        model.write_text(make_resnet18.build(size=args.size))

    results = [(name, run(dnn_run, model, extra, args.repeat))
               for name, extra in CONFIGS]
    base = results[0][1]["median_ms"]
    print(f"ResNet-18, batch 1, {args.size}x{args.size}, f32; {cpu_name()}, "
          f"{os.cpu_count()} cores visible, single-threaded code; "
          f"{datetime.date.today().isoformat()}; {args.repeat} timed runs each\n")
    print("| configuration | compile (ms) | median run (ms) | min run (ms) | "
          "run time vs default | checksum |")
    print("|---|---|---|---|---|---|")
    for name, r in results:
        print(f"| {name} | {r['compile_ms']:.0f} | {r['median_ms']:.1f} | "
              f"{r['min_ms']:.1f} | {r['median_ms'] / base:.2f}x | {r['checksum']} |")
    sums = {r["checksum"] for _, r in results}

    conv_configs = [c for c in CONFIGS if c[0] != "inline-weights"]
    print("\nEach distinct convolution alone (median ms, GFLOP/s):\n")
    print("| layer | C -> F, HxW, k/s | " +
          " | ".join(name for name, _ in conv_configs) + " |")
    print("|---|---|" + "---|" * len(conv_configs))
    for name, c, f, h, k, s_, p in LAYERS:
        text, flops = layer_module(c, f, h, k, s_, p)
        path = model.parent / f"conv_{c}_{f}_{h}_{k}_{s_}.mlir"
        path.write_text(text)
        cells = []
        layer_sums = set()
        for _, extra in conv_configs:
            r = run(dnn_run, path, extra, args.repeat)
            layer_sums.add(r["checksum"])
            cells.append(f"{r['median_ms']:.2f} ({flops / r['median_ms'] / 1e6:.1f})")
        if len(layer_sums) != 1:
            sums.add(f"{name}: {layer_sums}")
        print(f"| {name} | {c} -> {f}, {h}x{h}, {k}/{s_} | " + " | ".join(cells) + " |")

    if len(sums) != 1:
        print(f"\nWARNING: checksums differ across configurations: {sums}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
