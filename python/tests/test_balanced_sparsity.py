"""dnn-balanced-sparsify against an independent NumPy reference.

For random weights (with deliberate ties and a partial last bank), the
balanced-sparse module's output (dnn-run, CPU path) must equal
x @ W_masked^T + b, where W_masked keeps, in every bank of every row, the
nnz entries of largest |w| (ties to the lower column) computed here with
NumPy; and it must differ from the dense original.
"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest


def _literal(a: np.ndarray) -> str:
    return np.array2string(a, separator=", ", threshold=10**8,
                           floatmode="unique", max_line_width=10**9)


def _masked(w: np.ndarray, bank: int, nnz: int) -> np.ndarray:
    n, k = w.shape
    out = np.zeros_like(w)
    for row in range(n):
        for first in range(0, k, bank):
            seg = w[row, first:first + bank]
            # Largest |w| first, the lower column on ties (stable sort).
            order = np.argsort(-np.abs(seg), kind="stable")[:nnz]
            out[row, first + order] = seg[order]
    return out


CASES = [
    # (m, n, k, bank, sparsity, dtype)
    (1, 16, 64, 32, 0.75, "float32"),
    (3, 7, 50, 8, 0.5, "float32"),     # partial last bank (2 columns)
    (2, 5, 37, 4, 0.25, "float32"),    # nnz 3 > last bank's 1 column
    (4, 9, 96, 16, 0.9, "float32"),
    (2, 6, 40, 8, 0.75, "float16"),
]


@pytest.mark.parametrize("m,n,k,bank,sparsity,dtype", CASES)
def test_sparse_equals_numpy_masked(m, n, k, bank, sparsity, dtype,
                                    dnn_opt, dnn_run, tmp_path):
    rng = np.random.default_rng(n * 1000 + k)
    w = rng.standard_normal((n, k)).astype(dtype)
    w[0, :4] = np.array([1.5, -1.5, 1.5, 0.25], dtype)  # ties in a bank
    b = rng.standard_normal(n).astype(dtype)
    x = rng.standard_normal((m, k)).astype(dtype)
    t = "f32" if dtype == "float32" else "f16"
    model = tmp_path / "model.mlir"
    model.write_text(f"""
func.func @main(%x: tensor<{m}x{k}x{t}>) -> tensor<{m}x{n}x{t}> {{
  %w = dnn.constant dense<{_literal(w)}> : tensor<{n}x{k}x{t}>
  %b = dnn.constant dense<{_literal(b)}> : tensor<{n}x{t}>
  %y = dnn.linear %x, %w, %b : (tensor<{m}x{k}x{t}>, tensor<{n}x{k}x{t}>, tensor<{n}x{t}>) -> tensor<{m}x{n}x{t}>
  return %y : tensor<{m}x{n}x{t}>
}}
""")
    sparse = tmp_path / "sparse.mlir"
    result = subprocess.run(
        [dnn_opt, str(model), "-o", str(sparse),
         f"--dnn-balanced-sparsify=bank-size={bank} sparsity={sparsity} "
         "decide=always"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "dnn.sparse_linear" in sparse.read_text()
    nnz = max(1, min(bank, round(bank * (1 - sparsity))))
    w64 = w.astype(np.float64)
    ref = x.astype(np.float64) @ _masked(w64, bank, nnz).T + b
    dense = x.astype(np.float64) @ w64.T + b
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "ref.npy", ref.astype(dtype))
    np.save(tmp_path / "dense.npy", dense.astype(dtype))
    tol = ["--atol=1e-5", "--rtol=1e-5"] if dtype == "float32" else \
        ["--atol=2e-2", "--rtol=2e-2"]
    run = subprocess.run(
        [dnn_run, str(sparse), f"--input={tmp_path / 'x.npy'}",
         f"--compare={tmp_path / 'ref.npy'}", *tol],
        capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "out0: match" in run.stdout
    # The test can fail: the dense original is not the masked layer.
    differs = subprocess.run(
        [dnn_run, str(sparse), f"--input={tmp_path / 'x.npy'}",
         f"--compare={tmp_path / 'dense.npy'}", *tol],
        capture_output=True, text=True)
    assert differs.returncode != 0 and "MISMATCH" in differs.stdout
