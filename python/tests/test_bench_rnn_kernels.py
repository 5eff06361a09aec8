"""utils/bench-gpu/rnn_kernels.py: prepare compiles every feasible level of
each layer; run times them with dnn-bench (here with the fake CUDA driver)
and writes the JSON and markdown tables."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import compile_ready, load_script

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "utils" / "bench-gpu" / "rnn_kernels.py"


@pytest.fixture(scope="module")
def rnn_kernels():
    return load_script(SCRIPT, "rnn_kernels")


def test_layer_module_parses(rnn_kernels, dnn_opt, tmp_path):
    for op in ("lstm", "gru"):
        path = tmp_path / f"{op}.mlir"
        path.write_text(rnn_kernels.layer_module(op, 32, 3, 2, "f16"))
        proc = subprocess.run([dnn_opt, str(path)], capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        assert f"dnn.{op}" in proc.stdout
    assert "linear_before_reset = true" in rnn_kernels.layer_module(
        "gru", 32, 3, 2, "f32")


def test_feasible_levels(rnn_kernels, dnn_opt, tmp_path):
    big = tmp_path / "big.mlir"
    big.write_text(rnn_kernels.layer_module("lstm", 2048, 2, 1, "f32"))
    assert rnn_kernels.feasible_levels(dnn_opt, big) == ["unfused", "hoisted"]
    small = tmp_path / "small.mlir"
    small.write_text(rnn_kernels.layer_module("lstm", 512, 2, 1, "f32"))
    assert rnn_kernels.feasible_levels(dnn_opt, small) == list(
        rnn_kernels.LEVELS)


def test_prepare_and_run_with_fake_driver(build_dir, fake_cuda, tmp_path):
    why = compile_ready(build_dir)
    if why:
        pytest.skip(why)
    out = tmp_path / "bench"
    subprocess.run([sys.executable, str(SCRIPT), "prepare", "--out", str(out),
                    "--cases", "small", "--batches", "2", "--dtypes", "f32",
                    "--build", str(build_dir)], check=True,
                   capture_output=True, text=True)
    cases = json.loads((out / "cases.json").read_text())["cases"]
    assert [c["name"] for c in cases] == ["lstm64_t4_b2_f32", "gru96_t3_b2_f32"]
    for c in cases:
        assert sorted(c["libraries"]) == ["hoisted", "persistent", "unfused"]
        for so in c["libraries"].values():
            assert (out / so).is_file()
    env = dict(os.environ, DNN_CUDA_LIBRARY=fake_cuda)
    proc = subprocess.run([sys.executable, str(SCRIPT), "run", "--dir",
                           str(out), "--runs", "2", "--warmup", "0", "--out",
                           str(tmp_path / "r.json"), "--markdown",
                           str(tmp_path / "r.md")], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    lstm = rows[0]
    # The fake driver times every interval as 0.25 ms; the launch counts
    # are the real ones: init + 4 steps x 3 (unfused), init + GEMM + 4
    # steps (hoisted), init + GEMM + 1 (persistent).
    assert lstm["ours"]["unfused"] == {"median_ms": 0.25, "launches": 13}
    assert lstm["ours"]["hoisted"]["launches"] == 6
    assert lstm["ours"]["persistent"]["launches"] == 3
    assert lstm["hoisted_speedup"] == pytest.approx(1.0)
    table = (tmp_path / "r.md").read_text()
    assert "| LSTM 64 | 4 | 2 | f32 | 0.250 | 0.250 | 0.250 |" in table
    # A second prepare into the same folder replaces the first one's files.
    subprocess.run([sys.executable, str(SCRIPT), "prepare", "--out", str(out),
                    "--cases", "small", "--batches", "1", "--dtypes", "f32",
                    "--build", str(build_dir)], check=True,
                   capture_output=True, text=True)
    assert not list(out.glob("*_b2_*"))
