#!/usr/bin/env python3
"""Baselines for the RNN-fusion and balanced-sparsity work, measured with the
vendor libraries through PyTorch on a CUDA GPU.

rnn:    one LSTM time step executed four ways, as the fusion levels the
        dnn-fuse-rnn pass targets: (a) BLAS per gate (8 GEMMs + element-wise
        kernels), (b) gates fused into one GEMM over [x, h] plus element-wise
        kernels, (c) input projection hoisted out of the time loop (one GEMM
        for all steps, one recurrent GEMM per step), (d) cuDNN's LSTM.
        DeepBench inference shapes, T = 25 steps, each variant captured as
        one CUDA graph of the whole sequence; reported per step.
sparse: y = W x at batch 1 and 16 for the DeepBench sparse shapes and the
        balanced-sparsity paper's 16384 x 8192 matrix: dense cuBLAS, CSR
        through cuSPARSE at 90% and 95% sparsity, and 2:4 semi-structured
        sparsity (cuSPARSELt) where PyTorch offers it.

    python3 utils/bench/gpu_rnn_sparse_baselines.py --out DIR
Writes DIR/rnn_fusion.csv and DIR/sparse.csv.
"""
import argparse
import csv
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_ground_truth import median_ms  # noqa: E402


def lstm_variants(hidden, batch, steps, dtype):
    dev = "cuda"
    x = torch.randn(steps, batch, hidden, device=dev, dtype=dtype)
    h0 = torch.zeros(batch, hidden, device=dev, dtype=dtype)
    c0 = torch.zeros(batch, hidden, device=dev, dtype=dtype)
    W = torch.randn(4 * hidden, hidden, device=dev, dtype=dtype) * hidden ** -0.5
    U = torch.randn(4 * hidden, hidden, device=dev, dtype=dtype) * hidden ** -0.5
    b = torch.randn(4 * hidden, device=dev, dtype=dtype) * 0.1
    Wg, Ug, bg = W.chunk(4), U.chunk(4), b.chunk(4)
    WU = torch.cat([W, U], dim=1)  # [4H, 2H]

    def cell(gates, c):
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def per_gate():
        h, c = h0, c0
        for t in range(steps):
            pre = [x[t] @ Wg[k].T + h @ Ug[k].T + bg[k] for k in range(4)]
            i, f, g, o = (torch.sigmoid(pre[0]), torch.sigmoid(pre[1]),
                          torch.tanh(pre[2]), torch.sigmoid(pre[3]))
            c = f * c + i * g
            h = o * torch.tanh(c)
        return h

    def gate_fused():
        h, c = h0, c0
        for t in range(steps):
            h, c = cell(torch.addmm(b, torch.cat([x[t], h], dim=1), WU.T), c)
        return h

    def hoisted():
        xw = torch.addmm(b, x.reshape(steps * batch, hidden), W.T).view(steps, batch, -1)
        h, c = h0, c0
        for t in range(steps):
            h, c = cell(torch.addmm(xw[t], h, U.T), c)
        return h

    rnn = torch.nn.LSTM(hidden, hidden).to(dev).to(dtype)

    def cudnn():
        return rnn(x)[0]

    with torch.no_grad():
        ref = gate_fused()
        for name, fn in (("per_gate", per_gate), ("hoisted", hoisted)):
            err = (fn() - ref).float().norm() / ref.float().norm()
            assert err < (2e-2 if dtype == torch.float16 else 1e-4), (name, float(err))
        out = {}
        for name, fn in (("per_gate", per_gate), ("gate_fused", gate_fused),
                         ("hoisted", hoisted), ("cudnn", cudnn)):
            med, mn = median_ms(fn, 1, 15)
            out[name] = (med, mn)
    return out


def sweep_rnn(writer):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    steps = 25
    for hidden in (512, 1024, 2048):
        for batch in (1, 4):
            for dtype in (torch.float16, torch.float32):
                res = lstm_variants(hidden, batch, steps, dtype)
                for name, (med, mn) in res.items():
                    writer.writerow({"hidden": hidden, "batch": batch, "steps": steps,
                                     "dtype": str(dtype).split(".")[1], "variant": name,
                                     "median_us": round(med * 1e3, 2),
                                     "us_per_step": round(med * 1e3 / steps, 3),
                                     "min_us": round(mn * 1e3, 2)})
                print(f"lstm h={hidden} b={batch} {dtype} "
                      + " ".join(f"{k}={v[0]*1e3/steps:.2f}us/step" for k, v in res.items()),
                      flush=True)


def sweep_sparse(writer):
    torch.backends.cuda.matmul.allow_tf32 = False
    shapes = [(7680, 2560), (10752, 3584), (16384, 8192)]
    for rows, cols in shapes:
        for batch in (1, 16):
            x32 = torch.randn(cols, batch, device="cuda")
            dense = torch.randn(rows, cols, device="cuda")
            med, mn = median_ms(lambda: dense @ x32, 20, 15)
            base = med
            writer.writerow({"rows": rows, "cols": cols, "batch": batch, "dtype": "float32",
                             "format": "dense_cublas", "sparsity": 0.0,
                             "median_us": round(med * 1e3, 3), "speedup_vs_dense": 1.0})
            for sparsity in (0.9, 0.95):
                mask = torch.rand(rows, cols, device="cuda") >= sparsity
                csr = (dense * mask).to_sparse_csr()
                med, mn = median_ms(lambda: torch.sparse.mm(csr, x32), 20, 15)
                writer.writerow({"rows": rows, "cols": cols, "batch": batch,
                                 "dtype": "float32", "format": "csr_cusparse",
                                 "sparsity": sparsity, "median_us": round(med * 1e3, 3),
                                 "speedup_vs_dense": round(base / med, 3)})
            # fp16 dense vs 2:4 semi-structured (needs batch >= 8 columns on most builds)
            x16 = torch.randn(batch, cols, device="cuda", dtype=torch.float16)
            d16 = torch.randn(rows, cols, device="cuda", dtype=torch.float16)
            med16, _ = median_ms(lambda: torch.nn.functional.linear(x16, d16), 20, 15)
            writer.writerow({"rows": rows, "cols": cols, "batch": batch, "dtype": "float16",
                             "format": "dense_cublas", "sparsity": 0.0,
                             "median_us": round(med16 * 1e3, 3), "speedup_vs_dense": 1.0})
            try:
                from torch.sparse import to_sparse_semi_structured
                m24 = torch.tensor([1, 1, 0, 0], device="cuda", dtype=torch.float16)
                w24 = d16 * m24.tile(rows, cols // 4)
                s24 = to_sparse_semi_structured(w24)
                xs = torch.randn(max(batch, 16), cols, device="cuda", dtype=torch.float16)
                med, _ = median_ms(lambda: torch.nn.functional.linear(xs, s24), 20, 15)
                writer.writerow({"rows": rows, "cols": cols, "batch": max(batch, 16),
                                 "dtype": "float16", "format": "2:4_semi_structured",
                                 "sparsity": 0.5, "median_us": round(med * 1e3, 3),
                                 "speedup_vs_dense": round(med16 / med, 3) if batch >= 16 else ""})
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"2:4 sparse {rows}x{cols} b={batch}: {type(e).__name__}: {e}", flush=True)
            print(f"sparse {rows}x{cols} b={batch} done", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="rnn,sparse")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device")
    os.makedirs(args.out, exist_ok=True)
    specs = {"rnn": ("rnn_fusion.csv", ["hidden", "batch", "steps", "dtype", "variant",
                                         "median_us", "us_per_step", "min_us"], sweep_rnn),
             "sparse": ("sparse.csv", ["rows", "cols", "batch", "dtype", "format", "sparsity",
                                       "median_us", "speedup_vs_dense"], sweep_sparse)}
    for name in args.only.split(","):
        fname, fields, fn = specs[name]
        with open(os.path.join(args.out, fname), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()

            class Flushing:
                def writerow(self, row):
                    w.writerow(row)
                    f.flush()
            fn(Flushing())


if __name__ == "__main__":
    main()
