"""The here-half of utils/bench-gpu/sparse_kernels.py and the parts of its
there-half that need no GPU.

`prepare` compiles a small case set (64 x 100 in banks of 8, the last bank
partial; batches 1 and 3; f32 and f16; 50% and 75%): the tests check the
folder (files, manifests, the weights' roles, nnz per bank, the size
budget), the NumPy parts of the run half (offsets generator, weights-file
writer and reader, masked dense matrix and CSR arrays against brute force,
the pay-off summary and the table on made-up rows), `selfcheck` (the run
half's weights file and reference against dnn-run on the CPU path; a wrong
reference must be caught), and the run half's dnn-bench path under the fake
CUDA driver (kernels never run: timing only, or the checks must fail).
No PyTorch, CuPy or GPU is needed: the run half imports them only for the
baselines.

Skipped when dnn-compile cannot link a model (no CUDA runtime archive, no C++
compiler).
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, compile_ready, find_torch_python, load_script

SCRIPT = ROOT / "utils" / "bench-gpu" / "sparse_kernels.py"


sk = load_script(SCRIPT, "bench_sparse_kernels")

PREP = ["--sizes", "64x100", "--batches", "1,3", "--dtypes", "f32,f16",
        "--sparsities", "0.5,0.75", "--bank-size", "8"]


@pytest.fixture(scope="module")
def prepared(build_dir, tmp_path_factory):
    reason = compile_ready(build_dir)
    if reason:
        pytest.skip(f"dnn-compile cannot run: {reason}")
    out = tmp_path_factory.mktemp("sparse")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "prepare", "--out", str(out),
         "--build-dir", str(build_dir), "--keep-mlir", *PREP],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout)
    return out, json.loads((out / "cases.json").read_text()), proc.stdout


# ---------------------------------------------------------------------------
# NumPy parts of the run half
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bank,nnz,dtype", [(32, 16, "|u1"), (32, 3, "|u1"),
                                            (8, 8, "|u1"), (300, 5, "<u2")])
def test_random_offsets_are_valid_and_random(bank, nnz, dtype):
    o = sk.random_offsets(np.random.default_rng(1), 50, 7, bank, nnz, dtype,
                          chunk=16)
    assert o.shape == (50, 7, nnz) and o.dtype == np.dtype(dtype)
    sk.check_offsets(o, bank)
    if nnz < bank:
        # Not the same subset everywhere, and every offset is used.
        assert len({tuple(r) for r in o.reshape(-1, nnz)}) > 1
        assert set(np.unique(o)) == set(range(bank)) or bank > 50


def test_random_offsets_reject_narrow_types():
    with pytest.raises(ValueError):
        sk.random_offsets(np.random.default_rng(0), 2, 2, 300, 4, "|u1")


@pytest.mark.parametrize("bad", [[[1, 1]], [[2, 1]], [[0, 8]]])
def test_check_offsets_rejects_invalid_banks(bad):
    with pytest.raises(ValueError):
        sk.check_offsets(np.array([bad]), 8)


def _manifest():
    return {"weights_bytes": 1024 + 40 * 3, "args": [
        {"index": 0, "kind": "input", "name": "arg0", "dtype": "f16", "shape": [2, 20]},
        {"index": 1, "kind": "weight", "name": "w0", "dtype": "f16", "shape": [5],
         "offset": 0},
        {"index": 2, "kind": "weight", "name": "w1", "dtype": "f16",
         "shape": [5, 3, 2], "offset": 256},
        {"index": 3, "kind": "weight", "name": "w2", "dtype": "i16",
         "shape": [5, 3, 2], "offset": 1024},
        {"index": 4, "kind": "output", "name": "result0", "dtype": "f16",
         "shape": [2, 5]}]}


def test_roles_weights_file_round_trip(tmp_path):
    man = _manifest()
    roles = sk.weight_roles(man, "sparse")
    assert roles == {"bias": "w0", "values": "w1", "offsets": "w2"}
    w = sk.make_sparse_weights(man, roles, 8, seed=3)
    assert w["values"].dtype == np.float16 and w["offsets"].dtype == np.uint16
    assert w["bias"].shape == (5,)
    path = tmp_path / "w.weights"
    assert sk.write_weights_file(path, man, roles, w) == man["weights_bytes"]
    raw = path.read_bytes()
    assert len(raw) == man["weights_bytes"]
    assert raw[1024:1024 + 60] == w["offsets"].astype("<u2").tobytes()
    assert raw[256:256 + 60] == w["values"].astype("<f2").tobytes()
    assert raw[10:256] == bytes(246)   # zero between the weights
    back = sk.read_weights_file(path, man, roles)
    for r in roles:
        np.testing.assert_array_equal(back[r], w[r])
    # Deterministic by seed and key.
    again = sk.make_sparse_weights(man, roles, 8, seed=3)
    np.testing.assert_array_equal(again["offsets"], w["offsets"])
    other = sk.make_sparse_weights(man, roles, 8, seed=3, key=(1,))
    assert not np.array_equal(other["values"], w["values"])


def test_roles_reject_unexpected_manifests():
    man = _manifest()
    with pytest.raises(ValueError):
        sk.weight_roles(man, "dense")
    man["args"].pop(3)
    with pytest.raises(ValueError):
        sk.weight_roles(man, "sparse")


def test_masked_dense_and_csr_match_brute_force():
    rng = np.random.default_rng(0)
    n, k, bank, nnz = 6, 21, 8, 3           # 3 banks, the last one partial
    banks = -(-k // bank)
    off = sk.random_offsets(rng, n, banks, bank, nnz)
    vals = rng.standard_normal((n, banks, nnz)).astype(np.float32)
    w = sk.masked_dense(vals, off, k, bank)
    brute = np.zeros((n, k))
    for r in range(n):
        for b in range(banks):
            for j in range(nnz):
                c = b * bank + int(off[r, b, j])
                if c < k:
                    brute[r, c] = vals[r, b, j]
    np.testing.assert_array_equal(w, brute)
    crow, col, v = sk.csr_arrays(vals, off, k, bank)
    assert crow.dtype == col.dtype == np.int32
    dense = np.zeros((n, k))
    for r in range(n):
        assert np.all(np.diff(col[crow[r]:crow[r + 1]]) > 0)
        dense[r, col[crow[r]:crow[r + 1]]] = v[crow[r]:crow[r + 1]]
    np.testing.assert_array_equal(dense, brute)
    x = rng.standard_normal((2, k)).astype(np.float32)
    bias = rng.standard_normal(n)
    y = sk.reference(x, w, bias)
    want = [[bias[r] + sum(float(x[m, b * bank + o]) * float(vals[r, b, j])
                           for b in range(banks) for j, o in enumerate(off[r, b])
                           if b * bank + o < k) for r in range(n)] for m in range(2)]
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


def test_check_output_tolerances():
    ref = np.linspace(-2, 2, 40).reshape(2, 20)
    assert sk.check_output(ref * (1 + 5e-4), ref, "f32", 100)["pass"]
    assert not sk.check_output(ref * (1 + 5e-3), ref, "f32", 100)["pass"]
    assert sk.check_output(ref.astype(np.float16).astype(np.float64), ref,
                           "f16", 100)["pass"]
    assert not sk.check_output(np.zeros_like(ref), ref, "f16", 100)["pass"]


def _row(n, b, s, sparse_us, dense_us, cublas_us, csr_us):
    t = lambda v: None if v is None else {"median_us": v}  # noqa: E731
    r = {"case": f"x{n}{b}{s}", "n": n, "k": 64, "batch": b, "dtype": "f32",
         "sparsity": s, "nnz": 8, "bank_size": 32, "ours": t(sparse_us),
         "ours_dense": t(dense_us), "cublas": t(cublas_us), "csr": t(csr_us),
         "check": {"pass": True, "max_err_rel_scale": 1e-7}}
    r["speedup"] = {"vs_dense": sk._speedup(r["ours"], r["ours_dense"]),
                    "vs_cublas": sk._speedup(r["ours"], r["cublas"]),
                    "vs_csr": sk._speedup(r["ours"], r.get("csr"))}
    r["target"] = sk.target_of(r)
    return r


def test_payoff_and_markdown_on_made_up_rows():
    rows = [_row(128, 1, 0.5, 30.0, 20.0, 25.0, 40.0),
            _row(128, 1, 0.75, 20.0, 20.0, 25.0, 30.0),
            _row(128, 1, 0.9, 8.0, 20.0, 25.0, 10.0),
            _row(128, 16, 0.5, 90.0, 20.0, 25.0, None),
            _row(128, 16, 0.9, 30.0, 20.0, 25.0, None),
            _row(128, 4, 0.5, 10.0, 20.0, 25.0, 40.0),
            _row(128, 4, 0.75, 30.0, 20.0, 25.0, 40.0)]
    assert rows[1]["speedup"]["vs_cublas"] == pytest.approx(1.25)
    assert rows[1]["target"] == {"vs": "cublas", "speedup": 1.5, "met": False}
    assert rows[2]["target"]["met"] is True   # 25 / 8 >= 3
    assert rows[0]["target"] is None
    p = {(e["batch"]): e for e in sk.payoff(rows)}
    assert p[1]["vs_cublas"]["lowest_winning_sparsity"] == 0.75
    assert p[1]["vs_cublas"]["monotone"] is True
    assert p[1]["vs_dense"]["lowest_winning_sparsity"] == 0.9
    assert p[1]["vs_csr"]["lowest_winning_sparsity"] == 0.5
    assert p[16]["vs_cublas"]["lowest_winning_sparsity"] is None
    assert p[16]["vs_csr"]["measured"] == 0
    assert p[4]["vs_cublas"] == {"measured": 2, "lowest_winning_sparsity": 0.5,
                                 "monotone": False}
    text = sk.markdown({"date": "today", "device": "X", "runs": 5, "warmup": 1,
                        "bank_size": 32, "index_bits": 8, "sparse": rows,
                        "dense": [], "payoff": sk.payoff(rows)})
    assert "| 128 x 64 | 1 | f32 | 75% | 8/32 | 20.0 | 20.0 | 25.0 | 30.0 | " \
           "1.00 | 1.25 | 1.50 | >= 1.5x: NO |" in text
    assert "| 128 x 64 | 16 | f32 | never | never | - |" in text
    assert "| 128 x 64 | 4 | f32 | 50% (not at every higher one) |" in text


def test_run_half_imports_no_gpu_library():
    # Importing the script (and running its NumPy parts) needs neither
    # PyTorch nor CuPy: they are imported inside `run` only.
    code = (f"import sys; sys.path.insert(0, {str(SCRIPT.parent)!r}); "
            "import sparse_kernels; "
            "assert 'torch' not in sys.modules and 'cupy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------

def test_prepared_folder(prepared):
    out, spec, stdout = prepared
    cases = {c["name"]: c for c in spec["cases"]}
    assert len(cases) == 2 * 2 * 3              # batches x dtypes x (dense + 2)
    assert os.access(out / spec["dnn_bench"], os.X_OK)
    assert spec["bank_size"] == 8 and spec["index_bits"] == 8
    for c in cases.values():
        assert (out / c["so"]).is_file()
        man = c["manifest"]
        assert man["weights_bytes"] > 0 and not (out / f"{c['name']}.weights").exists()
        (inp,) = sk.nw.manifest_args(man, "input")
        (outp,) = sk.nw.manifest_args(man, "output")
        assert inp["shape"] == [c["batch"], 100] and inp["dtype"] == c["dtype"]
        assert outp["shape"] == [c["batch"], 64]
        assert sk.weight_roles(man, c["kind"]) == c["roles"]
        if c["kind"] == "sparse":
            values = sk.weight_arg(man, c["roles"]["values"])
            offsets = sk.weight_arg(man, c["roles"]["offsets"])
            nnz = {0.5: 4, 0.75: 2}[c["sparsity"]]
            assert values["shape"] == offsets["shape"] == [64, 13, nnz]
            assert (c["nnz"], c["banks"]) == (nnz, 13)
            assert values["dtype"] == c["dtype"] and offsets["dtype"] == "i8"
            assert man["kernels"] == 1
            assert "dnn.sparse_linear" in (out / f"{c['name']}.mlir").read_text()
        else:
            assert sk.weight_arg(man, c["roles"]["weight"])["shape"] == [64, 100]
    # The budget line.
    assert re.search(r"wrote 12 cases \(8 sparse\) to .*: \d+ files, "
                     r"[\d.]+ MiB \(budget 30.0 MiB", stdout)


def test_prepare_enforces_the_budget(build_dir, tmp_path):
    if compile_ready(build_dir):
        pytest.skip("dnn-compile cannot run")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "prepare", "--out", str(tmp_path),
         "--build-dir", str(build_dir), "--sizes", "16x40", "--batches", "1",
         "--dtypes", "f32", "--sparsities", "0.5", "--bank-size", "8",
         "--budget-mb", "0.01"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1 and "over --budget-mb" in proc.stderr


# ---------------------------------------------------------------------------
# selfcheck: the run half's weights and reference against the CPU path
# ---------------------------------------------------------------------------

def test_selfcheck(build_dir):
    if compile_ready(build_dir):
        pytest.skip("dnn-compile cannot run")
    proc = subprocess.run([sys.executable, str(SCRIPT), "selfcheck",
                           "--build-dir", str(build_dir)],
                          capture_output=True, text=True, timeout=900)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "selfcheck: 10 of 10 cases match the CPU path" in proc.stdout
    assert proc.stdout.count("masked ok") == 6


def test_selfcheck_case_catches_a_wrong_reference(prepared, build_dir,
                                                  monkeypatch, tmp_path):
    out, spec, _ = prepared
    tools = sk._tools(build_dir)
    case = next(c for c in spec["cases"] if c["name"] == "sparse_64x100_b3_f32_s75")
    work = tmp_path / "w"
    shutil.copytree(out, work)
    ok, text = sk._selfcheck_case(case, work, tools, "", 0)
    assert ok, text
    # Offsets read one column off: the sparse module on the CPU path must
    # disagree (the masked module is built from the same wrong matrix, so it
    # agrees: it checks the dense product, not the scatter).
    real = sk.masked_dense
    monkeypatch.setattr(sk, "masked_dense", lambda v, o, k, bank:
                        real(v, (o.astype(np.int64) + 1) % bank, k, bank))
    ok, text = sk._selfcheck_case(case, work, tools, "", 0)
    assert not ok and "module FAIL" in text and "masked ok" in text


# ---------------------------------------------------------------------------
# The run half under the fake CUDA driver (kernels never run)
# ---------------------------------------------------------------------------

def _run_half(out, tmp, fake_cuda, *extra):
    result, table = tmp / "result.json", tmp / "result.md"
    log = tmp / "fake.log"
    env = dict(os.environ, DNN_FAKE_CUDA_LOG=str(log))
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "run", "--dir", str(out), "--runs", "2",
         "--warmup", "1", "--work", str(tmp / "work"), "--out", str(result),
         "--markdown", str(table), "--fake-driver", fake_cuda, *extra],
        capture_output=True, text=True, timeout=600, env=env)
    return proc, (json.loads(result.read_text()) if result.exists() else None), \
        (table.read_text() if table.exists() else ""), \
        (log.read_text() if log.exists() else "")


def test_run_times_every_case_with_the_fake_driver(prepared, fake_cuda, tmp_path):
    out, spec, _ = prepared
    proc, result, table, log = _run_half(out, tmp_path, fake_cuda, "--no-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result["fake_driver"] and result["device"] == "Fake CUDA device"
    cases = {c["name"]: c for c in spec["cases"]}
    assert {r["case"] for r in result["sparse"]} == \
        {n for n, c in cases.items() if c["kind"] == "sparse"}
    assert {r["case"] for r in result["dense"]} == \
        {n for n, c in cases.items() if c["kind"] == "dense"}
    for r in result["sparse"] + result["dense"]:
        c = cases[r["case"]]
        assert r["ours"]["exit_code"] == 0 and r["ours"]["error"] is None, r
        assert r["ours"]["median_us"] == pytest.approx(250.0)   # the fake's events
        assert r["ours"]["launches"] == c["manifest"]["kernels"]
        assert r["check"] == {"pass": None, "skipped": True}
    for r in result["sparse"]:
        assert r["speedup"]["vs_dense"] == pytest.approx(1.0)
        assert r["speedup"]["vs_cublas"] is None and r.get("csr") is None
    # Every weights file went up whole: one htod of the manifest's size per
    # dnn-bench run.
    sizes = [int(m) for m in re.findall(r"^htod (\d+)$", log, re.M)]
    for c in cases.values():
        assert c["manifest"]["weights_bytes"] in sizes
    assert "| 64 x 100 | 3 | f16 | 75% | 2/8 | 250.0 | 250.0 | - | - | 1.00 |" in table
    assert not list((tmp_path / "work").glob("*.weights"))   # cleaned up


def test_run_checks_catch_wrong_outputs(prepared, fake_cuda, tmp_path):
    # The fake driver runs no kernel: every output stays zero, and every
    # check against the NumPy reference must fail (exit 1).
    out, spec, _ = prepared
    proc, result, table, _ = _run_half(out, tmp_path, fake_cuda,
                                       "--sparsities", "0.75", "--batches", "3")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = result["sparse"] + result["dense"]
    assert len(rows) == 4
    for r in rows:
        assert r["check"]["pass"] is False
        assert r["check"]["mismatches"] > 0 and r["check"]["max_abs"] > 0
    assert "FAIL" in table


def test_run_baselines_with_torch_on_the_cpu(prepared, fake_cuda, tmp_path):
    # The baselines' code (F.linear; CSR with the sparse case's pattern,
    # its output transposed back and the bias added) on the CPU: their
    # outputs must match the NumPy reference, an independent check of
    # masked_dense and csr_arrays. Our kernels do not run (fake driver).
    python = find_torch_python()
    if python is None:
        pytest.skip("no Python with torch (set DNN_TORCH_PYTHON)")
    out, spec, _ = prepared
    result, table = tmp_path / "result.json", tmp_path / "result.md"
    proc = subprocess.run(
        [python, str(SCRIPT), "run", "--dir", str(out), "--runs", "2",
         "--warmup", "1", "--out", str(result), "--markdown", str(table),
         "--fake-driver", fake_cuda, "--torch-device", "cpu", "--dtypes", "f32"],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr   # ours: zeros
    res = json.loads(result.read_text())
    assert res["torch_device"] == "cpu" and res["complete"]
    assert len(res["sparse"]) == 4 and len(res["dense"]) == 2
    for r in res["sparse"]:
        assert r["check"]["pass"] is False
        assert r["csr_check"]["pass"], r["csr_check"]
        assert r["csr_check"]["max_err_rel_scale"] < 1e-5
        assert r["speedup"]["vs_cublas"] is not None
        assert r["speedup"]["vs_csr"] is not None
    for r in res["dense"]:
        assert r["cublas_check"]["pass"], r["cublas_check"]
