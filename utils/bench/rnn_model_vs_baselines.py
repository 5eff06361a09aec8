#!/usr/bin/env python3
"""The RNN fusion levels' predictions (dnn-fuse-rnn's model, H100) beside
the H100 baselines measured with PyTorch (docs/data/h100/rnn_fusion.csv:
BLAS per gate, gates fused, input hoisted, cuDNN; one LSTM, 25 steps).

The two are different implementations: the measured rows are PyTorch's
kernels in a CUDA graph, the predictions price our kernels (unfused and
hoisted) and the planned persistent kernel. The table shows where the model
stands against real numbers of the same shapes; it is not an accuracy claim.

    .venv/bin/python utils/bench/rnn_model_vs_baselines.py [--markdown FILE]
"""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import importer, models  # noqa: E402

DTYPES = {"float32": "f32", "float16": "f16"}


def predict(hidden: int, batch: int, steps: int, dtype: str, dnn_opt: str):
    text = importer.import_model(models.lstm(hidden=hidden, steps=steps,
                                             batch=batch))
    if dtype == "f16":
        text = text.replace("f32", "f16")
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "m.mlir"
        src.write_text(text)
        report = pathlib.Path(tmp) / "r.json"
        subprocess.run([dnn_opt, str(src), "--dnn-attach-target=gpu=h100",
                        f"--dnn-fuse-rnn=report={report}", "-o", "/dev/null"],
                       check=True, capture_output=True, timeout=300)
        layer = json.loads(report.read_text())["layers"][0]
    return {l["level"]: (l["latency_us"] / steps if l["feasible"] else None)
            for l in layer["levels"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default=str(ROOT / "docs/data/h100/rnn_fusion.csv"))
    ap.add_argument("--dnn-opt", default=str(ROOT / "build/bin/dnn-opt"))
    ap.add_argument("--markdown")
    args = ap.parse_args()
    measured: dict[tuple, dict[str, float]] = {}
    for row in csv.DictReader(open(args.csv)):
        key = (int(row["hidden"]), int(row["batch"]), int(row["steps"]),
               DTYPES[row["dtype"]])
        measured.setdefault(key, {})[row["variant"]] = float(row["us_per_step"])
    lines = ["| hidden | batch | dtype | measured: gates fused | measured: "
             "input hoisted | measured: cuDNN | predicted: unfused | "
             "predicted: hoisted | predicted: persistent |",
             "|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda v: "infeasible" if v is None else f"{v:.1f}"  # noqa: E731
    for key in sorted(measured):
        hidden, batch, steps, dtype = key
        m = measured[key]
        p = predict(hidden, batch, steps, dtype, args.dnn_opt)
        lines.append(f"| {hidden} | {batch} | {dtype} | {m['gate_fused']:.1f} | "
                     f"{m['hoisted']:.1f} | {m['cudnn']:.1f} | "
                     f"{fmt(p['unfused'])} | {fmt(p['hoisted'])} | "
                     f"{fmt(p['persistent'])} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.markdown:
        pathlib.Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
