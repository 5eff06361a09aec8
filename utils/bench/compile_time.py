#!/usr/bin/env python3
"""Compile time of the zoo CNNs, dnn dialect -> cubin (dnn-gpu-pipeline).

Imports each zoo model (python/dnn_mlir/models.py; default 224x224, width
1.0, batch 1, 1000 classes, seeded random weights) into a temporary directory
once, then times, --repeat times (default 3),

    dnn-opt model.mlir --dnn-gpu-pipeline="target=h100 format=bin" -o out.mlir

pinned with `taskset -c 0,1` (2 CPU cores; --cpus, when taskset exists) and
with ptxas on PATH (format=bin runs it). Prints a markdown table: median and
minimum wall time of the dnn-opt process, and the pass breakdown of the
median run from --mlir-timing (parsing, dnn-fold-batch-norm,
gpu-module-to-binary, i.e. NVPTX code generation plus ptxas, and the other
passes, writing the output included; process start-up is in the wall
time only).
Importing is not counted.

    .venv/bin/python utils/bench/compile_time.py [--models resnet50,vgg16]
        [--size 224] [--width 1.0] [--target h100] [--repeat 3] [--isa]

--isa adds a column: the median of the same compile with format=isa (PTX
only, no ptxas).
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "utils"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from cpu_resnet18 import cpu_name  # noqa: E402
import extract_ptx  # noqa: E402

MODELS = ("resnet50", "resnet18", "mobilenet_v2", "vgg16")
# --mlir-timing=list names -> table columns; what is left is "other".
PASSES = {"parse": ("Parser",), "fold-bn": ("FoldBatchNorm",),
          "to-binary": ("GpuModuleToBinaryPass",)}
TIMING = re.compile(r"^\s*([\d.]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$")


def ptxas_dir() -> str | None:
    found = shutil.which("ptxas")
    if found:
        return str(pathlib.Path(found).parent)
    return "/usr/local/cuda/bin" if pathlib.Path(
        "/usr/local/cuda/bin/ptxas").exists() else None


def timings(stderr: str) -> dict[str, float]:
    """--mlir-timing-display=list output -> {pass name: wall seconds}."""
    out = {}
    for line in stderr.splitlines():
        m = TIMING.match(line)
        if m:
            out[m.group(2)] = out.get(m.group(2), 0.0) + float(m.group(1))
    return out


def compile_once(cmd: list[str], env: dict, out: pathlib.Path,
                 fmt: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    found = list(extract_ptx.binaries(out.read_text()))
    want = "cubin" if fmt == "bin" else "ptx"
    if [kind for _, kind, _ in found] != [want]:
        raise SystemExit(f"{' '.join(cmd)}: expected one gpu.binary ({want})")
    return seconds, timings(proc.stderr)


def bench(dnn_opt: str, mlir: pathlib.Path, args, env, fmt: str) -> list:
    out = mlir.with_suffix(f".{fmt}.mlir")
    cmd = [dnn_opt, str(mlir),
           f"--dnn-gpu-pipeline=target={args.target} format={fmt}",
           "--mlir-timing", "--mlir-timing-display=list", "-o", str(out)]
    if args.cpus and shutil.which("taskset"):
        cmd = ["taskset", "-c", args.cpus, *cmd]
    runs = [compile_once(cmd, env, out, fmt) for _ in range(args.repeat)]
    return sorted(runs, key=lambda r: r[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--target", default="h100")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpus", default="0,1",
                    help="taskset CPU list ('' for no pinning)")
    ap.add_argument("--isa", action="store_true",
                    help="also time format=isa (PTX, no ptxas)")
    ap.add_argument("--build-dir",
                    default=os.environ.get("DNN_BUILD_DIR", str(ROOT / "build")))
    args = ap.parse_args(argv)

    from dnn_mlir import importer, models

    build = pathlib.Path(args.build_dir)
    dnn_opt = str((build if build.is_absolute() else ROOT / build)
                  / "bin" / "dnn-opt")
    ptxas = ptxas_dir()
    if ptxas is None:
        raise SystemExit("compile_time.py: ptxas not found (PATH, "
                         "/usr/local/cuda/bin); format=bin needs it")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([ptxas, env.get("PATH", "")])
    pinned = bool(args.cpus and shutil.which("taskset"))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            model = getattr(models, name)(batch=args.batch, size=args.size,
                                          width=args.width)
            params = models.count_params(model)
            mlir = pathlib.Path(tmp) / f"{name}.mlir"
            mlir.write_text(importer.import_model(model))
            del model
            runs = bench(dnn_opt, mlir, args, env, "bin")
            row = {"model": name, "params": params,
                   "mlir_mb": mlir.stat().st_size / 1e6,
                   "median": statistics.median(r[0] for r in runs),
                   "min": runs[0][0], "passes": runs[len(runs) // 2][1]}
            if args.isa:
                row["isa"] = statistics.median(
                    r[0] for r in bench(dnn_opt, mlir, args, env, "isa"))
            rows.append(row)
            mlir.unlink()
            print(f"{name}: {row['median']:.2f} s", file=sys.stderr)

    print(f"dnn dialect -> cubin, dnn-gpu-pipeline target={args.target} "
          f"format=bin; zoo models batch {args.batch}, {args.size}x{args.size}, "
          f"width {args.width}; {cpu_name()}, "
          + (f"taskset -c {args.cpus}" if pinned else
             f"{os.cpu_count()} cores, not pinned")
          + f"; median of {args.repeat}; {datetime.date.today().isoformat()}\n")
    head = ["model", "parameters", "input .mlir (MB)", "median (s)", "min (s)"]
    head += [f"{p} (s)" for p in PASSES] + ["other (s)"]
    if args.isa:
        head.append("format=isa median (s)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        parts = {col: sum(r["passes"].get(p, 0.0) for p in names)
                 for col, names in PASSES.items()}
        # "root": the whole pass manager run (the list display's total).
        total = r["passes"].get("root", r["passes"].get("Total", r["median"]))
        cells = [r["model"], f"{r['params'] / 1e6:.1f} M", f"{r['mlir_mb']:.0f}",
                 f"{r['median']:.2f}", f"{r['min']:.2f}"]
        cells += [f"{v:.2f}" for v in parts.values()]
        cells.append(f"{total - sum(parts.values()):.2f}")
        if args.isa:
            cells.append(f"{r['isa']:.2f}")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
