#!/usr/bin/env python3
"""Our balanced-sparse kernel on a GPU: correctness and speed against our dense
kernel, cuBLAS and cuSPARSE (CSR).

Two halves, because the machine with the compiler has no GPU and the GPU
machine has no compiler (nor LLVM/MLIR):

  here:   .venv/bin/python utils/bench-gpu/sparse_kernels.py prepare --out DIR
              [--sizes 7680x2560,10752x3584,16384x8192] [--batches 1,4,16]
              [--dtypes f32,f16] [--sparsities 0.5,0.75,0.9,0.95]
              [--bank-size 32] [--index-bits 8] [--jobs N] [--budget-mb 30]
          writes, per (size N x K, batch, dtype), a module with one
          `dnn.linear` (x[batch, K] times a splat weight [N, K] plus a splat
          bias [N]) and compiles it with dnn-compile (target h100, PTX):
          dense_NxK_bB_DT.so, our dense kernel; and, per sparsity S, the
          same module through `dnn-balanced-sparsify="bank-size=32
          sparsity=S decide=always index-bits=8"` (one `dnn.sparse_linear`,
          one kernel): sparse_NxK_bB_DT_sS.so. Also a copy of dnn-bench and
          DIR/cases.json (each case's manifest and which manifest weight is
          the values, the offsets, the bias or the dense weight). No weights
          travel: the 16384 x 8192 f32 weight alone is 512 MiB (dnn-compile
          writes its weights file to /dev/null here). The folder is a few
          MiB; prepare prints its size and fails above --budget-mb.
  there:  python3 utils/bench-gpu/sparse_kernels.py run --dir DIR
              [--runs 50 --warmup 10] [--out results.json] [--markdown results.md]
          (needs NumPy; PyTorch, and CuPy as a CSR fallback, for the
          baselines) makes seeded random weights on the device and writes
          each case's weights file in its manifest's layout: the sparse
          values [N, banks, nnz] (He-uniform over the kept entries), random
          valid in-bank offsets (per bank nnz distinct sorted offsets in [0,
          bank), as the manifest's unsigned i8/i16/i32) and a bias; the dense
          cases get a dense random [N, K] weight. Per (size, batch, dtype,
          sparsity), timed in the same run:
            1. ours, sparse: dnn-bench on sparse_*.so (its runtime events,
               median of --runs after --warmup);
            2. ours, dense: dnn-bench on dense_*.so (once per size, batch and
               dtype, dense random weights);
            3. cuBLAS: torch.nn.functional.linear(x, W, b) on those dense
               weights (CUDA events; TF32 off; f16 with f32 accumulation);
            4. CSR (cuSPARSE): torch.sparse.mm(W_csr, x^T) with the sparse
               case's exact non-zero pattern (int32 indices; no bias, no
               transpose back: a lower bound of the layer), or CuPy's
               csr_matrix @ x^T if PyTorch's fails (--csr picks).
          Checks: our sparse kernel's output (dnn-bench --save-output)
          against y = x W_masked^T + b in float64, W_masked scattered back to
          dense from the same values and offsets (NumPy); our dense kernel's
          against x W^T + b. Tolerances (networks.check_tolerance, one GEMM):
          f32 rtol 1e-3, atol 1e-4 max|y|; f16 rtol 2^-10, atol (2^-10 +
          K 2^-24) max|y|. cuBLAS's and CSR's outputs are checked too, for
          information. Writes the JSON and markdown table: times (us),
          speed-ups of sparse vs our dense, vs cuBLAS and vs CSR, the
          issue's target (vs cuBLAS: >= 1.5x at 75%, >= 3x at 90%), and per
          size, batch and dtype the lowest sparsity at which the sparse
          kernel still beats cuBLAS (our dense, CSR): where it stops paying
          off.
  here:   .venv/bin/python utils/bench-gpu/sparse_kernels.py selfcheck
          checks the run half's weight-file writer, offsets generator and
          NumPy reference on small cases (64 x 100 in banks of 8, the last
          one partial; 40 x 96 in banks of 32; f32 and f16) against the CPU
          path: the weights run writes are read back at the manifest's
          offsets, put into the compiled module as dense constants (the
          verifier checks every bank's offsets) and run with dnn-run; its
          output must match the reference, as must the masked dense module
          (dnn.linear with W_masked) and the dense cases. With the fake CUDA
          driver (build/lib/libdnn_fake_cuda.so) it also feeds each weights
          file to dnn-bench.

`run --fake-driver build/lib/libdnn_fake_cuda.so` runs dnn-bench under the
fake CUDA driver (no kernel runs; events time 0.25 ms) and no baselines:
the run half's dnn-bench path without a GPU (add --no-check: the outputs
stay zero, so the checks fail). With --torch-device cpu as well, the
baselines run in PyTorch on the CPU (f32 only), to test their code.

The full prepare (90 cases: 3 sizes x 3 batches x 2 dtypes x (dense + 4
sparsities)) takes about 7 minutes on 2 cores and writes 11.1 MiB; most of
it is the 16384 x 8192 cases (dnn-opt prints, and dnn-compile parses, the
pass's offsets as a hex constant of up to 64 MiB).

On the device machine (64 MiB travel with the working tree, so keep DIR in
the tree, untracked):

  prepare --out bench-sparse                                          (here)
  python3 utils/bench-gpu/sparse_kernels.py run --dir bench-sparse \\
      --out $OUT/sparse.json --markdown $OUT/sparse.md                (there)

Exit status of `run`: 0 if every check of our kernels passed, 1 if one
failed or dnn-bench could not run a case.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import networks as nw  # noqa: E402  (NumPy-free at import: stdlib only)

DEFAULT_SIZES = "7680x2560,10752x3584,16384x8192"   # N x K (out x in)
DEFAULT_BATCHES = "1,4,16"
DEFAULT_DTYPES = "f32,f16"
DEFAULT_SPARSITIES = "0.5,0.75,0.9,0.95"
DTYPES = ("f32", "f16")
# Value and offset element types as written into the weights file (the
# offsets are unsigned, whatever the manifest's iN says).
VALUE_NP = {"f32": "<f4", "f16": "<f2"}
OFFSET_NP = {"i8": "|u1", "i16": "<u2", "i32": "<u4"}
# The issue's targets for the sparse kernel against cuBLAS dense.
TARGETS = {0.75: 1.5, 0.9: 3.0}
# Small cases of `selfcheck`: (N, K, bank, sparsities, batches, dtypes).
SELFCHECK = [
    (64, 100, 8, [0.75, 0.5], [3], ["f32", "f16"]),
    (40, 96, 32, [0.9], [1, 2], ["f32"]),
]


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*(\d+)x(\d+)\s*", item)
        if not m:
            raise SystemExit(f"sparse_kernels.py: size '{item}' is not NxK")
        out.append((int(m.group(1)), int(m.group(2))))
    return out


def parse_list(text: str, kind=int) -> list:
    return [kind(v) for v in text.split(",") if v.strip()]


def pct(s: float) -> str:
    return f"{s * 100:g}"


def case_name(kind, n, k, batch, dtype, sparsity=None) -> str:
    base = f"{kind}_{n}x{k}_b{batch}_{dtype}"
    return base if sparsity is None else f"{base}_s{pct(sparsity)}"


def case_specs(sizes, batches, dtypes, sparsities) -> list[dict]:
    """Every case, grouped by (size, dtype), then batch: the dense case, then
    the sparse ones."""
    specs = []
    for n, k in sizes:
        for dtype in dtypes:
            if dtype not in DTYPES:
                raise SystemExit(f"sparse_kernels.py: dtype '{dtype}': "
                                 f"expected one of {', '.join(DTYPES)}")
            for b in batches:
                specs.append({"kind": "dense", "n": n, "k": k, "batch": b,
                              "dtype": dtype,
                              "name": case_name("dense", n, k, b, dtype)})
                for s in sparsities:
                    if not 0.0 < s < 1.0:
                        raise SystemExit(f"sparse_kernels.py: sparsity {s} "
                                         f"is not in (0, 1)")
                    specs.append({"kind": "sparse", "n": n, "k": k, "batch": b,
                                  "dtype": dtype, "sparsity": s,
                                  "name": case_name("sparse", n, k, b, dtype, s)})
    return specs


def source_module(n: int, k: int, batch: int, dtype: str, name: str) -> str:
    """One dnn.linear with a splat weight and bias (a tiny module; the run
    half writes real weights into the weights file)."""
    x, w, b, y = (f"tensor<{batch}x{k}x{dtype}>", f"tensor<{n}x{k}x{dtype}>",
                  f"tensor<{n}x{dtype}>", f"tensor<{batch}x{n}x{dtype}>")
    return (
        "module {\n"
        f"  func.func @main(%x: {x}) -> {y} {{\n"
        f'    %w = dnn.constant dense<0.5> : {w} loc("{name}.weight")\n'
        f'    %b = dnn.constant dense<0.0> : {b} loc("{name}.bias")\n'
        f"    %y = dnn.linear %x, %w, %b : ({x}, {w}, {b}) -> {y} "
        f'loc("{name}")\n'
        f"    return %y : {y}\n"
        "  }\n"
        "}\n")


def weight_roles(manifest: dict, kind: str) -> dict[str, str]:
    """role -> manifest weight name. Sparse: `values` (3-D, the value
    type), `offsets` (3-D, i8/i16/i32), `bias` (1-D); dense: `weight`
    (2-D), `bias` (1-D). Raises ValueError if the manifest is not that."""
    roles = {}
    for a in nw.manifest_args(manifest, "weight"):
        rank, dt = len(a["shape"]), a["dtype"]
        if rank == 1:
            role = "bias"
        elif kind == "sparse" and rank == 3:
            role = "offsets" if dt in OFFSET_NP else "values"
        elif kind == "dense" and rank == 2:
            role = "weight"
        else:
            raise ValueError(f"unexpected {kind} weight {a['name']} {dt} "
                             f"{a['shape']}")
        if role in roles:
            raise ValueError(f"two {role} weights: {roles[role]}, {a['name']}")
        roles[role] = a["name"]
    want = {"values", "offsets", "bias"} if kind == "sparse" else {"weight", "bias"}
    if set(roles) != want:
        raise ValueError(f"{kind} model: weights {sorted(roles)}, expected "
                         f"{sorted(want)}")
    return roles


def weight_arg(manifest: dict, name: str) -> dict:
    return next(a for a in nw.manifest_args(manifest, "weight")
                if a["name"] == name)


# ---------------------------------------------------------------------------
# Weights, inputs and references (NumPy only: shared by run and selfcheck)
# ---------------------------------------------------------------------------

def _rng(seed: int, *key):
    import numpy as np
    return np.random.default_rng([seed, *[int(v) for v in key]])


def _dtype_code(dtype: str) -> int:
    return DTYPES.index(dtype)


def random_offsets(rng, rows: int, banks: int, bank: int, nnz: int,
                   np_dtype="|u1", chunk: int = 2048):
    """[rows, banks, nnz] in-bank offsets: per bank nnz distinct offsets in
    [0, bank), sorted (uniformly random subsets)."""
    import numpy as np
    if not 0 < nnz <= bank:
        raise ValueError(f"nnz {nnz} not in [1, {bank}]")
    if bank - 1 > np.iinfo(np.dtype(np_dtype)).max:
        raise ValueError(f"offsets of a bank of {bank} do not fit {np_dtype}")
    out = np.empty((rows, banks, nnz), np.dtype(np_dtype))
    for r0 in range(0, rows, chunk):
        r1 = min(rows, r0 + chunk)
        if nnz == bank:
            out[r0:r1] = np.arange(bank)
            continue
        keys = rng.random((r1 - r0, banks, bank), dtype=np.float32)
        idx = np.argpartition(keys, nnz - 1, axis=-1)[..., :nnz]
        out[r0:r1] = np.sort(idx, axis=-1)
    return out


def check_offsets(offsets, bank: int) -> None:
    """Raises ValueError unless every bank's offsets are strictly increasing
    and in [0, bank)."""
    import numpy as np
    o = np.asarray(offsets).astype(np.int64)
    if o.size and (o.min() < 0 or o.max() >= bank):
        raise ValueError(f"offsets outside [0, {bank})")
    if o.shape[-1] > 1 and not np.all(np.diff(o, axis=-1) > 0):
        raise ValueError("offsets not strictly increasing within a bank")


def make_sparse_weights(manifest: dict, roles: dict, bank: int, seed: int,
                        key=()) -> dict:
    """Seeded weights of a sparse model in its manifest's types: values
    He-uniform over the kept entries of a row (|v| <= sqrt(6 / (banks *
    nnz))), random valid offsets, a small bias. `key` picks the stream."""
    import numpy as np
    va, oa = weight_arg(manifest, roles["values"]), weight_arg(manifest, roles["offsets"])
    ba = weight_arg(manifest, roles["bias"])
    n, banks, nnz = va["shape"]
    if oa["shape"] != va["shape"] or ba["shape"] != [n]:
        raise ValueError(f"inconsistent sparse weights {va['shape']}, "
                         f"{oa['shape']}, {ba['shape']}")
    vt = VALUE_NP[va["dtype"]]
    offsets = random_offsets(_rng(seed, 1, *key), n, banks, bank, nnz,
                             OFFSET_NP[oa["dtype"]])
    scale = math.sqrt(6.0 / (banks * nnz))
    rng = _rng(seed, 2, *key)
    values = (rng.uniform(-scale, scale, (n, banks, nnz))).astype(vt)
    bias = rng.uniform(-0.1, 0.1, (n,)).astype(VALUE_NP[ba["dtype"]])
    return {"values": values, "offsets": offsets, "bias": bias}


def make_dense_weights(manifest: dict, roles: dict, seed: int, key=()) -> dict:
    """Seeded He-uniform weight [N, K] and a small bias, in the manifest's
    types."""
    import numpy as np
    wa, ba = weight_arg(manifest, roles["weight"]), weight_arg(manifest, roles["bias"])
    n, k = wa["shape"]
    rng = _rng(seed, 3, *key)
    scale = math.sqrt(6.0 / k)
    w = np.empty((n, k), VALUE_NP[wa["dtype"]])
    for r0 in range(0, n, 2048):   # no [N, K] float64 temporary
        r1 = min(n, r0 + 2048)
        w[r0:r1] = (rng.random((r1 - r0, k), dtype=np.float32) * 2 - 1) * scale
    bias = rng.uniform(-0.1, 0.1, (n,)).astype(VALUE_NP[ba["dtype"]])
    return {"weight": w, "bias": bias}


def _np_type(a: dict) -> str:
    return OFFSET_NP[a["dtype"]] if a["dtype"] in OFFSET_NP else VALUE_NP[a["dtype"]]


def write_weights_file(path, manifest: dict, roles: dict, arrays: dict) -> int:
    """Writes `arrays` (role -> array) at their manifest offsets into a
    weights file of the manifest's size (zero elsewhere); returns its size."""
    import numpy as np
    size = manifest["weights_bytes"]
    with open(path, "wb") as f:
        f.truncate(size)
        for role, name in roles.items():
            a = weight_arg(manifest, name)
            arr = np.ascontiguousarray(arrays[role], np.dtype(_np_type(a)))
            if list(arr.shape) != a["shape"]:
                raise ValueError(f"{role}: shape {list(arr.shape)}, the "
                                 f"manifest says {a['shape']}")
            if a["offset"] + arr.nbytes > size:
                raise ValueError(f"{role} does not fit the weights file")
            f.seek(a["offset"])
            f.write(memoryview(arr).cast("B"))
    return size


def read_weights_file(path, manifest: dict, roles: dict) -> dict:
    """role -> array, read at the manifest's offsets (the inverse of
    write_weights_file)."""
    import numpy as np
    raw = pathlib.Path(path).read_bytes()
    if len(raw) != manifest["weights_bytes"]:
        raise ValueError(f"{path}: {len(raw)} bytes, the manifest says "
                         f"{manifest['weights_bytes']}")
    out = {}
    for role, name in roles.items():
        a = weight_arg(manifest, name)
        count = math.prod(a["shape"])
        out[role] = np.frombuffer(raw, _np_type(a), count, a["offset"]) \
            .reshape(a["shape"]).copy()
    return out


def make_input(batch: int, k: int, dtype: str, seed: int, key=()):
    """Seeded standard-normal x [batch, K] in the case's dtype."""
    import numpy as np
    x = _rng(seed, 4, batch, k, *key).standard_normal((batch, k), dtype=np.float32)
    return x.astype(VALUE_NP[dtype])


def masked_dense(values, offsets, k: int, bank: int):
    """The dense [N, K] float64 matrix of a balanced-sparse weight: entry j
    of bank b of row n at column b * bank + offsets[n, b, j]; the entries
    past column K - 1 (a partial last bank) are dropped, as the kernel reads
    x there as zero."""
    import numpy as np
    n, banks, nnz = values.shape
    w = np.zeros((n, banks, bank), np.float64)
    np.put_along_axis(w, offsets.astype(np.intp), values.astype(np.float64), axis=2)
    return w.reshape(n, banks * bank)[:, :k]


def csr_arrays(values, offsets, k: int, bank: int):
    """(crow, col, vals) of the CSR matrix with the balanced-sparse weight's
    non-zero pattern (int32 indices; entries past K dropped)."""
    import numpy as np
    n, banks, nnz = values.shape
    cols = (np.arange(banks, dtype=np.int32)[None, :, None] * bank
            + offsets.astype(np.int32)).reshape(n, banks * nnz)
    vals = values.reshape(n, banks * nnz)
    keep = cols < k
    if keep.all():
        crow = np.arange(n + 1, dtype=np.int64) * (banks * nnz)
        col, v = cols.ravel(), vals.ravel()
    else:
        crow = np.concatenate([[0], np.cumsum(keep.sum(axis=1))])
        col, v = cols[keep], vals[keep]
    if crow[-1] >= 2 ** 31:
        raise ValueError("too many non-zeros for int32 CSR indices")
    return crow.astype(np.int32), np.ascontiguousarray(col, np.int32), \
        np.ascontiguousarray(v)


def reference(x, w64, bias):
    """y = x W^T + bias in float64."""
    import numpy as np
    return np.asarray(x, np.float64) @ w64.T + np.asarray(bias, np.float64)


def tolerance(dtype: str, k: int) -> tuple[float, float]:
    """(rtol, atol_scale) of one GEMM layer of reduction length K."""
    return nw.check_tolerance(dtype, k, 1)


def check_output(got, ref, dtype: str, k: int) -> dict:
    import numpy as np
    rtol, atol_scale = tolerance(dtype, k)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    c = nw.compare(got, ref, rtol, max(atol_scale * scale, 1e-30))
    c["atol_scale"] = atol_scale
    if c.get("max_abs") is not None and scale:
        c["max_err_rel_scale"] = c["max_abs"] / scale
    return c


def save_x(path, x) -> None:
    import numpy as np
    np.save(path, np.ascontiguousarray(x))


# ---------------------------------------------------------------------------
# prepare (here)
# ---------------------------------------------------------------------------

def compile_case(spec: dict, tools: dict, tmp: pathlib.Path, out: pathlib.Path,
                 args, keep_mlir: bool = False) -> dict:
    """Writes NAME.so into `out` (and NAME.mlir, the module compiled, if
    keep_mlir); returns the case's entry of cases.json."""
    t0 = time.perf_counter()
    name = spec["name"]
    src = tmp / f"{name}.src.mlir"
    src.write_text(source_module(spec["n"], spec["k"], spec["batch"],
                                 spec["dtype"], name))
    model = src
    if spec["kind"] == "sparse":
        model = tmp / f"{name}.mlir"
        opts = (f"bank-size={args.bank_size} sparsity={spec['sparsity']} "
                f"decide=always index-bits={args.index_bits}")
        nw.run_tool([tools["dnn-opt"], src, f"--dnn-balanced-sparsify={opts}",
                     "-o", model], "dnn-opt --dnn-balanced-sparsify",
                    timeout=3600)
    nw.run_tool([sys.executable, tools["dnn-compile"], model,
                 f"--target={args.target}", "--format=isa",
                 "-o", out / f"{name}.so", "--weights", os.devnull],
                "dnn-compile", timeout=3600)   # weights are made on the device
    if keep_mlir:
        shutil.copy2(model, out / f"{name}.mlir")
    for f in {src, model}:
        f.unlink()
    manifest = nw.read_manifest(out / f"{name}.so")
    roles = weight_roles(manifest, spec["kind"])
    case = {**spec, "so": f"{name}.so", "manifest": manifest, "roles": roles,
            "bank_size": args.bank_size if spec["kind"] == "sparse" else None,
            "compile_s": round(time.perf_counter() - t0, 2)}
    if spec["kind"] == "sparse":
        va = weight_arg(manifest, roles["values"])
        oa = weight_arg(manifest, roles["offsets"])
        n, banks, nnz = va["shape"]
        if n != spec["n"] or banks != -(-spec["k"] // args.bank_size):
            raise ValueError(f"{name}: values {va['shape']} do not fit "
                             f"{spec['n']} x {spec['k']} in banks of "
                             f"{args.bank_size}")
        case.update({"banks": banks, "nnz": nnz, "offset_dtype": oa["dtype"],
                     "kernels": manifest["kernels"]})
        if manifest["kernels"] != 1:
            print(f"sparse_kernels.py: warning: {name}: {manifest['kernels']} "
                  f"kernels, expected one", file=sys.stderr)
    return case


def _tools(build_dir) -> dict:
    build = pathlib.Path(build_dir).resolve()
    tools = {t: build / "bin" / t for t in
             ("dnn-opt", "dnn-compile", "dnn-run", "dnn-bench")}
    for t, path in tools.items():
        if not path.exists():
            raise SystemExit(f"sparse_kernels.py: {path} is missing: build "
                             f"the project first")
    return tools


def prepare(args, keep_mlir: bool = False) -> int:
    tools = _tools(args.build_dir)
    specs = case_specs(parse_sizes(args.sizes), parse_list(args.batches),
                       parse_list(args.dtypes, str), parse_list(args.sparsities, float))
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nw.remove_previous(out)
    t_start = time.perf_counter()
    shutil.copy2(tools["dnn-bench"], out / "dnn-bench")
    jobs = args.jobs or max(1, min(4, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="dnn-sparse-") as tmp_name, \
            concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        tmp = pathlib.Path(tmp_name)
        futures = [pool.submit(compile_case, s, tools, tmp, out, args, keep_mlir)
                   for s in specs]
        cases = []
        for spec, fut in zip(specs, futures):
            try:
                case = fut.result()
            except (RuntimeError, ValueError, OSError) as e:
                for f in futures:
                    f.cancel()
                print(f"sparse_kernels.py: error: {spec['name']}: {e}",
                      file=sys.stderr)
                return 1
            cases.append(case)
            extra = (f", {case['nnz']} of {args.bank_size} per bank, offsets "
                     f"{case['offset_dtype']}") if case["kind"] == "sparse" else ""
            print(f"  compiled {case['name']} ({case['compile_s']:.1f} s{extra})",
                  flush=True)
    spec_out = {"format": 1, "target": args.target, "bank_size": args.bank_size,
                "index_bits": args.index_bits, "dnn_bench": "dnn-bench",
                "created": datetime.datetime.now().isoformat(timespec="seconds"),
                "cases": cases}
    (out / "cases.json").write_text(json.dumps(spec_out, indent=1))
    files = [f for f in out.iterdir() if f.is_file()]
    total = sum(f.stat().st_size for f in files)
    weights = max((c["manifest"]["weights_bytes"] for c in cases), default=0)
    print(f"\nwrote {len(cases)} cases ({sum(c['kind'] == 'sparse' for c in cases)} "
          f"sparse) to {out}: {len(files)} files, {total / 2 ** 20:.1f} MiB "
          f"(budget {args.budget_mb} MiB; weights made on the device, the "
          f"largest weights file {weights / 2 ** 20:.0f} MiB) in "
          f"{time.perf_counter() - t_start:.0f} s with {jobs} jobs")
    if total > args.budget_mb * 2 ** 20:
        print(f"sparse_kernels.py: error: {out} holds {total / 2 ** 20:.1f} "
              f"MiB, over --budget-mb {args.budget_mb}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------
# run (on the GPU machine)
# ---------------------------------------------------------------------------

def _select(cases: list[dict], args) -> list[dict]:
    if args.cases:
        wanted = set(args.cases.split(","))
        unknown = wanted - {c["name"] for c in cases}
        if unknown:
            raise SystemExit(f"sparse_kernels.py: unknown cases {sorted(unknown)}")
        cases = [c for c in cases if c["name"] in wanted]
    if args.sizes:
        sizes = set(parse_sizes(args.sizes))
        cases = [c for c in cases if (c["n"], c["k"]) in sizes]
    if args.batches:
        batches = set(parse_list(args.batches))
        cases = [c for c in cases if c["batch"] in batches]
    if args.dtypes:
        dtypes = set(parse_list(args.dtypes, str))
        cases = [c for c in cases if c["dtype"] in dtypes]
    if args.sparsities:
        sp = [float(s) for s in parse_list(args.sparsities, str)]
        cases = [c for c in cases if c["kind"] == "dense"
                 or any(abs(c["sparsity"] - s) < 1e-9 for s in sp)]
    return cases


def _bench_path(root: pathlib.Path, spec: dict, args, work: pathlib.Path) -> str:
    path = pathlib.Path(args.dnn_bench) if args.dnn_bench else \
        root / spec.get("dnn_bench", "dnn-bench")
    if not os.access(path, os.X_OK):   # carried without its x bit
        copy = work / "dnn-bench"
        shutil.copy(path, copy)
        copy.chmod(0o755)
        path = copy
    return str(path)


def run_bench(bench: str, so, weights, inputs: dict, out_npy, json_path, args,
              env) -> dict:
    """One dnn-bench run: times the model and saves its output."""
    cmd = [bench, str(so), "--weights", str(weights),
           "--warmup", str(args.warmup), "--runs", str(args.runs),
           "--json", str(json_path)]
    for n, p in inputs.items():
        cmd += ["--input", f"{n}={p}"]
    if out_npy:
        name, path = out_npy
        cmd += ["--save-output", f"{name}={path}"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=args.timeout, env=env)
        rc, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        rc, stderr = 124, f"timed out after {args.timeout} s"
    row = {"wall_s": round(time.perf_counter() - t0, 2)}
    try:
        res = json.loads(pathlib.Path(json_path).read_text())
    except (OSError, ValueError):
        res = {"exit_code": rc, "error": stderr.strip()[-2000:] or f"exit {rc}"}
    row.update({"exit_code": res.get("exit_code", rc), "error": res.get("error"),
                "launches": res.get("launches_per_run")})
    if res.get("timing"):
        t = res["timing"]
        row.update({"median_us": t["median_ms"] * 1e3, "min_us": t["min_ms"] * 1e3,
                    "mean_us": t["mean_ms"] * 1e3, "runs": t["runs"],
                    "warmup": t["warmup"]})
    if res.get("device"):
        row["device"] = res["device"].get("name")
    return row


class Baselines:
    """cuBLAS and CSR (cuSPARSE) on the GPU, through PyTorch (CuPy for CSR
    if PyTorch's fails or --csr cupy)."""

    def __init__(self, args):
        import torch
        self.torch, self.args = torch, args
        self.device = torch.device(args.torch_device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("PyTorch sees no CUDA device")
        nw.set_tf32(False)
        nw.set_reduced_precision_reduction(False)
        self.info = {"torch": torch.__version__, "cuda": torch.version.cuda,
                     "torch_device": str(self.device),
                     "settings": "TF32 off; f16 with f32 accumulation "
                                 "(reduced-precision reductions off)"}
        if self.device.type == "cuda":
            self.info["device"] = torch.cuda.get_device_name(self.device)
        else:
            self.info["settings"] += (f"; baselines on {self.device}, not a "
                                      f"GPU: not cuBLAS/cuSPARSE")
            print(f"sparse_kernels.py: warning: the baselines run on "
                  f"{self.device}", file=sys.stderr)
        self.cublas_w = None

    def _tdtype(self, dtype):
        return getattr(self.torch, nw.TORCH_DTYPES[dtype])

    def _timed(self, fn) -> dict:
        t = nw.torch_timed(fn, self.args.warmup, self.args.runs, self.device)
        return {"median_us": t["median_ms"] * 1e3, "min_us": t["min_ms"] * 1e3,
                "mean_us": t["mean_ms"] * 1e3}

    def set_dense(self, w, bias, dtype):
        torch = self.torch
        self.release()
        td = self._tdtype(dtype)
        self.cublas_w = (torch.as_tensor(w).to(self.device, td),
                         torch.as_tensor(bias).to(self.device, td))

    def cublas(self, x, dtype) -> tuple[dict, object]:
        """F.linear(x, W, b): time and output (float64 NumPy)."""
        torch = self.torch
        w, b = self.cublas_w
        xt = torch.as_tensor(x).to(self.device, self._tdtype(dtype))
        with torch.inference_mode():
            y = torch.nn.functional.linear(xt, w, b)
            out = self._timed(lambda: torch.nn.functional.linear(xt, w, b))
        out["backend"] = "torch.nn.functional.linear (" + (
            "cuBLAS" if self.device.type == "cuda" else str(self.device)) + ")"
        return out, y.double().cpu().numpy()

    def csr(self, crow, col, vals, shape, x, dtype) -> tuple[dict, object]:
        """W_csr @ x^T (no bias): time and output as [batch, N] float64."""
        errors = []
        order = {"auto": ("torch", "cupy"), "torch": ("torch",),
                 "cupy": ("cupy",)}[self.args.csr]
        for backend in order:
            try:
                fn = self._csr_torch if backend == "torch" else self._csr_cupy
                return fn(crow, col, vals, shape, x, dtype)
            except Exception as e:  # noqa: BLE001 (try the next backend)
                errors.append(f"{backend}: {type(e).__name__}: {str(e)[:300]}")
        return {"error": "; ".join(errors)}, None

    def _csr_torch(self, crow, col, vals, shape, x, dtype):
        torch = self.torch
        td = self._tdtype(dtype)
        a = torch.sparse_csr_tensor(torch.as_tensor(crow).to(self.device),
                                    torch.as_tensor(col).to(self.device),
                                    torch.as_tensor(vals).to(self.device, td),
                                    size=shape)
        xt = torch.as_tensor(x).to(self.device, td).t().contiguous()
        try:
            with torch.inference_mode():
                y = torch.sparse.mm(a, xt)
                out = self._timed(lambda: torch.sparse.mm(a, xt))
            out["backend"] = "torch.sparse.mm (" + (
                "cuSPARSE SpMM" if self.device.type == "cuda" else
                str(self.device)) + ", int32 CSR)"
            return out, y.t().double().cpu().numpy()
        finally:
            del a, xt
            self._empty_cache()

    def _csr_cupy(self, crow, col, vals, shape, x, dtype):
        import cupy as cp
        import cupyx.scipy.sparse as cps
        a = cps.csr_matrix((cp.asarray(vals), cp.asarray(col), cp.asarray(crow)),
                           shape=shape)
        xt = cp.ascontiguousarray(cp.asarray(x).T)
        y = a @ xt
        cp.cuda.Device().synchronize()
        for _ in range(self.args.warmup):
            a @ xt
        start, stop = cp.cuda.Event(), cp.cuda.Event()
        times = []
        for _ in range(self.args.runs):
            start.record()
            a @ xt
            stop.record()
            stop.synchronize()
            times.append(cp.cuda.get_elapsed_time(start, stop) * 1e3)
        times.sort()
        out = {"median_us": times[len(times) // 2], "min_us": times[0],
               "mean_us": sum(times) / len(times),
               "backend": "cupyx.scipy.sparse.csr_matrix @ (cuSPARSE)"}
        return out, cp.asnumpy(y).T.astype("f8")

    def _empty_cache(self):
        if self.device.type == "cuda":
            self.torch.cuda.empty_cache()

    def release(self):
        self.cublas_w = None
        self._empty_cache()


def _speedup(a, b):
    """b's time / a's time: how many times faster a is than b."""
    ta = (a or {}).get("median_us")
    tb = (b or {}).get("median_us")
    return tb / ta if ta and tb else None


def run(args) -> int:
    root = pathlib.Path(args.dir)
    spec = json.loads((root / "cases.json").read_text())
    cases = _select(spec["cases"], args)
    if args.work:
        work = pathlib.Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        return _run_in(args, root, spec, cases, work)
    with tempfile.TemporaryDirectory(prefix="dnn-sparse-run-") as tmp:
        return _run_in(args, root, spec, cases, pathlib.Path(tmp))


def _run_in(args, root, spec, cases, work: pathlib.Path) -> int:
    import numpy as np
    bench = _bench_path(root, spec, args, work)
    env = dict(os.environ)
    if args.fake_driver:
        env["DNN_CUDA_LIBRARY"] = str(pathlib.Path(args.fake_driver).resolve())
        # No GPU: the baselines only on the CPU, when asked for (to test
        # this script's PyTorch code).
        args.no_torch = args.no_torch or args.torch_device != "cpu"
    check = not args.no_check
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "dir": str(root), "runs": args.runs, "warmup": args.warmup,
              "seed": args.seed, "bank_size": spec["bank_size"],
              "index_bits": spec.get("index_bits"),
              "fake_driver": bool(args.fake_driver), "checked": check}
    base = None
    if not args.no_torch:
        try:
            base = Baselines(args)
            result.update(base.info)
        except Exception as e:  # noqa: BLE001 (time ours only)
            result["baselines_error"] = f"{type(e).__name__}: {e}"
            print(f"sparse_kernels.py: no baselines: {result['baselines_error']}",
                  file=sys.stderr)
    groups: dict = {}
    for c in cases:
        groups.setdefault((c["n"], c["k"], c["dtype"]), []).append(c)
    dense_rows, sparse_rows, bad = [], [], 0
    seed = args.seed
    for (n, k, dtype), group in groups.items():
        print(f"== {n} x {k} {dtype}", flush=True)
        batches = sorted({c["batch"] for c in group})
        xs, xpaths = {}, {}
        for b in batches:
            xs[b] = make_input(b, k, dtype, seed, (n, _dtype_code(dtype)))
            xpaths[b] = work / f"x_{n}x{k}_b{b}_{dtype}.npy"
            save_x(xpaths[b], xs[b])
        # Dense: ours and cuBLAS, on the same dense random weights.
        dense_cases = {c["batch"]: c for c in group if c["kind"] == "dense"}
        dense_by_batch = {}
        if dense_cases or base:
            man = next(iter(dense_cases.values()))["manifest"] if dense_cases else None
            t0 = time.perf_counter()
            if man is None:   # baselines only: the same arrays, no manifest
                man = {"args": [{"index": 1, "kind": "weight", "name": "w",
                                 "dtype": dtype, "shape": [n, k], "offset": 0},
                                {"index": 2, "kind": "weight", "name": "b",
                                 "dtype": dtype, "shape": [n], "offset": 0}],
                       "weights_bytes": 0}
                roles = {"weight": "w", "bias": "b"}
            else:
                roles = next(iter(dense_cases.values()))["roles"]
            dense = make_dense_weights(man, roles, seed, (n, k, _dtype_code(dtype)))
            w64 = dense["weight"].astype(np.float64) if check else None
            gen_s = time.perf_counter() - t0
            if base:
                base.set_dense(dense["weight"], dense["bias"], dtype)
            wfiles = {}
            for b in batches:
                row = {"case": case_name("dense", n, k, b, dtype), "n": n, "k": k,
                       "batch": b, "dtype": dtype}
                ref = reference(xs[b], w64, dense["bias"]) if check else None
                c = dense_cases.get(b)
                if c:
                    sig = json.dumps([c["manifest"]["weights_bytes"],
                                      nw.manifest_args(c["manifest"], "weight")])
                    if sig not in wfiles:
                        wfiles[sig] = work / f"{c['name']}.weights"
                        write_weights_file(wfiles[sig], c["manifest"], c["roles"],
                                           dense)
                    row["ours"], row["check"] = _ours(c, root, work, bench,
                                                      wfiles[sig], xpaths[b], ref,
                                                      args, env, check)
                    bad += _is_bad(row)
                if base:
                    row["cublas"], row["cublas_check"] = _baseline(
                        lambda: base.cublas(xs[b], dtype), ref, dtype, k)
                dense_by_batch[b] = row
                dense_rows.append(row)
                print(f"   {row['case']}: ours {_fmt_us(row.get('ours'))} us, "
                      f"cuBLAS {_fmt_us(row.get('cublas'))} us; check "
                      f"{_check_text(row.get('check'))}", flush=True)
            for f in wfiles.values():
                f.unlink()
            del dense, w64
            if base:
                base.release()
            result.setdefault("weights_s", []).append(
                {"group": f"{n}x{k} {dtype} dense", "s": round(gen_s, 1)})
        # Sparse, one sparsity at a time.
        by_sparsity: dict = {}
        for c in group:
            if c["kind"] == "sparse":
                by_sparsity.setdefault(c["sparsity"], []).append(c)
        for s, scases in sorted(by_sparsity.items()):
            c0 = scases[0]
            bank = c0["bank_size"]
            t0 = time.perf_counter()
            sp = make_sparse_weights(c0["manifest"], c0["roles"], bank, seed,
                                     (n, k, _dtype_code(dtype), c0["nnz"]))
            check_offsets(sp["offsets"], bank)
            w64 = masked_dense(sp["values"], sp["offsets"], k, bank) \
                if check else None
            csr = csr_arrays(sp["values"], sp["offsets"], k, bank) if base else None
            gen_s = time.perf_counter() - t0
            wfiles = {}
            for c in sorted(scases, key=lambda c: c["batch"]):
                b = c["batch"]
                sig = json.dumps([c["manifest"]["weights_bytes"],
                                  nw.manifest_args(c["manifest"], "weight")])
                if sig not in wfiles:
                    wfiles[sig] = work / f"{c['name']}.weights"
                    write_weights_file(wfiles[sig], c["manifest"], c["roles"], sp)
                ref = reference(xs[b], w64, sp["bias"]) if check else None
                row = {"case": c["name"], "n": n, "k": k, "batch": b,
                       "dtype": dtype, "sparsity": s, "bank_size": bank,
                       "nnz": c["nnz"], "offset_dtype": c["offset_dtype"]}
                row["ours"], row["check"] = _ours(c, root, work, bench, wfiles[sig],
                                                  xpaths[b], ref, args, env, check)
                bad += _is_bad(row)
                d = dense_by_batch.get(b, {})
                row["ours_dense"] = d.get("ours")
                row["cublas"] = d.get("cublas")
                if base:
                    def _csr(b=b):
                        out, y = base.csr(*csr, (n, k), xs[b], dtype)
                        return out, (None if y is None else
                                     y + np.asarray(sp["bias"], np.float64))
                    row["csr"], row["csr_check"] = _baseline(_csr, ref, dtype, k)
                row["speedup"] = {
                    "vs_dense": _speedup(row["ours"], row["ours_dense"]),
                    "vs_cublas": _speedup(row["ours"], row["cublas"]),
                    "vs_csr": _speedup(row["ours"], row.get("csr"))}
                row["target"] = target_of(row)
                sparse_rows.append(row)
                sx = row["speedup"]
                print(f"   {row['case']}: ours {_fmt_us(row['ours'])} us "
                      f"({_fmt(sx['vs_dense'], '.2f')}x our dense, "
                      f"{_fmt(sx['vs_cublas'], '.2f')}x cuBLAS, "
                      f"{_fmt(sx['vs_csr'], '.2f')}x CSR); check "
                      f"{_check_text(row['check'])}", flush=True)
            for f in wfiles.values():
                f.unlink()
            result.setdefault("weights_s", []).append(
                {"group": f"{n}x{k} {dtype} {pct(s)}%", "s": round(gen_s, 1)})
            del sp, w64, csr
        for p in xpaths.values():
            p.unlink()
        # What is done so far, in case a later group does not finish.
        _write_results(result, dense_rows, sparse_rows, args, final=False)
    text = _write_results(result, dense_rows, sparse_rows, args, final=True)
    print()
    print(text)
    return 1 if bad else 0


def _write_results(result, dense_rows, sparse_rows, args, final: bool) -> str:
    devs = [r["ours"].get("device") for r in dense_rows + sparse_rows
            if r.get("ours") and r["ours"].get("device")]
    if not result.get("device"):
        result["device"] = devs[0] if devs else None
    result["dense"], result["sparse"] = dense_rows, sparse_rows
    result["payoff"] = payoff(sparse_rows)
    result["complete"] = final
    text = markdown(result)
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps(result, indent=1))
    if args.markdown:
        pathlib.Path(args.markdown).write_text(text)
    return text


def _ours(case, root, work, bench, wfile, xpath, ref, args, env, check):
    """dnn-bench on one case; (timing row, check)."""
    try:
        return _ours_unguarded(case, root, work, bench, wfile, xpath, ref, args,
                               env, check)
    except Exception as e:  # noqa: BLE001 (one case must not stop the rest)
        error = f"{type(e).__name__}: {str(e)[:300]}"
        return {"error": error}, {"pass": False, "error": error}


def _ours_unguarded(case, root, work, bench, wfile, xpath, ref, args, env,
                    check):
    import numpy as np
    man = case["manifest"]
    (inp,) = nw.manifest_args(man, "input")
    (outp,) = nw.manifest_args(man, "output")
    ypath = work / f"{case['name']}.y.npy"
    row = run_bench(bench, root / case["so"], wfile, {inp["name"]: xpath},
                    (outp["name"], ypath) if check else None,
                    work / f"{case['name']}.bench.json", args, env)
    if row.get("error"):
        return row, {"pass": False, "error": row["error"].splitlines()[-1][:300]}
    if not check:
        return row, {"pass": None, "skipped": True}
    got = np.load(ypath).astype(np.float64)
    ypath.unlink()
    return row, check_output(got, ref, case["dtype"], case["k"])


def _baseline(fn, ref, dtype, k):
    try:
        timing, y = fn()
    except Exception as e:  # noqa: BLE001 (report, go on)
        return {"error": f"{type(e).__name__}: {str(e)[:300]}"}, None
    if y is None or ref is None:
        return timing, None
    return timing, check_output(y, ref, dtype, k)


def _is_bad(row) -> int:
    c = row.get("check") or {}
    return int(c.get("pass") is False or bool((row.get("ours") or {}).get("error")))


def target_of(row) -> dict | None:
    """The issue's target at this sparsity (vs cuBLAS), if it has one."""
    for s, x in TARGETS.items():
        if abs(row["sparsity"] - s) < 1e-9:
            v = row["speedup"]["vs_cublas"]
            return {"vs": "cublas", "speedup": x,
                    "met": None if v is None else v >= x}
    return None


def payoff(rows) -> list[dict]:
    """Per (size, batch, dtype): the lowest sparsity at which the sparse
    kernel beats each baseline (None: at none measured), and whether it
    beats it at every higher sparsity measured too."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["n"], r["k"], r["batch"], r["dtype"]), []).append(r)
    out = []
    for (n, k, b, dtype), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["sparsity"])
        entry = {"n": n, "k": k, "batch": b, "dtype": dtype,
                 "sparsities": [r["sparsity"] for r in rs]}
        for key in ("vs_cublas", "vs_dense", "vs_csr"):
            sx = [(r["sparsity"], r["speedup"][key]) for r in rs]
            measured = [(s, v) for s, v in sx if v is not None]
            wins = [s for s, v in measured if v > 1.0]
            lowest = min(wins) if wins else None
            entry[key] = {
                "measured": len(measured), "lowest_winning_sparsity": lowest,
                "monotone": None if lowest is None else
                all(v > 1.0 for s, v in measured if s >= lowest)}
        out.append(entry)
    return out


def _fmt(x, spec=".1f"):
    return "-" if x is None else format(x, spec)


def _fmt_us(t, spec=".1f"):
    return _fmt((t or {}).get("median_us"), spec)


def _check_text(c) -> str:
    if not c:
        return "-"
    if c.get("error"):
        return f"error: {c['error']}"
    if c.get("skipped"):
        return "not checked"
    word = "ok" if c["pass"] else f"FAIL ({c.get('mismatches')} mismatches)"
    return f"{word}, err {_fmt(c.get('max_err_rel_scale'), '.1e')}"


def _payoff_text(v: dict, baseline: str) -> str:
    if v["measured"] == 0:
        return "-"
    s = v["lowest_winning_sparsity"]
    if s is None:
        return "never"
    return f"{pct(s)}%" + ("" if v["monotone"] else " (not at every higher one)")


def markdown(result: dict) -> str:
    lines = [f"# Balanced-sparse kernel vs dense and CSR ({result['date']})", ""]
    if result.get("complete") is False:
        lines += ["(partial: the run has not finished)", ""]
    lines += [f"- device: {result.get('device')}"
              + (" (fake CUDA driver: no kernel ran, times are the fake's)"
                 if result.get("fake_driver") else ""),
              f"- PyTorch {result.get('torch', '-')}, CUDA {result.get('cuda', '-')}; "
              f"{result.get('settings', 'no baselines')}"
              + (f" ({result['baselines_error']})" if result.get("baselines_error")
                 else ""),
              f"- banks of {result['bank_size']}, offsets i{result.get('index_bits')}; "
              f"median of {result['runs']} runs after {result['warmup']} warm-up, "
              f"microseconds; ours: dnn-bench (runtime events around one "
              f"dnn_model_run); cuBLAS: F.linear(x, W, b); CSR: W_csr @ x^T "
              f"without the bias (CUDA events)",
              "- speed-up = baseline time / sparse time (above 1: the sparse "
              "kernel is faster); target: the issue's, vs cuBLAS (>= 1.5x at "
              "75%, >= 3x at 90%)",
              "- check: our output against x W_masked^T + b in float64 (f32: "
              "rtol 1e-3, atol 1e-4 max|y|; f16: rtol 2^-10, atol (2^-10 + K "
              "2^-24) max|y|); err: max|ours - y| / max|y|", ""]
    head = ["N x K", "batch", "dtype", "sparsity", "nnz/bank", "sparse us",
            "our dense us", "cuBLAS us", "CSR us", "vs our dense", "vs cuBLAS",
            "vs CSR", "target", "check"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result["sparse"]:
        sx, t = r["speedup"], r.get("target")
        target = "-" if not t else (f">= {t['speedup']:g}x: " + (
            "-" if t["met"] is None else "yes" if t["met"] else "NO"))
        csr = r.get("csr") or {}
        cells = [f"{r['n']} x {r['k']}", r["batch"], r["dtype"],
                 f"{pct(r['sparsity'])}%", f"{r['nnz']}/{r['bank_size']}",
                 _fmt_us(r["ours"]), _fmt_us(r.get("ours_dense")),
                 _fmt_us(r.get("cublas")),
                 _fmt_us(csr) if not csr.get("error") else "error",
                 _fmt(sx["vs_dense"], ".2f"), _fmt(sx["vs_cublas"], ".2f"),
                 _fmt(sx["vs_csr"], ".2f"), target, _check_text(r["check"])]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells)
                     + " |")
    lines += ["", "Where the sparse kernel stops paying off: the lowest "
              "sparsity measured at which it is faster than each baseline.", "",
              "| N x K | batch | dtype | beats cuBLAS from | beats our dense "
              "from | beats CSR from |", "|---|---|---|---|---|---|"]
    for p in result["payoff"]:
        lines.append(f"| {p['n']} x {p['k']} | {p['batch']} | {p['dtype']} | "
                     f"{_payoff_text(p['vs_cublas'], 'cuBLAS')} | "
                     f"{_payoff_text(p['vs_dense'], 'dense')} | "
                     f"{_payoff_text(p['vs_csr'], 'CSR')} |")
    lines += ["", "Dense (our kernel against cuBLAS, same weights):", "",
              "| N x K | batch | dtype | ours us | cuBLAS us | ours / cuBLAS | "
              "check | cuBLAS check |", "|---|---|---|---|---|---|---|---|"]
    for r in result["dense"]:
        o, cb = (r.get("ours") or {}).get("median_us"), \
            (r.get("cublas") or {}).get("median_us")
        lines.append(f"| {r['n']} x {r['k']} | {r['batch']} | {r['dtype']} | "
                     f"{_fmt(o)} | {_fmt(cb)} | "
                     f"{_fmt(o / cb if o and cb else None, '.2f')} | "
                     f"{_check_text(r.get('check'))} | "
                     f"{_check_text(r.get('cublas_check'))} |")
    lines.append("")
    for what, key, rows in (("cuBLAS", "cublas", result["dense"]),
                            ("CSR", "csr", result["sparse"])):
        errors = {}
        for r in rows:
            e = (r.get(key) or {}).get("error")
            if e:
                errors.setdefault(e, []).append(r["case"])
        for e, names in sorted(errors.items()):
            lines.append(f"- {what} error ({len(names)} cases, e.g. "
                         f"{names[0]}): {e}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# selfcheck (here): the run half's weights and reference against the CPU path
# ---------------------------------------------------------------------------

_CONSTANT = re.compile(r"(dnn\.constant\s+)dense<[^>]*>(\s*:\s*tensor<([0-9x]+)x(\w+)>)")
MLIR_NP = {"f32": "<f4", "f16": "<f2", "i8": "|u1", "i16": "<u2", "i32": "<u4"}


def with_constants(text: str, arrays: list) -> str:
    """The module `text` with its dnn.constant values replaced by `arrays`
    (each matched by shape and element type, used exactly once) as hex
    dense constants."""
    import numpy as np
    used = [False] * len(arrays)

    def sub(m):
        shape = [int(d) for d in m.group(3).split("x")]
        et = m.group(4)
        for i, (arr, at) in enumerate(arrays):
            if not used[i] and list(arr.shape) == shape and at == et:
                used[i] = True
                data = np.ascontiguousarray(arr, np.dtype(MLIR_NP[et])).tobytes()
                return f'{m.group(1)}dense<"0x{data.hex().upper()}">{m.group(2)}'
        raise ValueError(f"no array for constant tensor<{m.group(3)}x{et}>")

    out = _CONSTANT.sub(sub, text)
    if not all(used):
        raise ValueError("not every array found its constant")
    return out


def selfcheck(args) -> int:
    import numpy as np
    tools = _tools(args.build_dir)
    fake = args.fake_driver
    if fake is None:
        guess = pathlib.Path(args.build_dir).resolve() / "lib" / "libdnn_fake_cuda.so"
        fake = str(guess) if guess.exists() else ""
    keep = pathlib.Path(args.keep) if args.keep else None
    bad, lines = 0, []
    with tempfile.TemporaryDirectory(prefix="dnn-sparse-check-") as tmp_name:
        tmp = keep or pathlib.Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        for i, (n, k, bank, sps, batches, dtypes) in enumerate(SELFCHECK):
            out = tmp / f"prep{i}"
            pargs = argparse.Namespace(
                build_dir=args.build_dir, out=str(out), sizes=f"{n}x{k}",
                batches=",".join(map(str, batches)), dtypes=",".join(dtypes),
                sparsities=",".join(map(str, sps)), bank_size=bank, index_bits=8,
                target="h100", jobs=args.jobs, budget_mb=64.0)
            with open(os.devnull, "w") as quiet:
                saved, sys.stdout = sys.stdout, quiet
                try:
                    rc = prepare(pargs, keep_mlir=True)
                finally:
                    sys.stdout = saved
            if rc:
                print(f"selfcheck: prepare of {n}x{k} failed", file=sys.stderr)
                return 1
            spec = json.loads((out / "cases.json").read_text())
            for c in spec["cases"]:
                ok, text = _selfcheck_case(c, out, tools, fake, args.seed)
                bad += not ok
                lines.append(text)
                print(text, flush=True)
    print(f"\nselfcheck: {len(lines) - bad} of {len(lines)} cases match "
          f"the CPU path" + ("" if fake else " (no fake CUDA driver: dnn-bench "
                                              "not run)"))
    return 1 if bad else 0


def _selfcheck_case(c: dict, out: pathlib.Path, tools: dict, fake: str,
                    seed: int) -> tuple[bool, str]:
    """One case: the run half's weights file, read back at the manifest's
    offsets, put into the compiled module, run by dnn-run; its output
    against the run half's reference."""
    import numpy as np
    n, k, b, dtype = c["n"], c["k"], c["batch"], c["dtype"]
    man, roles = c["manifest"], c["roles"]
    key = (n, k, _dtype_code(dtype))
    if c["kind"] == "sparse":
        bank = c["bank_size"]
        arrays = make_sparse_weights(man, roles, bank, seed, key + (c["nnz"],))
        check_offsets(arrays["offsets"], bank)
        w64 = masked_dense(arrays["values"], arrays["offsets"], k, bank)
    else:
        arrays = make_dense_weights(man, roles, seed, key)
        w64 = arrays["weight"].astype(np.float64)
    wfile = out / f"{c['name']}.weights"
    write_weights_file(wfile, man, roles, arrays)
    back = read_weights_file(wfile, man, roles)
    same = all(np.array_equal(back[r], arrays[r]) and back[r].dtype == arrays[r].dtype
               for r in roles)
    x = make_input(b, k, dtype, seed, (n, _dtype_code(dtype)))
    xpath = out / f"{c['name']}.x.npy"
    save_x(xpath, x)
    ref = reference(x, w64, arrays["bias"])
    text = (out / f"{c['name']}.mlir").read_text()
    consts = [(back[r], weight_arg(man, roles[r])["dtype"]) for r in roles]
    modules = {"module": with_constants(text, consts)}
    if c["kind"] == "sparse":
        # The masked dense layer: dnn.linear with W_masked (same values).
        src = source_module(n, k, b, dtype, c["name"])
        wm = w64.astype(VALUE_NP[dtype])
        modules["masked"] = with_constants(src, [(wm, dtype),
                                                 (back["bias"], dtype)])
    results, ok = [], same
    for what, mod in modules.items():
        mpath = out / f"{c['name']}.{what}.mlir"
        mpath.write_text(mod)
        rdir = out / f"{c['name']}.{what}.out"
        proc = subprocess.run([tools["dnn-run"], mpath, f"--input={xpath}",
                               f"--output-dir={rdir}"], capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0:
            results.append(f"{what}: dnn-run failed: "
                           f"{proc.stderr.strip().splitlines()[-1:]}")
            ok = False
            continue
        got = np.load(rdir / "out0.npy").astype(np.float64)
        chk = check_output(got, ref, dtype, k)
        ok &= chk["pass"]
        results.append(f"{what} {_check_text(chk)}")
    if fake:
        (inp,) = nw.manifest_args(man, "input")
        log = out / f"{c['name']}.fake.log"
        env = dict(os.environ, DNN_CUDA_LIBRARY=fake, DNN_FAKE_CUDA_LOG=str(log))
        proc = subprocess.run([tools["dnn-bench"], out / c["so"], "--weights",
                               wfile, "--input", f"{inp['name']}={xpath}",
                               "--check-only"], capture_output=True, text=True,
                              env=env, timeout=600)
        logged = log.read_text() if log.exists() else ""
        htod = f"htod {man['weights_bytes']}" in logged.splitlines()
        launches = sum(line.startswith("launch ") for line in logged.splitlines())
        fine = proc.returncode == 0 and htod and launches == man["kernels"]
        ok &= fine
        results.append("dnn-bench (fake driver) " + (
            "took the weights file" if fine else
            f"FAILED (exit {proc.returncode}, weights upload logged: {htod}, "
            f"{launches} launches): {proc.stderr.strip()[-300:]}"))
    word = "ok  " if ok else "FAIL"
    extra = f", {c['nnz']}/{c['bank_size']} per bank" if c["kind"] == "sparse" else ""
    return ok, (f"{word} {c['name']}{extra}: weights file "
                f"{'round-trips' if same else 'DIFFERS'}; " + "; ".join(results))


# ---------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    build_default = os.environ.get("DNN_BUILD_DIR", str(ROOT / "build"))
    p = sub.add_parser("prepare", help="compile the cases (here)")
    p.add_argument("--out", required=True)
    p.add_argument("--sizes", default=DEFAULT_SIZES,
                   help=f"N x K (out x in), comma-separated (default {DEFAULT_SIZES})")
    p.add_argument("--batches", default=DEFAULT_BATCHES)
    p.add_argument("--dtypes", default=DEFAULT_DTYPES)
    p.add_argument("--sparsities", default=DEFAULT_SPARSITIES)
    p.add_argument("--bank-size", type=int, default=32)
    p.add_argument("--index-bits", type=int, default=8)
    p.add_argument("--target", default="h100")
    p.add_argument("--jobs", type=int, default=0,
                   help="parallel compilations (default: CPUs, at most 4)")
    p.add_argument("--budget-mb", type=float, default=30.0,
                   help="most MiB the folder may hold (default 30)")
    p.add_argument("--keep-mlir", action="store_true",
                   help="also write each case's compiled module (NAME.mlir; "
                        "large)")
    p.add_argument("--build-dir", default=build_default)
    r = sub.add_parser("run", help="run, check and time the cases (GPU machine)")
    r.add_argument("--dir", required=True)
    r.add_argument("--runs", type=int, default=50)
    r.add_argument("--warmup", type=int, default=10)
    r.add_argument("--out", help="JSON result file")
    r.add_argument("--markdown", help="markdown table file")
    r.add_argument("--cases", help="only these cases (comma-separated names)")
    r.add_argument("--sizes", help="only these sizes (NxK, comma-separated)")
    r.add_argument("--batches", help="only these batches")
    r.add_argument("--dtypes", help="only these dtypes")
    r.add_argument("--sparsities", help="only these sparsities")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--work", help="folder for the weights files, inputs and "
                                  "outputs (default: a new temporary one)")
    r.add_argument("--dnn-bench", help="dnn-bench to use (default DIR/dnn-bench)")
    r.add_argument("--csr", choices=["auto", "torch", "cupy"], default="auto",
                   help="CSR baseline: PyTorch, CuPy, or PyTorch then CuPy")
    r.add_argument("--torch-device", default="cuda",
                   help="where the PyTorch baselines run (default cuda; cpu "
                        "only to test this script)")
    r.add_argument("--no-torch", action="store_true",
                   help="time ours only (no cuBLAS/CSR baselines)")
    r.add_argument("--no-check", action="store_true",
                   help="time only (no output check)")
    r.add_argument("--fake-driver", metavar="LIB",
                   help="run dnn-bench with DNN_CUDA_LIBRARY=LIB (the fake "
                        "CUDA driver); implies --no-torch unless "
                        "--torch-device cpu")
    r.add_argument("--timeout", type=int, default=900,
                   help="seconds for one dnn-bench run")
    s = sub.add_parser("selfcheck", help="the run half's weights and reference "
                                         "against the CPU path (here)")
    s.add_argument("--build-dir", default=build_default)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--jobs", type=int, default=0)
    s.add_argument("--keep", help="keep the files in this folder")
    s.add_argument("--fake-driver", metavar="LIB", default=None,
                   help="fake CUDA driver for the dnn-bench check (default: "
                        "BUILD/lib/libdnn_fake_cuda.so if built; '' skips it)")
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        return prepare(args, keep_mlir=args.keep_mlir)
    return {"run": run, "selfcheck": selfcheck}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
