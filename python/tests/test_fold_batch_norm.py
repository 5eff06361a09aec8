"""dnn-fold-batch-norm end to end: folded zoo networks compute what the
originals do (dnn-run on the CPU), and the batch norms are gone."""
import subprocess

import numpy as np
import onnx
import pytest

from dnn_mlir import import_to_file, models


def run(dnn_run, path, x_path, out):
    proc = subprocess.run([dnn_run, str(path), f"--input={x_path}",
                           f"--output-dir={out}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return np.load(out / "out0.npy")


@pytest.mark.parametrize("arch", ["resnet18", "mobilenet_v2"])
def test_folded_zoo_network_matches(dnn_opt, dnn_run, tmp_path, arch):
    proto = getattr(models, arch)(batch=1, size=32, num_classes=10, width=0.5)
    onnx.save(proto, str(tmp_path / "m.onnx"))
    src = tmp_path / "m.mlir"
    import_to_file(str(tmp_path / "m.onnx"), str(src))
    folded = tmp_path / "folded.mlir"
    proc = subprocess.run([dnn_opt, str(src), "--dnn-fold-batch-norm",
                           "-o", str(folded)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    before, after = src.read_text(), folded.read_text()
    assert before.count("dnn.batch_norm") > 5
    assert after.count("dnn.batch_norm") == 0
    # Weights stay resource blobs.
    assert "dense_resource<" in after
    x = np.random.default_rng(3).standard_normal((1, 3, 32, 32)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ref = run(dnn_run, src, tmp_path / "x.npy", tmp_path / "ref")
    out = run(dnn_run, folded, tmp_path / "x.npy", tmp_path / "out")
    np.testing.assert_allclose(out, ref, rtol=1e-4,
                               atol=1e-5 * float(np.abs(ref).max()))
