#!/usr/bin/env python3
"""CPU benchmark of the reference path: ResNet-18 through dnn-run.

Generates ResNet-18 (utils/bench/make_resnet18.py) into the build tree, then
runs it with dnn-run in several configurations side by side, in one process
each, and prints a Markdown table (compile time, median and minimum run time,
checksums, which must agree across configurations):

  default          dnn-cpu-pipeline as shipped
  no-loop-order    --cpu-pipeline=loop-order=0 (linalg's default loop order)
  inline-weights   --inline-weights (weights compiled into the code)

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
    ("no-loop-order", ["--cpu-pipeline=loop-order=0"]),
    ("inline-weights", ["--inline-weights"]),
]


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
    if len(sums) != 1:
        print(f"\nWARNING: checksums differ across configurations: {sums}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
