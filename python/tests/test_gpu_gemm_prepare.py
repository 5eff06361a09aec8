"""The here-half of utils/bench-gpu/gemm_kernels.py: every case's PTX is
built with bare-pointer arguments and the launch the kernel expects (the
there-half needs a GPU and runs on the device machine)."""
import json
import math
import pathlib
import subprocess
import sys


def test_prepare_writes_ptx_and_launches(repo_root, dnn_opt, tmp_path):
    out = tmp_path / "gk"
    build = str(pathlib.Path(dnn_opt).parents[1])
    proc = subprocess.run(
        [sys.executable, str(repo_root / "utils" / "bench-gpu" / "gemm_kernels.py"),
         "prepare", "--out", str(out), "--build-dir", build],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    spec = json.loads((out / "cases.json").read_text())
    assert spec["chip"] == "sm_90" and len(spec["cases"]) >= 6
    tiles = {"sgemm_64x64x16_t256": (64, 64), "sgemm_128x64x16_t256": (128, 64),
             "sgemm_128x128x8_t256": (128, 128)}
    for case in spec["cases"]:
        tm, tn = tiles[case["config"]]
        assert case["grid"] == [math.ceil(case["n"] / tn), math.ceil(case["m"] / tm)]
        assert case["block"] == 256
        ptx = (out / case["ptx"]).read_text()
        assert ".target sm_90" in ptx and ".entry gemm(" in ptx
        assert "fma.rn.f32" in ptx
        # Bare pointers: one parameter per memref. Without split-K: A, B,
        # [bias,] C. With it: A, B, workspace, then the reduction's
        # workspace, [bias,] C.
        params = ptx.count(".param .u64 .ptr")
        if case["split_k"] == 1:
            assert params == (4 if case["bias"] else 3)
        else:
            assert ".entry gemm_reduce(" in ptx
            assert params == 3 + (3 if case["bias"] else 2)
            assert case["reduce_block"] == 256
            assert case["reduce_grid"] == math.ceil(case["m"] * case["n"] / 256)
    assert any(c["split_k"] > 1 for c in spec["cases"])
    assert any("conv" in c for c in spec["cases"])
