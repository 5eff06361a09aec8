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
        # Bare pointers: one parameter per memref (A, B[, bias], C).
        assert ptx.count(".param .u64 .ptr") == (4 if case["bias"] else 3)
        assert "fma.rn.f32" in ptx
