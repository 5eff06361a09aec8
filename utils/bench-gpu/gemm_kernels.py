#!/usr/bin/env python3
"""Our generated GEMM kernels on a GPU: correctness and speed against cuBLAS.

Two halves, because the machine with the compiler has no GPU and the GPU
machine has no compiler:

  here:   python3 utils/bench-gpu/gemm_kernels.py prepare --out DIR
          builds the PTX of every case with dnn-opt (dnn-test-gemm-kernel,
          bare-pointer kernel arguments) and writes DIR/cases.json
  there:  python3 gemm_kernels.py run --dir DIR [--json out.json]
          (needs only NumPy and CuPy) loads each PTX, runs it on seeded
          inputs, checks C against a float64 NumPy reference, and times it
          (CUDA events, warm-up, median of --reps) beside CuPy's matmul
          (cuBLAS) on the same operands; prints a markdown table.

The kernel is `gemm(A, B[, bias], C)`, f32, row-major; B is [k, n], or
[n, k] with transpose_b. Grid (ceil(n / tile_n), ceil(m / tile_m)),
block (threads). Exit status 1 if any case is wrong.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# (m, n, k, config, transpose_b, bias): square and ragged shapes, the
# linear-layer form (B as [n, k] plus bias), and each f32 configuration.
CASES = [
    (1024, 1024, 1024, "sgemm_64x64x16_t256", False, False),
    (1024, 1024, 1024, "sgemm_128x64x16_t256", False, False),
    (1024, 1024, 1024, "sgemm_128x128x8_t256", False, False),
    (4096, 4096, 4096, "sgemm_128x128x8_t256", False, False),
    (1000, 1000, 1000, "sgemm_128x64x16_t256", True, True),
    (3136, 64, 576, "sgemm_64x64x16_t256", False, False),
    (100, 70, 40, "sgemm_64x64x16_t256", True, True),
    (1, 1000, 2048, "sgemm_64x64x16_t256", True, True),
]

PIPELINE = ("--convert-scf-to-cf --nvvm-attach-target=chip={chip} "
            "--convert-gpu-to-nvvm=use-bare-ptr-memref-call-conv=1 "
            "--reconcile-unrealized-casts --gpu-module-to-binary=format=isa")


def prepare(args) -> int:
    sys.path.insert(0, str(ROOT / "utils"))
    from extract_ptx import binaries  # noqa: E402
    dnn_opt = pathlib.Path(args.build_dir).resolve() / "bin" / "dnn-opt"
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cases = []
    for i, (m, n, k, config, tb, bias) in enumerate(CASES):
        opts = (f"m={m} n={n} k={k} config={config} "
                f"transpose-b={int(tb)} bias={int(bias)}")
        cmd = [str(dnn_opt), os.devnull, f"--dnn-test-gemm-kernel={opts}",
               *PIPELINE.format(chip=args.chip).split()]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        found = list(binaries(proc.stdout))
        launch = re.search(r"dnn\.launch = array<i64: (\d+), (\d+), (\d+)>",
                           subprocess.run(cmd[:3], capture_output=True,
                                          text=True).stdout)
        name = f"case{i}.ptx"
        (out / name).write_bytes(found[0][2])
        cases.append({"m": m, "n": n, "k": k, "config": config,
                      "transpose_b": tb, "bias": bias, "ptx": name,
                      "grid": [int(launch.group(1)), int(launch.group(2))],
                      "block": int(launch.group(3))})
    (out / "cases.json").write_text(json.dumps({"chip": args.chip,
                                                "cases": cases}, indent=1))
    print(f"wrote {len(cases)} cases to {out}")
    return 0


def run(args) -> int:
    import cupy as cp
    import numpy as np
    root = pathlib.Path(args.dir)
    spec = json.loads((root / "cases.json").read_text())
    rng = np.random.default_rng(0)
    rows, bad = [], 0
    for case in spec["cases"]:
        m, n, k = case["m"], case["n"], case["k"]
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if case["transpose_b"] else (k, n)) \
            .astype(np.float32)
        bias = rng.uniform(-1, 1, (n,)).astype(np.float32)
        bmat = b.T if case["transpose_b"] else b
        ref = a.astype(np.float64) @ bmat.astype(np.float64)
        if case["bias"]:
            ref += bias
        mod = cp.RawModule(code=(root / case["ptx"]).read_text())
        kern = mod.get_function("gemm")
        da, db, dbias = cp.asarray(a), cp.asarray(b), cp.asarray(bias)
        dc = cp.zeros((m, n), dtype=cp.float32)
        kargs = (da, db, dbias, dc) if case["bias"] else (da, db, dc)
        grid, block = tuple(case["grid"]) + (1,), (case["block"], 1, 1)

        def ours():
            kern(grid, block, kargs)

        def cublas():
            cp.matmul(da, db.T if case["transpose_b"] else db)

        ours()
        cp.cuda.Device().synchronize()
        got = cp.asnumpy(dc)
        err = float(np.max(np.abs(got - ref)) / max(1e-30, np.max(np.abs(ref))))
        ok = err < 1e-5 * math.sqrt(k)
        bad += not ok

        def timed(fn):
            for _ in range(3):
                fn()
            start, stop = cp.cuda.Event(), cp.cuda.Event()
            times = []
            for _ in range(args.reps):
                start.record()
                fn()
                stop.record()
                stop.synchronize()
                times.append(cp.cuda.get_elapsed_time(start, stop) * 1e3)
            return sorted(times)[len(times) // 2]

        t_ours, t_cublas = timed(ours), timed(cublas)
        flops = 2.0 * m * n * k
        rows.append({**case, "max_rel_err": err, "ok": ok, "us": t_ours,
                     "cublas_us": t_cublas,
                     "tflops": flops / t_ours / 1e6,
                     "cublas_tflops": flops / t_cublas / 1e6})
    name = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(f"device: {name}\n")
    print("| m | n | k | config | B | bias | max rel err | ok | ours (us) | "
          "cuBLAS (us) | ours TFLOP/s | cuBLAS TFLOP/s | ours / cuBLAS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['m']} | {r['n']} | {r['k']} | {r['config']} | "
              f"{'[n,k]' if r['transpose_b'] else '[k,n]'} | {r['bias']} | "
              f"{r['max_rel_err']:.1e} | {r['ok']} | {r['us']:.1f} | "
              f"{r['cublas_us']:.1f} | {r['tflops']:.1f} | "
              f"{r['cublas_tflops']:.1f} | {r['tflops'] / r['cublas_tflops']:.2f} |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"device": name, "rows": rows}, indent=1))
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.add_argument("--chip", default="sm_90")
    p.add_argument("--build-dir", default=os.environ.get("DNN_BUILD_DIR",
                                                         str(ROOT / "build")))
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--reps", type=int, default=20)
    r.add_argument("--json")
    args = ap.parse_args()
    return prepare(args) if args.cmd == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
