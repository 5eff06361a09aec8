#!/usr/bin/env python3
"""Tail-effect elimination on zoo CNNs: predicted latency before and after.

For each model (ResNet-50 x0.9 and MobileNetV2 x1.3 by default, 224x224,
batch 1), import the ONNX zoo model, then on the chosen GPU target run

  before:  dnn-assign-mapping, dnn-predict
  after:   dnn-tail-aware-channels{mode=M}, dnn-assign-mapping, dnn-predict

for M in prune and pad, and print the predicted end-to-end latency, the
change, and how many channels the groups lost or gained (largest fraction
per group). The numbers are the performance model's (docs/performance-model.md).

    .venv/bin/python utils/bench/tail_effect.py [--gpu h100] [--models resnet50:0.9,mobilenet_v2:1.3]
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
from dnn_mlir import import_to_file  # noqa: E402
from dnn_mlir import models  # noqa: E402


def dnn_opt(build: pathlib.Path, args: list[str]) -> None:
    proc = subprocess.run([str(build / "bin" / "dnn-opt"), *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"dnn-opt {' '.join(args)} failed:\n{proc.stderr}")


def total_latency(report: pathlib.Path) -> float:
    data = json.loads(report.read_text())
    return float(data["total"]["latency_us"]) if "total" in data else float(
        data["total_latency_us"])


def measured_headroom(csv_path: pathlib.Path, max_prune: float,
                      tolerance: float) -> None:
    """What the ideal per-layer choice would buy on measured staircases
    (cuDNN on a GPU, one layer swept over its output channels in steps of
    8): for every measured count c, the best latency within
    [c * (1 - max_prune), c] and the most channels up to 1.5 c within
    `tolerance` of c's latency."""
    import collections
    import csv
    sweeps = collections.defaultdict(dict)
    with open(csv_path) as f:
        for r in csv.DictReader(f):
            sweeps[(r["case"], r["dtype"], r["batch"])][int(r["cout"])] = \
                float(r["median_us"])
    print(f"measured staircases ({csv_path.name}), per layer, ideal choice\n")
    print("| layer | dtype | batch | counts | prune gain within "
          f"{max_prune:.0%}: mean / max | pad headroom within "
          f"{tolerance:.1%}: mean / max |")
    print("|---|---|---|---|---|---|")
    for (case, dtype, batch), t in sweeps.items():
        counts = sorted(t)
        gains, room = [], []
        for c in counts:
            gains.append(1 - min(t[x] for x in counts
                                 if c * (1 - max_prune) <= x <= c) / t[c])
            grow = max(x for x in counts
                       if c <= x <= 1.5 * c and t[x] <= t[c] * (1 + tolerance))
            room.append((grow - c) / c)
        print(f"| {case} | {dtype} | {batch} | {counts[0]}..{counts[-1]} | "
              f"{sum(gains) / len(gains):.1%} / {max(gains):.1%} | "
              f"{sum(room) / len(room):.1%} / {max(room):.1%} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpu", default="h100")
    ap.add_argument("--models", default="resnet50:0.9,mobilenet_v2:1.3")
    ap.add_argument("--modes", default="prune,prune-fastest,pad,auto",
                    help="pass modes; prune-fastest is mode=prune prune-pick=fastest")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--build-dir", default=os.environ.get("DNN_BUILD_DIR", "build"))
    ap.add_argument("--measured", metavar="CSV",
                    help="instead: the ideal per-layer prune/pad headroom on "
                         "measured staircases (docs/data/h100/conv.csv)")
    args = ap.parse_args()
    if args.measured:
        measured_headroom(pathlib.Path(args.measured), 0.1, 0.005)
        return 0
    build = (ROOT / args.build_dir).resolve()

    print(f"{args.gpu}, batch {args.batch}, {args.size}x{args.size}\n")
    print(f"| model | mode | latency before (us) | after (us) | change | pass's own total (us) | groups changed | channels of all groups | max change per group |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for spec in args.models.split(","):
            name, width = spec.split(":")
            builder = getattr(models, name)
            proto = builder(batch=args.batch, size=args.size, width=float(width))
            onnx_path = tmp / f"{name}.onnx"
            import onnx
            onnx.save(proto, str(onnx_path))
            mlir = tmp / f"{name}.mlir"
            import_to_file(str(onnx_path), str(mlir))
            target = tmp / f"{name}.target.mlir"
            dnn_opt(build, [str(mlir), f"--dnn-attach-target=gpu={args.gpu}",
                            "-o", str(target)])
            before = tmp / "before.json"
            dnn_opt(build, [str(target), "--dnn-assign-mapping",
                            f"--dnn-predict=report={before}", "-o", os.devnull])
            t0 = total_latency(before)
            for mode in args.modes.split(","):
                after = tmp / f"after-{mode}.json"
                tail = tmp / f"tail-{mode}.json"
                opts = ("mode=prune prune-pick=fastest" if mode == "prune-fastest"
                        else f"mode={mode}")
                dnn_opt(build, [str(target),
                                f"--dnn-tail-aware-channels={opts} report={tail}",
                                "--dnn-assign-mapping",
                                f"--dnn-predict=report={after}", "-o", os.devnull])
                t1 = total_latency(after)
                data = json.loads(tail.read_text())
                groups = data["groups"]
                changed = [g for g in groups if g["action"] in ("prune", "pad")]
                # Every group once: concatenations ("follow") are sums of
                # their pieces.
                own = [g for g in groups if g["action"] != "follow"
                       and not g["reason"].startswith("concatenation of")]
                cb = sum(g["channels_before"] for g in own)
                ca = sum(g["channels_after"] for g in own)
                worst = max((abs(g["channels_after"] - g["channels_before"]) /
                             g["channels_before"] for g in changed), default=0.0)
                print(f"| {name} x{width} | {mode} | {t0:.1f} | {t1:.1f} | "
                      f"{(t1 - t0) / t0 * 100:+.1f}% | "
                      f"{data['total_latency_after_us']:.1f} | "
                      f"{len(changed)} of {len(groups)} | "
                      f"{cb} -> {ca} ({(ca - cb) / cb * 100:+.1f}%) | "
                      f"{worst * 100:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
