"""dnn-fuse-epilogues end to end: fused zoo networks compute what the
originals do (dnn-run on the CPU, which inlines dnn.fused), the chains are
fused, and the GPU lowering makes one kernel of each fused op."""
import re
import subprocess

import numpy as np
import onnx
import pytest

from dnn_mlir import import_to_file, models


def opt(dnn_opt, src, *args):
    proc = subprocess.run([dnn_opt, str(src), *args], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run(dnn_run, path, x_path, out):
    proc = subprocess.run([dnn_run, str(path), f"--input={x_path}",
                           f"--output-dir={out}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return np.load(out / "out0.npy")


@pytest.mark.parametrize("arch,adds", [("resnet18", 8), ("mobilenet_v2", 10)])
def test_fused_zoo_network_matches(dnn_opt, dnn_run, tmp_path, arch, adds):
    proto = getattr(models, arch)(batch=1, size=32, num_classes=10, width=0.5)
    onnx.save(proto, str(tmp_path / "m.onnx"))
    src = tmp_path / "m.mlir"
    import_to_file(str(tmp_path / "m.onnx"), str(src))
    folded = tmp_path / "folded.mlir"
    folded.write_text(opt(dnn_opt, src, "--dnn-fold-batch-norm"))
    fused = tmp_path / "fused.mlir"
    fused.write_text(opt(dnn_opt, folded, "--dnn-fuse-epilogues"))
    text = fused.read_text()
    # Every residual add follows a convolution and is fused; so are the
    # activations after convolutions (none stays at top level after one).
    body = re.sub(r"dnn\.fused[^{]*\{.*?dnn\.yield[^\n]*\n\s*\}", "FUSED",
                  text, flags=re.S)
    assert text.count("dnn.fused") >= adds
    assert "dnn.add" not in body
    x = np.random.default_rng(5).standard_normal((1, 3, 32, 32)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ref = run(dnn_run, folded, tmp_path / "x.npy", tmp_path / "ref")
    out = run(dnn_run, fused, tmp_path / "x.npy", tmp_path / "out")
    # The same ops in the same order: bit-identical on the CPU path.
    np.testing.assert_array_equal(out, ref)


def test_fusion_lowers_to_one_kernel_per_fused_op(dnn_opt, tmp_path):
    proto = models.resnet18(batch=1, size=32, num_classes=10, width=0.5)
    onnx.save(proto, str(tmp_path / "m.onnx"))
    src = tmp_path / "m.mlir"
    import_to_file(str(tmp_path / "m.onnx"), str(src))
    stages = ["--dnn-attach-target=gpu=h100", "--dnn-fold-batch-norm"]
    lowered = opt(dnn_opt, src, *stages, "--dnn-assign-mapping",
                  "--dnn-lower-to-gpu=abi=false")
    fused = opt(dnn_opt, src, *stages, "--dnn-fuse-epilogues",
                "--dnn-assign-mapping", "--dnn-lower-to-gpu=abi=false")
    count = lambda s: len(re.findall(r"gpu\.launch_func", s))
    # 8 residual adds and 17 relus no longer run as kernels of their own.
    assert count(lowered) - count(fused) == 8 + 17
    assert len(re.findall(r"@dnn_kernels::@conv2d_add_relu_\d+", fused)) == 8
    assert "@dnn_kernels::@add_" not in fused
