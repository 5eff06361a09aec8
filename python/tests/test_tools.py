"""The performance-model tools: python/dnn_mlir/modelgen.py,
utils/plot_staircase.py, utils/calibrate.py, the committed H100 calibration
and docs/report-schema.md."""
import csv
import importlib.util
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))
from dnn_mlir import modelgen  # noqa: E402

PY = sys.executable


def load_script(name):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "utils" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------
# Module generator
# ---------------------------------------------------------------------------

LAYERS = [
    # (function, kwargs, expected GEMM (batch, m, n, k))
    ("conv_same", dict(kind="conv", batch=2, cin=64, hw=56, cout=128, kernel=3),
     (1, 2 * 56 * 56, 128, 64 * 9)),
    ("conv_s2", dict(kind="conv", batch=1, cin=3, hw=224, cout=64, kernel=7,
                     stride=2), (1, 112 * 112, 64, 3 * 49)),
    ("conv_1x1_f16", dict(kind="conv", batch=8, cin=128, hw=28, cout=40,
                          kernel=1, dtype="float16"), (1, 8 * 28 * 28, 40, 128)),
    ("conv_valid_bf16", dict(kind="conv", batch=1, cin=16, hw=10, cout=8,
                             kernel=3, padding=0, dtype="bf16"),
     (1, 8 * 8, 8, 16 * 9)),
    ("lin", dict(kind="linear", m=4096, n=320, k=1024), (1, 4096, 320, 1024)),
    ("lin_f16", dict(kind="linear", m=7, n=1000, k=512, dtype="f16"),
     (1, 7, 1000, 512)),
]


def layer_func(name, spec):
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "conv":
        return modelgen.conv2d_func(name, **spec)
    return modelgen.linear_func(name, **spec)


def test_generated_module_is_valid_ir(dnn_opt):
    text = modelgen.module(layer_func(n, s) for n, s, _ in LAYERS)
    # Parsing and verification alone (no passes): dnn-opt infers and checks
    # every result type, so a wrong output shape fails here.
    out = subprocess.run([dnn_opt, "-"], input=text, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    for name, _, _ in LAYERS:
        assert f"func.func @{name}(" in out.stdout


def test_generated_module_gemm_views(dnn_opt):
    text = modelgen.module(layer_func(n, s) for n, s, _ in LAYERS)
    report = modelgen.predict(text, dnn_opt=dnn_opt)
    ops = modelgen.ops_by_name(report)
    assert set(ops) == {n for n, _, _ in LAYERS}
    for name, spec, (batch, m, n, k) in LAYERS:
        op = ops[name]
        assert op["function"] == name
        assert op["kind"] == "gemm"
        assert (op["batch"], op["m"], op["n"], op["k"]) == (batch, m, n, k), name
        tensor_core = spec.get("dtype", "f32") in ("float16", "f16", "bf16")
        # The tensor-core kernel is the only 128x128x32 one.
        assert (op["tile"] == [128, 128, 32]) == tensor_core, name


def test_generator_rejects_bad_input():
    with pytest.raises(ValueError):
        modelgen.conv2d_func("c", batch=1, cin=1, hw=2, cout=1, kernel=5, padding=0)
    with pytest.raises(ValueError):
        modelgen.linear_func("bad name", m=1, n=1, k=1)
    with pytest.raises(ValueError):
        modelgen.mlir_dtype("int3")


def test_known_configs_match_forced_configs(dnn_opt):
    names = modelgen.known_configs(dnn_opt)
    assert "sgemm_64x64x16_t256" in names and "hgemm_128x128x32_t256" in names
    for name in names:
        f16 = name.startswith("hgemm")
        text = modelgen.module([modelgen.linear_func(
            "g", m=1000, n=300, k=256, dtype="f16" if f16 else "f32")])
        op = modelgen.predict(text, config=name, split_k=1, dnn_opt=dnn_opt)["ops"][0]
        tile = re.search(r"_(\d+)x(\d+)x(\d+)_t(\d+)", name).groups()
        assert op["tile"] == [int(t) for t in tile[:3]]
        assert op["threads"] == int(tile[3])
        assert op["split_k"] == 1


# ---------------------------------------------------------------------------
# Staircase sweep
# ---------------------------------------------------------------------------

def test_staircase_is_monotone_with_steps(dnn_opt):
    stair = load_script("plot_staircase")
    # conv 3x3, Cin 64, 56x56, batch 32, f32: a grid of many waves, where the
    # model never splits K (a split's reduction grows with Cout and would
    # turn the treads into ramps on small layers, which is right, too).
    args = stair.parse_args(["--cin", "64", "--hw", "56", "--batch", "32"])
    assert (args.cin, args.hw, args.batch, args.kernel, args.dtype) == (64, 56, 32, 3, "f32")
    rows, report = stair.sweep(args, dnn_opt=dnn_opt)
    assert [r["cout"] for r in rows] == list(range(1, 1025))
    lat = [r["latency_us"] for r in rows]
    # Non-decreasing: more output channels never predict less time.
    drops = [(rows[i]["cout"], lat[i], lat[i + 1])
             for i in range(len(lat) - 1) if lat[i + 1] < lat[i] - 1e-9]
    assert not drops, drops[:5]
    # A staircase, not a ramp: long flat treads and a few tall risers.
    assert len(set(lat)) <= len(lat) // 50
    risers = [b / a for a, b in zip(lat, lat[1:]) if b > a]
    assert sum(1 for r in risers if r > 1.05) >= 2
    assert lat[-1] > 1.5 * lat[0]
    sms = report["target"]["sms"]
    for r in rows:
        assert r["n"] == r["cout"] and r["m"] == 32 * 56 * 56 and r["k"] == 576
        assert r["waves"] == pytest.approx(
            r["ctas"] / (sms * r["ctas_per_sm"]), abs=1e-3)


def test_staircase_single_function_layout_agrees(dnn_opt):
    stair = load_script("plot_staircase")
    a = stair.parse_args(["--case", "res3x3_56_b32", "--cout-max", "96", "--step", "8"])
    b = stair.parse_args(["--case", "res3x3_56_b32", "--cout-max", "96", "--step", "8",
                          "--layout", "single"])
    ra, _ = stair.sweep(a, dnn_opt=dnn_opt)
    rb, _ = stair.sweep(b, dnn_opt=dnn_opt)
    assert [r["latency_us"] for r in ra] == [r["latency_us"] for r in rb]
    assert {r["function"] for r in rb} == {"sweep"}
    assert ra[0]["m"] == 32 * 56 * 56


def test_plot_staircase_writes_png_with_measured(tmp_path, dnn_opt):
    out = tmp_path / "stair.png"
    proc = subprocess.run(
        [PY, str(ROOT / "utils" / "plot_staircase.py"), "--case", "res3x3_56_b32",
         "--measured", str(ROOT / "docs/data/h100/conv.csv"), "--out", str(out),
         "--dnn-opt", dnn_opt], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"vs measured \(32 points\)", proc.stdout), proc.stdout


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------

TRUE_LAUNCH = 3.0
TRUE = {  # config: (compute_efficiency, co_resident_cost)
    "sgemm_64x64x16_t256": (0.36, 0.45),
    "sgemm_128x64x16_t256": (0.50, 0.80),
    "sgemm_128x128x8_t256": (0.42, 0.30),
    "hgemm_128x128x32_t256": (0.25, 0.60),
}
CSV_NAME = {"hgemm_128x128x32_t256": "hgemm_wmma_128x128x32_t256"}


def synthetic_csv(path, tmp_path, dnn_opt):
    """Latencies the model itself predicts with known constants, in the
    columns of docs/data/h100/wave_staircase.csv."""
    truth = modelgen.write_calibration(tmp_path / "truth.json",
                                       launch_us=TRUE_LAUNCH, configs=TRUE)
    rows = []
    for cfg in TRUE:
        tile_m, tile_n = map(int, re.search(r"_(\d+)x(\d+)x", cfg).groups())
        m, k = 32 * tile_m, 512
        dtype = "f16" if cfg.startswith("hgemm") else "f32"
        # 32 row tiles; 1..40 column tiles: 1 to ~10 CTAs per SM.
        ns = [tile_n * j for j in (1, 3, 4, 5, 7, 9, 12, 17, 23, 31, 40)]
        text = modelgen.module(
            modelgen.linear_func(f"n{n}", m=m, n=n, k=k, dtype=dtype) for n in ns)
        ops = modelgen.ops_by_name(modelgen.predict(
            text, config=cfg, split_k=1, calibration=truth, dnn_opt=dnn_opt))
        for n in ns:
            op = ops[f"n{n}"]
            rows.append(dict(config=CSV_NAME.get(cfg, cfg), M=m, N=n, K=k,
                             ctas=op["ctas"], ctas_per_sm=op["ctas_per_sm"],
                             median_us=op["latency_us"]))
    # A config that is not in the kernel table: must be skipped.
    rows.append(dict(config="sgemm_128x128x8_t256_1cta", M=2048, N=128, K=512,
                     ctas=16, ctas_per_sm=1, median_us=99.0))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_calibrate_recovers_known_constants(tmp_path, dnn_opt):
    data = tmp_path / "synthetic.csv"
    synthetic_csv(data, tmp_path, dnn_opt)
    out = tmp_path / "fitted.json"
    proc = subprocess.run(
        [PY, str(ROOT / "utils" / "calibrate.py"), "--csv", str(data),
         "--out", str(out), "--dnn-opt", dnn_opt],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "skipped 1 rows of 'sgemm_128x128x8_t256_1cta'" in proc.stderr
    fitted = json.loads(out.read_text())
    assert fitted["launch_us"] == pytest.approx(TRUE_LAUNCH, abs=0.3)
    assert set(fitted["configs"]) == set(TRUE)
    for cfg, (eff, cost) in TRUE.items():
        got = fitted["configs"][cfg]
        assert got["compute_efficiency"] == pytest.approx(eff, rel=0.02), cfg
        assert got["co_resident_cost"] == pytest.approx(cost, abs=0.02), cfg
    # The fit reproduces the data; the built-in constants did not.
    assert fitted["fit"]["overall"]["mape_after_pct"] < 0.5
    assert fitted["fit"]["overall"]["mape_before_pct"] > 5
    # Markdown table for the docs on stdout.
    assert "| config | rows |" in proc.stdout
    assert re.search(r"\| \*\*all\*\* .*\| 44 \|", proc.stdout), proc.stdout


def test_committed_h100_calibration_loads(dnn_opt):
    path = ROOT / "data" / "calibration" / "h100-sxm.json"
    cal = json.loads(path.read_text())
    assert set(cal["configs"]) <= set(modelgen.known_configs(dnn_opt))
    text = modelgen.module([modelgen.linear_func("g", m=4096, n=1024, k=1024)])
    default = modelgen.predict(text, config="sgemm_64x64x16_t256", split_k=1,
                               dnn_opt=dnn_opt)["ops"][0]
    calibrated = modelgen.predict(text, config="sgemm_64x64x16_t256", split_k=1,
                                  calibration=path, dnn_opt=dnn_opt)["ops"][0]
    assert calibrated["launch_us"] == pytest.approx(cal["launch_us"])
    assert calibrated["latency_us"] != default["latency_us"]


# ---------------------------------------------------------------------------
# Report schema document
# ---------------------------------------------------------------------------

def documented_keys(section_text):
    keys = set()
    for line in section_text.splitlines():
        m = re.match(r"\| (`[^|]+`) \|", line)
        if m:
            keys.update(re.findall(r"`([a-z0-9_]+)`", m.group(1)))
    return keys


def test_report_schema_doc_matches_report(repo_root, dnn_opt):
    doc = (repo_root / "docs" / "report-schema.md").read_text()
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", doc, re.S | re.M))
    report = modelgen.predict((repo_root / "examples" / "resnet_block.mlir").read_text(),
                              dnn_opt=dnn_opt)
    assert documented_keys(sections["Root"]) == set(report)
    assert documented_keys(sections["`target`"]) == set(report["target"])
    assert documented_keys(sections["`ops[]`"]) == set(report["ops"][0])
    assert {op["kind"] for op in report["ops"]} == {"gemm", "memory"}
    # The example in the document is this run.
    m = re.search(r"<details>.*?```json\n(.*?)```", doc, re.S)
    assert m and json.loads(m.group(1)) == report
