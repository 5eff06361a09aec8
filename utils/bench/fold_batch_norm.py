#!/usr/bin/env python3
"""Predicted effect of dnn-fold-batch-norm on zoo CNNs (H100 model).

For each model and batch, imports the zoo model (224x224, width 1) and runs
dnn-attach-target, dnn-assign-mapping and dnn-predict with and without
dnn-fold-batch-norm first; prints the predicted end-to-end latency and the
number of kernels (ops the report lists) as a markdown table.

    .venv/bin/python utils/bench/fold_batch_norm.py [--gpu h100] [--batches 1,32]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import import_to_file, models  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpu", default="h100")
    ap.add_argument("--models", default="resnet50,mobilenet_v2")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--build-dir", default=os.environ.get("DNN_BUILD_DIR", "build"))
    args = ap.parse_args()
    import onnx
    dnn_opt = str((ROOT / args.build_dir / "bin" / "dnn-opt").resolve())
    print(f"| model | batch | latency (us) | folded (us) | change | kernels |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for arch in args.models.split(","):
            for batch in map(int, args.batches.split(",")):
                onnx.save(getattr(models, arch)(batch=batch), str(tmp / "m.onnx"))
                import_to_file(str(tmp / "m.onnx"), str(tmp / "m.mlir"))
                res = []
                for extra in ([], ["--dnn-fold-batch-norm"]):
                    subprocess.run(
                        [dnn_opt, str(tmp / "m.mlir"), *extra,
                         f"--dnn-attach-target=gpu={args.gpu}",
                         "--dnn-assign-mapping",
                         f"--dnn-predict=report={tmp / 'r.json'}",
                         "-o", os.devnull], check=True)
                    data = json.loads((tmp / "r.json").read_text())
                    res.append((float(data["total_latency_us"]), len(data["ops"])))
                (t0, k0), (t1, k1) = res
                print(f"| {arch} | {batch} | {t0:.1f} | {t1:.1f} | "
                      f"{(t1 - t0) / t0 * 100:+.1f}% | {k0} -> {k1} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
