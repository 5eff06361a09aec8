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
          (cuBLAS) on the same operands, or PyTorch's conv2d (cuDNN) for
          the convolutions; prints a markdown table.

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
    # split-K: few output tiles, long K (a reduction kernel follows)
    (64, 64, 8192, "sgemm_64x64x16_t256", False, False, 8),
    (1, 1000, 2048, "sgemm_64x64x16_t256", True, True, 4),
]

# Convolutions as implicit GEMM: (batch, channels, size, filters, kernel,
# stride, pad, dilation, config, bias), ResNet-like layers.
CONVS = [
    (1, 64, 56, 64, 3, 1, 1, 1, "sgemm_64x64x16_t256", True),
    (8, 128, 28, 128, 3, 1, 1, 1, "sgemm_128x64x16_t256", False),
    (1, 3, 224, 64, 7, 2, 3, 1, "sgemm_64x64x16_t256", True),
    (4, 256, 14, 512, 1, 2, 0, 1, "sgemm_128x128x8_t256", False),
    (2, 32, 20, 48, 3, 1, 2, 2, "sgemm_64x64x16_t256", True),
]

PIPELINE = ("--convert-scf-to-cf --nvvm-attach-target=chip={chip} "
            "--convert-gpu-to-nvvm=use-bare-ptr-memref-call-conv=1 "
            "--reconcile-unrealized-casts --gpu-module-to-binary=format=isa")


def build(dnn_opt: str, opts: str, chip: str):
    """PTX of `dnn-test-gemm-kernel=opts` and the kernels' launches
    [(grid_x, grid_y, grid_z, block_x), ...] (the GEMM, then its split-K
    reduction if any); the launches are read from the kernel IR before it is
    compiled. None (message printed) if dnn-opt fails."""
    sys.path.insert(0, str(ROOT / "utils"))
    from extract_ptx import binaries  # noqa: E402
    kernel = [dnn_opt, os.devnull, f"--dnn-test-gemm-kernel={opts}"]
    ir = subprocess.run(kernel, capture_output=True, text=True)
    if ir.returncode != 0:
        print(ir.stderr, file=sys.stderr)
        return None
    proc = subprocess.run([dnn_opt, "-", *PIPELINE.format(chip=chip).split()],
                          input=ir.stdout, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return None
    launches = [tuple(map(int, g)) for g in re.findall(
        r"dnn\.launch = array<i64: (\d+), (\d+), (\d+), (\d+)>", ir.stdout)]
    return next(binaries(proc.stdout))[2], launches


def prepare(args) -> int:
    dnn_opt = str(pathlib.Path(args.build_dir).resolve() / "bin" / "dnn-opt")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cases = []
    for i, (m, n, k, config, tb, bias, *rest) in enumerate(CASES):
        split = rest[0] if rest else 1
        built = build(dnn_opt, f"m={m} n={n} k={k} config={config} "
                      f"transpose-b={int(tb)} bias={int(bias)} split-k={split}",
                      args.chip)
        if built is None:
            return 1
        ptx, launches = built
        name = f"case{i}.ptx"
        (out / name).write_bytes(ptx)
        g = launches[0]
        case = {"m": m, "n": n, "k": k, "config": config,
                "transpose_b": tb, "bias": bias, "ptx": name,
                "split_k": split, "grid": list(g[:2]), "block": g[3]}
        if split > 1:
            case["reduce_grid"], case["reduce_block"] = launches[1][0], launches[1][3]
        cases.append(case)
    for i, (nb, ch, hw, f, ks, st, pd, dl, config, bias) in enumerate(CONVS):
        built = build(dnn_opt, f"conv={nb},{ch},{hw},{hw},{f},{ks},{st},{pd},{dl} "
                      f"config={config} bias={int(bias)}", args.chip)
        if built is None:
            return 1
        ptx, launches = built
        name = f"conv{i}.ptx"
        (out / name).write_bytes(ptx)
        span = dl * (ks - 1) + 1
        oh = (hw + 2 * pd - span) // st + 1
        cases.append({"conv": {"batch": nb, "channels": ch, "size": hw,
                               "filters": f, "kernel": ks, "stride": st,
                               "pad": pd, "dilation": dl, "out": oh},
                      "m": nb * oh * oh, "n": f, "k": ch * ks * ks,
                      "config": config, "transpose_b": True, "bias": bias,
                      "ptx": name, "split_k": 1,
                      "grid": list(launches[0][:2]), "block": launches[0][3]})
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
        if "conv" in case:
            rows.append(run_conv(case, root, rng, args))
            bad += not rows[-1]["ok"]
            continue
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
        split = case.get("split_k", 1)
        grid, block = (*case["grid"], split), (case["block"], 1, 1)
        if split > 1:
            reduce = mod.get_function("gemm_reduce")
            ws = cp.zeros((split, m, n), dtype=cp.float32)
            rargs = (ws, dbias, dc) if case["bias"] else (ws, dc)

            def ours():
                kern(grid, block, (da, db, ws))
                reduce((case["reduce_grid"], 1, 1),
                       (case["reduce_block"], 1, 1), rargs)
        else:
            kargs = (da, db, dbias, dc) if case["bias"] else (da, db, dc)

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

        t_ours, t_cublas = timed(ours, args.reps), timed(cublas, args.reps)
        flops = 2.0 * m * n * k
        rows.append({**case, "max_rel_err": err, "ok": ok, "us": t_ours,
                     "cublas_us": t_cublas,
                     "tflops": flops / t_ours / 1e6,
                     "cublas_tflops": flops / t_cublas / 1e6})
    name = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    for r in rows:
        r.setdefault("cublas_us", float("nan"))
        r.setdefault("cublas_tflops", float("nan"))
    print(f"device: {name}\n")
    print("| m | n | k | config | B | bias | split-K | max rel err | ok | ours (us) | "
          "vendor (us) | ours TFLOP/s | vendor TFLOP/s | ours / vendor |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        form = ("conv" if "conv" in r else
                "[n,k]" if r["transpose_b"] else "[k,n]")
        print(f"| {r['m']} | {r['n']} | {r['k']} | {r['config']} | "
              f"{form} | {r['bias']} | {r.get('split_k', 1)} | "
              f"{r['max_rel_err']:.1e} | {r['ok']} | {r['us']:.1f} | "
              f"{r['cublas_us']:.1f} | {r['tflops']:.1f} | "
              f"{r['cublas_tflops']:.1f} | {r['tflops'] / r['cublas_tflops']:.2f} |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"device": name, "rows": rows}, indent=1))
    return 1 if bad else 0


def timed(fn, reps):
    """Median time of `fn` in microseconds (CUDA events, 3 warm-up runs)."""
    import cupy as cp
    for _ in range(3):
        fn()
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    times = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, stop) * 1e3)
    return sorted(times)[len(times) // 2]


def run_conv(case, root, rng, args):
    """One implicit-GEMM convolution: float64 NumPy reference, our kernel,
    and PyTorch's conv2d (cuDNN, TF32 off) when PyTorch is there."""
    import cupy as cp
    import numpy as np
    c = case["conv"]
    nb, ch, hw, f, ks = c["batch"], c["channels"], c["size"], c["filters"], c["kernel"]
    st, pd, dl, oh = c["stride"], c["pad"], c["dilation"], c["out"]
    x = rng.uniform(-1, 1, (nb, ch, hw, hw)).astype(np.float32)
    w = rng.uniform(-1, 1, (f, ch, ks, ks)).astype(np.float32)
    bias = rng.uniform(-1, 1, (f,)).astype(np.float32)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pd, pd), (pd, pd)))
    ref = np.zeros((nb, f, oh, oh))
    for r in range(ks):
        for q in range(ks):
            patch = xp[:, :, r * dl:r * dl + st * (oh - 1) + 1:st,
                       q * dl:q * dl + st * (oh - 1) + 1:st]
            ref += np.einsum("nchw,fc->nfhw", patch, w[:, :, r, q].astype(np.float64))
    if case["bias"]:
        ref += bias[None, :, None, None]
    kern = cp.RawModule(code=(root / case["ptx"]).read_text()).get_function("gemm")
    dx, dw, db = cp.asarray(x), cp.asarray(w), cp.asarray(bias)
    dy = cp.zeros((nb, f, oh, oh), dtype=cp.float32)
    kargs = (dx, dw, db, dy) if case["bias"] else (dx, dw, dy)
    grid, block = (*case["grid"], 1), (case["block"], 1, 1)

    def ours():
        kern(grid, block, kargs)

    ours()
    cp.cuda.Device().synchronize()
    got = cp.asnumpy(dy)
    err = float(np.max(np.abs(got - ref)) / max(1e-30, np.max(np.abs(ref))))
    row = {**case, "max_rel_err": err,
           "ok": err < 1e-5 * math.sqrt(case["k"]), "us": timed(ours, args.reps)}
    flops = 2.0 * case["m"] * case["n"] * case["k"]
    row["tflops"] = flops / row["us"] / 1e6
    try:
        import torch
        torch.backends.cudnn.allow_tf32 = False
        tx, tw = torch.from_dlpack(dx), torch.from_dlpack(dw)
        tb = torch.from_dlpack(db) if case["bias"] else None

        def vendor():
            torch.nn.functional.conv2d(tx, tw, tb, stride=st, padding=pd,
                                       dilation=dl)
        row["cublas_us"] = timed(vendor, args.reps)  # cuDNN here
        row["cublas_tflops"] = flops / row["cublas_us"] / 1e6
    except ImportError:
        pass
    return row


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
