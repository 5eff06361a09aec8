#!/usr/bin/env python3
"""Writes the model zoo (python/dnn_mlir/models.py) as ONNX files.

One ``NAME.onnx`` per model into the output folder, then a table of the
models (parameters, multiply-accumulates, file size). Model names:

  resnet18, resnet50, mobilenet_v2, vgg16   CNNs (--size, --width, --classes)
  lstm, gru                                 one DeepBench-style RNN node
                                            (--hidden, --steps; default LSTM
                                            512 x 25 steps, GRU 1024 x 1500)
  deepbench                                 every DeepBench inference LSTM/GRU
                                            problem at --batch (11 files,
                                            lstm_h512_t25_b1.onnx, ...; about
                                            0.8 GB in all)

--batch applies to all of them. Each model is checked with
onnx.checker.check_model before it is written (--ort also runs it once in
onnxruntime).

    .venv/bin/python utils/make_zoo.py -o zoo/ \
        [--models resnet18,resnet50,mobilenet_v2,vgg16,lstm,gru] \
        [--width 1.0] [--size 224] [--batch 1] [--classes 1000] [--seed 0]
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import onnx  # noqa: E402

from dnn_mlir import models  # noqa: E402

DEFAULT = ",".join(list(models.CNNS) + list(models.RNNS))


def _builders(args):
    for name in [n.strip() for n in args.models.split(",") if n.strip()]:
        if name in models.CNNS:
            f = models.CNNS[name]
            yield name, (lambda f=f: f(batch=args.batch, size=args.size,
                                       num_classes=args.classes,
                                       width=args.width, seed=args.seed,
                                       softmax=args.softmax))
        elif name in models.RNNS:
            f = models.RNNS[name]
            kw = {k: v for k, v in (("hidden", args.hidden),
                                    ("steps", args.steps)) if v is not None}
            yield name, (lambda f=f, kw=kw: f(batch=args.batch, seed=args.seed,
                                              **kw))
        elif name == "deepbench":
            for stem, build in models.deepbench_rnns((args.batch,)):
                yield stem, build
        else:
            known = ", ".join(list(models.CNNS) + list(models.RNNS) + ["deepbench"])
            raise SystemExit(f"make_zoo.py: unknown model '{name}'; known: {known}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="output folder")
    ap.add_argument("--models", default=DEFAULT,
                    help=f"comma-separated names (default {DEFAULT})")
    ap.add_argument("--width", type=float, default=1.0,
                    help="channel width multiplier of the CNNs")
    ap.add_argument("--size", type=int, default=224, help="CNN image size")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--softmax", action="store_true",
                    help="end the CNNs with a Softmax")
    ap.add_argument("--hidden", type=int, help="lstm/gru hidden size")
    ap.add_argument("--steps", type=int, help="lstm/gru time steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ort", action="store_true",
                    help="also run each model once in onnxruntime")
    args = ap.parse_args(argv)

    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    builders = list(_builders(args))
    print(f"{'model':<24} {'params':>13} {'GMAC':>9} {'file MB':>9} {'build s':>8}")
    for name, build in builders:
        t0 = time.perf_counter()
        model = build()
        onnx.checker.check_model(model)
        if args.ort:
            _run_ort(model)
        path = out / f"{name}.onnx"
        onnx.save(model, str(path))
        dt = time.perf_counter() - t0
        print(f"{name:<24} {models.count_params(model):>13,} "
              f"{models.count_macs(model) / 1e9:>9.3f} "
              f"{path.stat().st_size / 1e6:>9.1f} {dt:>8.2f}", flush=True)


def _run_ort(model):
    import numpy as np
    import onnxruntime as ort
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    feeds = {}
    for inp in sess.get_inputs():
        feeds[inp.name] = np.random.default_rng(0).standard_normal(
            inp.shape, dtype=np.float32)
    sess.run(None, feeds)


if __name__ == "__main__":
    main()
