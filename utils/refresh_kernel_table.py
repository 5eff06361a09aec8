#!/usr/bin/env python3
"""Refreshes the register and shared-memory columns of the model's kernel
table (lib/Analysis/GPUModel.cpp, kConfigs) from `ptxas -v` of the kernels
that implement each configuration.

By default those are the kernels dnn-lower-to-gpu generates: each
configuration's GEMM kernel is built with `dnn-opt --dnn-test-gemm-kernel`
(f32 for the SIMT rows, f16 for the tensor-core row) for the shapes in
SHAPES (a linear layer and a 3x3 convolution), compiled to PTX through the
same NVVM passes as dnn-gpu-pipeline and assembled with `ptxas -v`. A row's
registers are the most any of its shapes takes (ptxas left free, as in a
kernel with a single k-tile or a grouped convolution, which the lowering does
not bound); its shared memory is the kernel's static allocation.
`--source X.cu` reads the benchmark kernels of utils/bench/wave_staircase.cu
(the tilings the model was first fitted to) instead.

    python3 utils/refresh_kernel_table.py            # print table vs ptxas
    python3 utils/refresh_kernel_table.py --check    # exit 1 if they differ
    python3 utils/refresh_kernel_table.py --write    # update GPUModel.cpp
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_RE = re.compile(
    r'\{"(?P<name>[sh]gemm_\w+)",\s*(?P<tm>\d+),\s*(?P<tn>\d+),\s*(?P<tk>\d+),\s*'
    r'(?P<thr>\d+),\s*(?P<regs>\d+),\s*(?P<smem>\d+),\s*(?P<tc>true|false),')


# Representative problems: a 1024^3 linear layer (B as [n, k], bias) and
# ResNet's 56x56x64 3x3 convolution (bias), both multi-k-tile and ungrouped.
SHAPES = ("m=1024 n=1024 k=1024 transpose-b=true bias=true",
          "conv=1,64,56,56,64,3,1,1,1 bias=true")


def generated_resources(table_text, arch, dnn_opt, ptxas):
    """{(tm, tn, tk, threads, tensor_core): (regs, smem)} of the kernels
    dnn-lower-to-gpu builds for each configuration of the table."""
    found = {}
    extract = os.path.join(ROOT, "utils", "extract_ptx.py")
    for m in TABLE_RE.finditer(table_text):
        key = (int(m["tm"]), int(m["tn"]), int(m["tk"]), int(m["thr"]), m["tc"] == "true")
        regs, smem = 0, None
        for shape in SHAPES:
            with tempfile.TemporaryDirectory() as tmp:
                ptx = os.path.join(tmp, "k.ptx")
                built = subprocess.run(
                    [dnn_opt, os.devnull,
                     f"--dnn-test-gemm-kernel={shape} config={m['name']}",
                     "--convert-scf-to-cf", "--convert-nvgpu-to-nvvm",
                     f"--nvvm-attach-target=chip={arch}", "--convert-gpu-to-nvvm",
                     "--reconcile-unrealized-casts", "--gpu-module-to-binary=format=isa"],
                    capture_output=True, text=True)
                if built.returncode != 0:
                    sys.exit(f"refresh_kernel_table: dnn-opt failed for {m['name']} "
                             f"({shape}):\n{built.stderr[-2000:]}")
                subprocess.run([sys.executable, extract, "-", "-o", ptx],
                               input=built.stdout, text=True, check=True)
                out = subprocess.run([ptxas, f"-arch={arch}", "-v", ptx, "-o",
                                      os.path.join(tmp, "k.cubin")],
                                     capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"refresh_kernel_table: ptxas failed:\n{out.stderr}")
            # The GEMM kernel, not the split-K reduction (none here).
            used = re.search(r"Used (\d+) registers.*?(\d+) bytes smem", out.stderr)
            if not used:
                sys.exit(f"refresh_kernel_table: no resources in ptxas output:\n{out.stderr}")
            regs = max(regs, int(used.group(1)))
            smem = int(used.group(2))
        found[key] = (regs, smem)
    return found


def ptxas_resources(source, arch, nvcc):
    """{(tm, tn, tk, threads, tensor_core): (regs, smem)} from ptxas -v."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([nvcc, "-O3", "-std=c++17", f"-arch={arch}", "-Xptxas", "-v",
                              "-cubin", "-o", os.path.join(tmp, "k.cubin"), source],
                             capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"refresh_kernel_table: nvcc failed:\n{out.stderr}")
    found, entry = {}, None
    for line in out.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            entry = m.group(1)
            continue
        m = re.search(r"Used (\d+) registers.*?(\d+) bytes smem", line)
        if not (m and entry):
            continue
        regs, smem = int(m.group(1)), int(m.group(2))
        args = [int(a) for a in re.findall(r"Li(\d+)E", entry)]
        if entry.startswith("_Z11sgemm_tiled") and args[-1] == 0:   # timed, not traced
            bm, bn, bk, threads = args[:4]
            found[(bm, bn, bk, threads, False)] = (regs, smem)
        elif entry.startswith("_Z10hgemm_wmma"):
            bm, bn, bk, wm, wn = args[:5]
            found[(bm, bn, bk, (bm // wm) * (bn // wn) * 32, True)] = (regs, smem)
        entry = None
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=None,
                    help="a .cu file of benchmark kernels (default: the "
                         "kernels dnn-lower-to-gpu generates)")
    ap.add_argument("--dnn-opt", default=shutil.which("dnn-opt") or
                    os.path.join(ROOT, "build", "bin", "dnn-opt"))
    ap.add_argument("--ptxas", default=shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas")
    ap.add_argument("--table", default=os.path.join(ROOT, "lib", "Analysis", "GPUModel.cpp"))
    ap.add_argument("--arch", default="sm_90")
    ap.add_argument("--nvcc", default=shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = ap.parse_args()

    text = open(args.table).read()
    if args.source:
        found = ptxas_resources(args.source, args.arch, args.nvcc)
    else:
        found = generated_resources(text, args.arch, args.dnn_opt, args.ptxas)
    stale = 0

    def update(m):
        nonlocal stale
        key = (int(m["tm"]), int(m["tn"]), int(m["tk"]), int(m["thr"]), m["tc"] == "true")
        have = (int(m["regs"]), int(m["smem"]))
        got = found.get(key)
        status = "missing from ptxas output" if got is None else (
            "ok" if got == have else f"stale: ptxas says {got[0]} regs, {got[1]} B")
        print(f"{m['name']:24s} table {have[0]:3d} regs {have[1]:6d} B  {status}")
        if got is None or got == have:
            if got is None:
                stale += 1
            return m.group(0)
        stale += 1
        if not args.write:
            return m.group(0)
        row, base = m.group(0), m.start()
        (rs, re_), (ss, se) = m.span("regs"), m.span("smem")
        return (row[:rs - base] + str(got[0]) + row[re_ - base:ss - base] + str(got[1])
                + row[se - base:])

    new = TABLE_RE.sub(update, text)
    if args.write and new != text:
        with open(args.table, "w") as f:
            f.write(new)
        print(f"updated {args.table}")
    if args.check and stale:
        sys.exit(f"refresh_kernel_table: {stale} table row(s) disagree with ptxas")


if __name__ == "__main__":
    main()
