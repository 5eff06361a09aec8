#!/usr/bin/env python3
"""Our recurrent kernels on a GPU at each dnn-fuse-rnn level against
PyTorch's cuDNN LSTM/GRU, on the DeepBench inference sizes
(../shared/reference/workloads.md: input = hidden).

Two halves, because the machine with the compiler has no GPU and the GPU
machine has no compiler:

  here:   .venv/bin/python utils/bench-gpu/rnn_kernels.py prepare --out DIR
              [--cases deepbench|small] [--batches 1,4] [--dtypes f32,f16]
          writes, per (layer, batch, dtype), a module with one dnn.lstm or
          dnn.gru (x, W, R and the bias as function inputs, so no weights
          travel) and compiles it with dnn-compile --rnn-level=L for every
          level the model finds feasible: NAME_L.so, plus a copy of
          dnn-bench and DIR/cases.json. The folder is a few MiB.
  there:  python3 utils/bench-gpu/rnn_kernels.py run --dir DIR
              [--runs 20 --warmup 5] [--out results.json] [--markdown results.md]
          times each library with dnn-bench (its runtime's events, median;
          dnn-bench's seeded uniform inputs), and the same layer as
          torch.nn.LSTM / torch.nn.GRU (cuDNN, TF32 off, the case's dtype,
          CUDA events, median) when PyTorch with CUDA is there; writes JSON
          and a markdown table: per layer each level's time, hoisted and
          persistent over unfused, and our best over cuDNN.

Numerics are not checked here: test/Runtime/aot-gpu-numerics.test compares
every level with the CPU path. cuDNN's GRU is linear_before_reset = 1; ours
is compiled the same way.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from networks import remove_previous, run_tool, torch_timed  # noqa: E402

LEVELS = ("unfused", "hoisted", "persistent")

# (op, hidden, steps): DeepBench's inference LSTM and GRU sizes.
DEEPBENCH = [("lstm", 512, 25), ("lstm", 1024, 25), ("lstm", 2048, 25),
             ("lstm", 1536, 50), ("lstm", 256, 150),
             ("gru", 512, 1), ("gru", 1024, 1500), ("gru", 1536, 375),
             ("gru", 2048, 750), ("gru", 2560, 187), ("gru", 2816, 1500)]
SMALL = [("lstm", 64, 4), ("gru", 96, 3)]


def layer_module(op: str, hidden: int, steps: int, batch: int,
                 dtype: str) -> str:
    """One recurrent layer with its weights as inputs."""
    gates = 4 if op == "lstm" else 3
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + f"x{dtype}>"
    x, w = t(steps, batch, hidden), t(1, gates * hidden, hidden)
    b = t(1, 2 * gates * hidden)
    y, yh = t(steps, 1, batch, hidden), t(1, batch, hidden)
    results = [y, yh, yh] if op == "lstm" else [y, yh]
    names = "%y, %yh, %yc" if op == "lstm" else "%y, %yh"
    extra = "" if op == "lstm" else ", linear_before_reset = true"
    return (f"func.func @main(%x: {x}, %w: {w}, %r: {w}, %b: {b}) -> "
            f"({', '.join(results)}) {{\n"
            f"  {names} = dnn.{op} %x, %w, %r bias %b {{hidden_size = "
            f"{hidden} : i64{extra}}}\n"
            f"      : ({x}, {w}, {w}, {b}) -> ({', '.join(results)})\n"
            f"  return {names} : {', '.join(results)}\n}}\n")


def feasible_levels(dnn_opt: str, module: pathlib.Path) -> list[str]:
    """The levels dnn-fuse-rnn's model finds feasible on an H100."""
    report = module.with_suffix(".levels.json")
    run_tool([dnn_opt, module, "--dnn-attach-target=gpu=h100",
              f"--dnn-fuse-rnn=report={report}", "-o", "/dev/null"],
             "dnn-fuse-rnn")
    layer = json.loads(report.read_text())["layers"][0]
    report.unlink()
    return [lvl["level"] for lvl in layer["levels"] if lvl["feasible"]]


def prepare(args) -> int:
    build = pathlib.Path(args.build)
    tools = {t: build / "bin" / t for t in ("dnn-opt", "dnn-compile",
                                             "dnn-bench")}
    for t, path in tools.items():
        if not path.exists():
            print(f"rnn_kernels.py: {path} is missing: build the project "
                  "first", file=sys.stderr)
            return 2
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    remove_previous(out)
    shapes = SMALL if args.cases == "small" else DEEPBENCH
    cases = []
    for op, hidden, steps in shapes:
        for batch in map(int, args.batches.split(",")):
            for dtype in args.dtypes.split(","):
                name = f"{op}{hidden}_t{steps}_b{batch}_{dtype}"
                module = out / f"{name}.mlir"
                module.write_text(layer_module(op, hidden, steps, batch,
                                               dtype))
                levels = feasible_levels(str(tools["dnn-opt"]), module)
                libs = {}
                for level in levels:
                    so = out / f"{name}_{level}.so"
                    run_tool([tools["dnn-compile"], module, "--target=h100",
                              f"--rnn-level={level}", "-o", so,
                              "--weights", "/dev/null"],
                             f"dnn-compile {name} {level}")
                    libs[level] = so.name
                module.unlink()
                cases.append({"name": name, "op": op, "hidden": hidden,
                              "steps": steps, "batch": batch, "dtype": dtype,
                              "libraries": libs,
                              # remove_previous's keys
                              "inputs": [{"file": f} for f in libs.values()]})
                print(f"{name}: {', '.join(levels)}", flush=True)
    shutil.copy2(tools["dnn-bench"], out / "dnn-bench")
    (out / "cases.json").write_text(json.dumps({"cases": cases}, indent=1))
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"{out}: {len(cases)} layers, {size / 2**20:.1f} MiB")
    return 0


def time_library(bench: pathlib.Path, so: pathlib.Path, runs: int,
                 warmup: int) -> dict:
    proc = subprocess.run([str(bench), str(so), "--runs", str(runs),
                           "--warmup", str(warmup), "--json", "-"],
                          capture_output=True, text=True, timeout=1800)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        return {"error": proc.stderr[-2000:] or "no output"}
    if "timing" not in result:
        return {"error": result.get("error", "no timing")}
    return {"median_ms": result["timing"]["median_ms"],
            "launches": result.get("launches_per_run")}


def cudnn_time(case: dict, runs: int, warmup: int) -> dict | None:
    """torch.nn.LSTM / GRU (cuDNN) at the case's size, or None."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.backends.cudnn.enabled = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    dtype = {"f32": torch.float32, "f16": torch.float16}[case["dtype"]]
    h = case["hidden"]
    cls = torch.nn.LSTM if case["op"] == "lstm" else torch.nn.GRU
    layer = cls(h, h).to(dev, dtype)
    x = torch.rand(case["steps"], case["batch"], h, device=dev,
                   dtype=dtype) * 2 - 1
    with torch.no_grad():
        timed = torch_timed(lambda: layer(x), warmup, runs, dev)
    return {"median_ms": timed["median_ms"]}


def run(args) -> int:
    folder = pathlib.Path(args.dir)
    cases = json.loads((folder / "cases.json").read_text())["cases"]
    bench = folder / "dnn-bench"
    rows = []
    for case in cases:
        row = dict(case)
        row.pop("inputs", None)
        row["ours"] = {level: time_library(bench, folder / so, args.runs,
                                           args.warmup)
                       for level, so in case["libraries"].items()}
        row["cudnn"] = cudnn_time(case, args.runs, args.warmup)
        ms = {lvl: r["median_ms"] for lvl, r in row["ours"].items()
              if "median_ms" in r}
        if "unfused" in ms:
            for lvl in ("hoisted", "persistent"):
                if lvl in ms:
                    row[f"{lvl}_speedup"] = ms["unfused"] / ms[lvl]
        if ms:
            best = min(ms, key=ms.get)
            row["best"] = best
            if row["cudnn"]:
                row["best_over_cudnn"] = ms[best] / row["cudnn"]["median_ms"]
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("name", "ours", "cudnn")}),
              flush=True)
    result = {"runs": args.runs, "warmup": args.warmup, "rows": rows}
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps(result, indent=1))
    table = markdown(rows)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(table)
    print(table)
    errors = [r["name"] for r in rows
              if any("error" in v for v in r["ours"].values())]
    if errors:
        print("failed: " + ", ".join(errors), file=sys.stderr)
        return 1
    return 0


def markdown(rows: list[dict]) -> str:
    def ms(row, level):
        r = row["ours"].get(level)
        if r is None:
            return "infeasible"
        return f"{r['median_ms']:.3f}" if "median_ms" in r else "error"

    def ratio(v):
        return f"{v:.2f}x" if v is not None else "-"
    lines = ["| layer | T | B | dtype | unfused ms | hoisted ms | persistent ms "
             "| cuDNN ms | hoisted vs unfused | persistent vs unfused "
             "| best / cuDNN |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cudnn = f"{r['cudnn']['median_ms']:.3f}" if r["cudnn"] else "-"
        lines.append(
            f"| {r['op'].upper()} {r['hidden']} | {r['steps']} | {r['batch']} "
            f"| {r['dtype']} | {ms(r, 'unfused')} | {ms(r, 'hoisted')} "
            f"| {ms(r, 'persistent')} | {cudnn} "
            f"| {ratio(r.get('hoisted_speedup'))} "
            f"| {ratio(r.get('persistent_speedup'))} "
            f"| {ratio(r.get('best_over_cudnn'))} ({r.get('best', '-')}) |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.add_argument("--build", default=str(HERE.parents[1] / "build"))
    p.add_argument("--cases", choices=["deepbench", "small"],
                   default="deepbench")
    p.add_argument("--batches", default="1,4")
    p.add_argument("--dtypes", default="f32,f16")
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--runs", type=int, default=20)
    r.add_argument("--warmup", type=int, default=5)
    r.add_argument("--out", default="")
    r.add_argument("--markdown", default="")
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
