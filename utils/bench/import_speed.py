#!/usr/bin/env python3
"""ONNX import speed: full-size ResNet-50 through dnn_mlir.importer.

Builds ResNet-50 (python/dnn_mlir/models.py: 224x224, batch 1, 1000
classes, 25.6 M parameters, seeded random weights) into build/bench/, then
times

* ``import_model(path)`` in this process, best of --repeat (default 3): read
  the .onnx file and produce the MLIR text;
* the CLI once, ``python -m dnn_mlir.importer resnet50.onnx -o
  resnet50.mlir`` (interpreter start-up, import and writing the file),

and prints the times and the sizes of the .onnx and .mlir files. With
--check it also runs the imported module with dnn-run on a seeded random
input and compares the logits with onnxruntime's.

    .venv/bin/python utils/bench/import_speed.py [--repeat 3] [--check]
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
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402

from dnn_mlir import models  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from cpu_resnet18 import cpu_name  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out-dir", default=str(ROOT / "build" / "bench"))
    ap.add_argument("--check", action="store_true",
                    help="run the imported model with dnn-run and compare "
                         "with onnxruntime")
    ap.add_argument("--dnn-run", default=str(pathlib.Path(os.environ.get(
        "DNN_BUILD_DIR", ROOT / "build")) / "bin" / "dnn-run"))
    args = ap.parse_args(argv)

    from dnn_mlir import importer

    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "resnet50.onnx"
    mlir_path = out / "resnet50.mlir"

    t0 = time.perf_counter()
    model = models.resnet50()
    onnx.save(model, str(onnx_path))
    t_build = time.perf_counter() - t0
    params = models.count_params(model)
    print(f"ResNet-50: {params:,} parameters, {len(model.graph.node)} nodes; "
          f"built and saved in {t_build:.2f} s")

    times = []
    text = ""
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        text = importer.import_model(onnx_path)
        times.append(time.perf_counter() - t0)
    convs = len(re.findall(r"\bdnn\.conv2d\b", text))

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "python")] + [p for p in [env.get("PYTHONPATH")] if p])
    if mlir_path.exists():
        mlir_path.unlink()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dnn_mlir.importer", str(onnx_path),
                    "-o", str(mlir_path)], check=True, env=env)
    t_cli = time.perf_counter() - t0

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores visible; "
          f"Python {platform.python_version()}, onnx {onnx.__version__}; "
          f"{datetime.date.today().isoformat()}")
    print(f"import_model(resnet50.onnx): best {min(times):.2f} s of "
          f"{args.repeat} (" + ", ".join(f"{t:.2f}" for t in times) + " s)")
    print(f"CLI (python -m dnn_mlir.importer, incl. start-up and writing): "
          f"{t_cli:.2f} s")
    print(f"resnet50.onnx: {onnx_path.stat().st_size / 1e6:.1f} MB; "
          f"resnet50.mlir: {mlir_path.stat().st_size / 1e6:.1f} MB "
          f"({len(text) / 1e6:.1f} M characters in memory); "
          f"{convs} dnn.conv2d for "
          f"{sum(n.op_type == 'Conv' for n in model.graph.node)} Conv nodes")

    if args.check:
        import onnxruntime as ort
        x = np.random.default_rng(11).standard_normal((1, 3, 224, 224),
                                                      dtype=np.float32)
        x_path = out / "resnet50_input.npy"
        np.save(x_path, x)
        t0 = time.perf_counter()
        subprocess.run([args.dnn_run, str(mlir_path), f"--input={x_path}",
                        f"--output-dir={out / 'resnet50_out'}"], check=True,
                       stdout=subprocess.DEVNULL)
        t_run = time.perf_counter() - t0
        got = np.load(out / "resnet50_out" / "out0.npy")
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        ref = ort.InferenceSession(str(onnx_path), opts,
                                   providers=["CPUExecutionProvider"]).run(
                                       None, {"input": x})[0]
        err = np.abs(got.astype(np.float64) - ref)
        scale = float(np.abs(ref).max())
        print(f"dnn-run (compile + run) {t_run:.2f} s; vs onnxruntime: max abs "
              f"err {err.max():.3g}, max|ref| {scale:.3g}, max err/max|ref| "
              f"{err.max() / scale:.3g}")


if __name__ == "__main__":
    main()
