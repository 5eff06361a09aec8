"""dnn-tail-aware-channels end to end: padding leaves a network's outputs
unchanged, pruning equals the original network with the removed channels
zeroed (see docs/design.md, "Tail-effect elimination")."""
import json
import subprocess

import numpy as np
import pytest

RNG = np.random.default_rng(7)

# Conv(8 -> 136 channels, 3x3) on 112x112 pays for a third wave on the H100
# model: prune goes to 128 channels, pad fills the last wave.
N, CIN, C, COUT, H = 1, 8, 136, 16, 112


def hexdata(a):
    return "0x" + np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()


def tensor(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def params():
    return {
        "w1": RNG.standard_normal((C, CIN, 3, 3)).astype(np.float32) * 0.2,
        "b1": RNG.standard_normal((C,)).astype(np.float32) * 0.1,
        "g": RNG.uniform(0.5, 1.5, (C,)).astype(np.float32),
        "be": RNG.standard_normal((C,)).astype(np.float32) * 0.1,
        "m": RNG.standard_normal((C,)).astype(np.float32) * 0.1,
        "v": RNG.uniform(0.5, 2.0, (C,)).astype(np.float32),
        "w2": RNG.standard_normal((COUT, C, 1, 1)).astype(np.float32) * 0.1,
        "b2": RNG.standard_normal((COUT,)).astype(np.float32) * 0.1,
    }


def model(p, resources=()):
    """conv -> batch_norm -> sigmoid -> conv; constants named in
    `resources` are dense_resource blobs, the others dense literals."""
    lines, blobs = [], []
    for name, a in p.items():
        if name in resources:
            lines.append(f"  %{name} = dnn.constant dense_resource<{name}> : "
                         f"{tensor(a.shape)}")
            # A blob: 4-byte alignment (little-endian), then the data.
            blobs.append(f'      {name}: "0x04000000{hexdata(a)[2:]}"')
        else:
            lines.append(f'  %{name} = dnn.constant dense<"{hexdata(a)}"> : '
                         f"{tensor(a.shape)}")
    x, y, z = (N, CIN, H, H), (N, C, H, H), (N, COUT, H, H)
    text = f"""func.func @main(%x: {tensor(x)}) -> {tensor(z)} {{
{chr(10).join(lines)}
  %c1 = dnn.conv2d %x, %w1, %b1 {{padding = array<i64: 1, 1, 1, 1>}} : ({tensor(x)}, {tensor((C, CIN, 3, 3))}, {tensor((C,))}) -> {tensor(y)}
  %n1 = dnn.batch_norm %c1, %g, %be, %m, %v : {tensor(y)}, {tensor((C,))}
  %r1 = dnn.activation sigmoid %n1 : {tensor(y)}
  %c2 = dnn.conv2d %r1, %w2, %b2 : ({tensor(y)}, {tensor((COUT, C, 1, 1))}, {tensor((COUT,))}) -> {tensor(z)}
  return %c2 : {tensor(z)}
}}
"""
    if blobs:
        text += ("{-#\n  dialect_resources: {\n    builtin: {\n"
                 + ",\n".join(blobs) + "\n    }\n  }\n#-}\n")
    return text


def run_model(dnn_run, tmp_path, text, x, name):
    path = tmp_path / f"{name}.mlir"
    path.write_text(text)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / f"out_{name}"
    result = subprocess.run(
        [dnn_run, str(path), f"--input={tmp_path / 'x.npy'}",
         f"--output-dir={out}"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return np.load(out / "out0.npy")


def assert_same_outputs(dnn_run, tmp_path, text, padded, shape, rtol):
    """The padded module computes what the original does."""
    x = RNG.standard_normal(shape).astype(np.float32)
    ref = run_model(dnn_run, tmp_path, text, x, "orig")
    out = run_model(dnn_run, tmp_path, padded, x, "padded")
    np.testing.assert_allclose(out, ref, rtol=rtol,
                               atol=rtol * float(np.abs(ref).max()))


def assert_pruned_outputs(dnn_run, tmp_path, zeroed, pruned, text):
    """The pruned module computes what the original with the removed
    channels zeroed (`zeroed`) does, and differs from the original."""
    x = RNG.standard_normal((N, CIN, H, H)).astype(np.float32)
    ref = run_model(dnn_run, tmp_path, zeroed, x, "zeroed")
    out = run_model(dnn_run, tmp_path, pruned, x, "pruned")
    np.testing.assert_allclose(out, ref, rtol=1e-5,
                               atol=1e-5 * float(np.abs(ref).max()))
    full = run_model(dnn_run, tmp_path, text, x, "full")
    assert not np.allclose(full, out, rtol=1e-5, atol=1e-6)


def tail_aware(dnn_opt, tmp_path, text, mode):
    out, data = run_tail_aware(dnn_opt, tmp_path, text, mode)
    groups = [g for g in data["groups"] if "conv2d_0" in g["members"]
              and g["channels_before"] == C]
    assert len(groups) == 1, data
    return out, groups[0], data


def tail_aware_any(dnn_opt, tmp_path, text, mode, extra=""):
    out, data = run_tail_aware(dnn_opt, tmp_path, text, mode, extra)
    return out, None, data


def run_tail_aware(dnn_opt, tmp_path, text, mode, extra=""):
    src = tmp_path / f"src_{mode}.mlir"
    src.write_text(text)
    report = tmp_path / f"report_{mode}.json"
    result = subprocess.run(
        [dnn_opt, str(src), "--dnn-attach-target=gpu=h100",
         f"--dnn-tail-aware-channels=mode={mode} report={report}{extra}"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(report.read_text())


def test_pad_is_exact(dnn_opt, dnn_run, tmp_path):
    p = params()
    text = model(p, resources=("w1", "w2"))
    padded, group, data = tail_aware(dnn_opt, tmp_path, text, "pad")
    assert group["action"] == "pad", group
    assert group["channels_after"] > C
    assert group["l1_removed_fraction"] == 0
    assert group["removed_channels"] == []
    assert f"x{group['channels_after']}x{H}x{H}xf32>" in padded
    # Resource weights stay resources (new keys, the old blobs dropped).
    assert "dense_resource<w1" in padded and "dense_resource<w2" in padded
    for g in data["groups"]:
        if g["action"] == "blocked":
            assert g["channels_after"] == g["channels_before"]
            assert g["reason"]
    assert_same_outputs(dnn_run, tmp_path, text, padded, (N, CIN, H, H), 1e-6)


def test_prune_equals_zeroed_channels(dnn_opt, dnn_run, tmp_path):
    p = params()
    text = model(p)
    pruned, group, data = tail_aware(dnn_opt, tmp_path, text, "prune")
    assert group["action"] == "prune", group
    kept = group["channels_after"]
    assert kept < C
    removed = group["removed_channels"]
    assert len(removed) == C - kept
    assert 0 < group["l1_removed_fraction"] < 1
    assert data["total_latency_after_us"] < data["total_latency_before_us"]
    assert group["latency_after_us"] < group["latency_before_us"]
    assert f"x{kept}x{H}x{H}xf32>" in pruned

    # The L1 rule: producer filters + batch-norm |scale| + consumer slices.
    l1 = (np.abs(p["w1"]).sum(axis=(1, 2, 3)) + np.abs(p["g"])
          + np.abs(p["w2"]).sum(axis=(0, 2, 3)))
    expected = sorted(np.argsort(-l1, kind="stable")[kept:].tolist())
    assert removed == expected
    assert group["l1_removed_fraction"] == pytest.approx(
        l1[removed].sum() / l1.sum(), rel=1e-6)

    # The original with the removed channels' producer filters and the
    # consumer's input slices zeroed computes what the pruned network does.
    zeroed = dict(p)
    zeroed["w1"] = p["w1"].copy()
    zeroed["w1"][removed] = 0
    zeroed["w2"] = p["w2"].copy()
    zeroed["w2"][:, removed] = 0
    assert_pruned_outputs(dnn_run, tmp_path, model(zeroed), pruned, text)


# A concat: conv A (8 -> 40, 1x1) and conv B (8 -> 136, 3x3) are joined
# along the channels and reduced by conv C (176 -> 16). B's group is a piece
# at offset 40 of the concat's group: pruning or padding B must remap C's
# input slices at that offset.
CA = 40


def concat_params():
    return {
        "wa": RNG.standard_normal((CA, CIN, 1, 1)).astype(np.float32) * 0.2,
        "ba": RNG.standard_normal((CA,)).astype(np.float32) * 0.1,
        "wb": RNG.standard_normal((C, CIN, 3, 3)).astype(np.float32) * 0.2,
        "bb": RNG.standard_normal((C,)).astype(np.float32) * 0.1,
        "wc": RNG.standard_normal((COUT, CA + C, 1, 1)).astype(np.float32) * 0.1,
    }


def concat_model(p):
    lines = [f'  %{name} = dnn.constant dense<"{hexdata(a)}"> : '
             f"{tensor(a.shape)}" for name, a in p.items()]
    x, ya, yb = (N, CIN, H, H), (N, CA, H, H), (N, C, H, H)
    yc, z = (N, CA + C, H, H), (N, COUT, H, H)
    return f"""func.func @main(%x: {tensor(x)}) -> {tensor(z)} {{
{chr(10).join(lines)}
  %a = dnn.conv2d %x, %wa, %ba : ({tensor(x)}, {tensor((CA, CIN, 1, 1))}, {tensor((CA,))}) -> {tensor(ya)}
  %b = dnn.conv2d %x, %wb, %bb {{padding = array<i64: 1, 1, 1, 1>}} : ({tensor(x)}, {tensor((C, CIN, 3, 3))}, {tensor((C,))}) -> {tensor(yb)}
  %rb = dnn.activation relu %b : {tensor(yb)}
  %cat = dnn.concat %a, %rb {{axis = 1 : i64}} : ({tensor(ya)}, {tensor(yb)}) -> {tensor(yc)}
  %s = dnn.activation sigmoid %cat : {tensor(yc)}
  %c = dnn.conv2d %s, %wc : ({tensor(yc)}, {tensor((COUT, CA + C, 1, 1))}) -> {tensor(z)}
  return %c : {tensor(z)}
}}
"""


def concat_groups(data):
    """The report entries of piece A, piece B and the concatenation."""
    def one(pred):
        found = [g for g in data["groups"] if pred(g)]
        assert len(found) == 1, data
        return found[0]
    a = one(lambda g: g["members"] == ["conv2d_0"])
    b = one(lambda g: "conv2d_1" in g["members"] and g["channels_before"] == C)
    cat = one(lambda g: g["channels_before"] == CA + C)
    return a, b, cat


def test_concat_pad_is_exact(dnn_opt, dnn_run, tmp_path):
    p = concat_params()
    text = concat_model(p)
    # A 5% tolerance makes B grow (the exactness is what is tested here).
    padded, _, data = tail_aware_any(dnn_opt, tmp_path, text, "pad",
                                     " pad-tolerance=0.05")
    a, b, cat = concat_groups(data)
    assert b["action"] == "pad", b
    assert cat["action"] == "follow", cat
    assert cat["channels_after"] == a["channels_after"] + b["channels_after"]
    assert f"x{cat['channels_after']}x{H}x{H}xf32>" in padded
    assert_same_outputs(dnn_run, tmp_path, text, padded, (N, CIN, H, H), 1e-6)


def test_concat_prune_equals_zeroed_channels(dnn_opt, dnn_run, tmp_path):
    p = concat_params()
    text = concat_model(p)
    pruned, _, data = tail_aware_any(dnn_opt, tmp_path, text, "prune")
    a, b, cat = concat_groups(data)
    assert b["action"] == "prune", b
    assert cat["action"] == "follow", cat
    assert cat["channels_after"] == a["channels_after"] + b["channels_after"]
    # B's channels are ranked by its filters plus C's input slices at
    # offset 40.
    l1 = (np.abs(p["wb"]).sum(axis=(1, 2, 3))
          + np.abs(p["wc"][:, CA:]).sum(axis=(0, 2, 3)))
    kept = b["channels_after"]
    assert b["removed_channels"] == sorted(
        np.argsort(-l1, kind="stable")[kept:].tolist())
    # The original with C's input slices of every removed channel zeroed.
    zeroed = dict(p)
    zeroed["wc"] = p["wc"].copy()
    zeroed["wc"][:, a["removed_channels"]] = 0
    zeroed["wc"][:, [CA + r for r in b["removed_channels"]]] = 0
    assert_pruned_outputs(dnn_run, tmp_path, concat_model(zeroed), pruned,
                          text)


@pytest.mark.parametrize("arch,width", [("resnet18", 0.9), ("mobilenet_v2", 1.3)])
def test_zoo_pad_is_exact(dnn_opt, dnn_run, tmp_path, arch, width):
    """Pad on a whole zoo network (residual adds, depthwise convs, the
    classifier): the padded network computes the original's outputs."""
    import onnx
    from dnn_mlir import import_to_file, models
    proto = getattr(models, arch)(batch=1, size=32, num_classes=10,
                                  width=width)
    onnx_path = tmp_path / f"{arch}.onnx"
    onnx.save(proto, str(onnx_path))
    mlir = tmp_path / f"{arch}.mlir"
    import_to_file(str(onnx_path), str(mlir))
    # A 5% tolerance pads most groups (the exactness is what is tested).
    padded, data = run_tail_aware(dnn_opt, tmp_path, mlir.read_text(), "pad",
                                  " pad-tolerance=0.05")
    grown = [g for g in data["groups"] if g["action"] == "pad"]
    assert len(grown) >= 3, data
    assert any(len(g["members"]) >= 4 for g in grown), grown
    assert_same_outputs(dnn_run, tmp_path, mlir.read_text(), padded,
                        (1, 3, 32, 32), 1e-5)
