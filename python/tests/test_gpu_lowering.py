"""GPU lowering of the zoo CNNs: dnn-gpu-pipeline to PTX, assembled by ptxas.

For ResNet-18, ResNet-50, MobileNetV2 and VGG-16 at batch 1 (the sizes of
test_zoo.py, reduced to keep the file short: 64x64 for the ResNets,
full-size MobileNetV2 at 224x224, VGG-16 at half width and 64x64), each in
float32 (ids `resnet18-h100`, ...) and in float16 (models.to_precision
before the import; ids `resnet18_f16-h100`, ...), and for target=h100
(sm_90) and target=a100 (sm_80), each model is compiled once per target
(module-scoped fixture) with

    dnn-opt model.mlir --dnn-gpu-pipeline="target=T format=isa"

and, alongside it, with the pipeline's graph stages and dnn-lower-to-gpu on
their own, whose `gpu.launch_func ... @dnn_kernels::@NAME ... {dnn.mapping =
#dnn.mapping<...>}` lines give each GEMM kernel's mapping (the full pipeline
drops the dnn.* attributes at the end). Kernel names are the same in both
runs: the test checks that the PTX's entries are exactly the launched
kernels, and that every launch of a (deduplicated) kernel carries the same
mapping.

The PTX is assembled with `ptxas -arch=sm_XX -v` (skipped when there is no
ptxas on PATH or in /usr/local/cuda/bin) and its report is held against the
performance model's assumptions, i.e. the mapping the kernel table gave:

* no kernel spills (0 bytes spill stores and loads);
* every GEMM kernel's static shared memory is the mapping's smem_per_block;
* registers: the model's register figure matters through the occupancy it
  implies, CTAs per SM limited by registers,
      floor(65536 / (ceil(regs * 32 / 256) * 256 * threads / 32))
  (registers are allocated per warp in units of 256). The test requires that
  this is not below the mapping's ctas_per_sm. A plain register comparison
  (regs <= regs_per_thread rounded up to the granularity) would be stricter
  than what the model uses, and is false for kernels whose occupancy is
  still right: e.g. a 128x64x16 MobileNetV2 1x1 convolution (K = 24) takes
  100-105 registers against the table's 91 (96 after rounding), which still
  gives the 2 CTAs per SM of 256 threads the model counts.

What is measured (CUDA 13.0's ptxas) is that every GEMM kernel of these
models meets its mapping's occupancy without spilling. Three kinds of kernel
needed changes in the generated code to get there:

* split-K GEMMs (64x64x16, mostly the 3x3 convolutions of the later stages)
  took 77-80 registers against 64 (3 CTAs per SM instead of 4):
  dnn-lower-to-gpu gives ungrouped GEMM kernels with more than one k-tile
  per split the mapping's occupancy as a launch bound (nvvm.minctasm ->
  .minnctapersm), and ptxas then fits them in 64 without spilling;
* grouped (depthwise) convolutions, K = 9, and
* GEMMs whose whole reduction is one k-tile (K <= tile_k, MobileNetV2's
  16-channel 1x1 convolution) took 98-212 registers (1-2 CTAs per SM
  instead of 2-4), and spilled under the launch bound. Their code has a
  single k-slice, so LLVM sank each output's multiply-adds into the branch
  of its guarded store: the products were computed output by output and
  every staged operand stayed live at once. The kernel now passes each
  finished accumulator through an empty volatile asm statement before the
  epilogue (no instruction in the PTX), drops the barrier after the last
  slice, and stores whole in-bounds register tiles without per-element
  guards; these kernels then take <= 127 registers (their mapping's
  occupancy) with no launch bound.

The f16 networks' GEMMs all use the tensor-core kernel (config
hgemm_128x128x32_t256: 256 threads, 20480 bytes of shared memory, 128
registers, 2 CTAs per SM), depthwise convolutions included. Its multi-k-tile
kernels carry the same launch bound and get exactly 128 registers without
spilling (without the bound ptxas would take up to 145 on sm_90 and 175 on
sm_80); the others (K <= 32, grouped, some split-K) stay below.

These are real differences between the model and the code, so they are
not hidden by a looser bound: test_gemm_occupancy_plain asserts the
occupancy for every GEMM kernel outside those three kinds and
test_gemm_occupancy_all for all of them. The assertion messages name the
offending kernels and their numbers.

Last, test_resnet50_cubin_compile_time prints the wall time of the whole
dnn-dialect -> cubin compile of ResNet-50 (format=bin, ptxas on PATH); it
only asserts a generous bound (120 s). Compile speed is measured by
utils/bench/compile_time.py, not here.
"""
from __future__ import annotations

import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from test_zoo import CASES, importer, models  # noqa: F401  (importer: a fixture)

sys.path.insert(0, str(ROOT / "utils"))
import extract_ptx  # noqa: E402

# The zoo cases of test_zoo.py, at batch 1, one per architecture, in f32 and
# (models.to_precision) in f16: model id -> (test_zoo case, precision).
ZOO = {"resnet18": "resnet18", "resnet50": "resnet50",
       "mobilenet_v2": "mobilenet_v2_224", "vgg16": "vgg16_w0.5"}
MODELS = {**{m: (case, "float32") for m, case in ZOO.items()},
          **{f"{m}_f16": (case, "float16") for m, case in ZOO.items()}}
TARGETS = {"h100": "sm_90", "a100": "sm_80"}
GEMM_PREFIXES = ("conv2d_", "linear_", "matmul_")

REGS_PER_SM = 65536          # sm_80 and sm_90
REG_GRANULARITY = 256        # registers per warp are allocated in these units
WARP = 32


def _cuda_tool(name):
    found = shutil.which(name)
    if found:
        return found
    fallback = pathlib.Path("/usr/local/cuda/bin") / name
    return str(fallback) if fallback.exists() else None


@pytest.fixture(scope="session")
def ptxas():
    tool = _cuda_tool("ptxas")
    if tool is None:
        pytest.skip("ptxas not found (PATH, /usr/local/cuda/bin)")
    return tool


@pytest.fixture(scope="module")
def zoo_mlir(importer, tmp_path_factory):  # noqa: F811
    """model id -> path of its dnn-dialect module (built once per module)."""
    cases = {case[0]: case for case in CASES}
    cache = {}
    directory = tmp_path_factory.mktemp("zoo")

    def get(model):
        if model not in cache:
            case, precision = MODELS[model]
            _, build, kwargs = cases[case]
            onnx_model = build(num_classes=100, seed=7, **kwargs)
            if precision != "float32":
                onnx_model = models.to_precision(onnx_model, precision)
            path = directory / f"{model}.mlir"
            path.write_text(importer.import_model(onnx_model))
            cache[model] = path
        return cache[model]
    return get


def _graph_stages(target):
    """The passes dnn-gpu-pipeline runs before its NVVM stages (defaults:
    fold-batch-norm and fuse-epilogues on, tail off, no calibration)."""
    return [f"--dnn-attach-target=gpu={target}", "--dnn-fold-batch-norm",
            "--dnn-fuse-epilogues",
            "--dnn-assign-mapping", "--dnn-predict",
            "--dnn-lower-to-gpu=format=isa"]


LAUNCH = re.compile(r"gpu\.launch_func\b.*?@dnn_kernels::@([\w$.]+)(.*)$", re.M)
MAPPING = re.compile(r"dnn\.mapping\s*=\s*#dnn\.mapping<([^>]*)>")
MEMREF = re.compile(r"memref<((?:\d+x)+)[a-z]\w*")


def _launches(text):
    """kernel name -> {"mapping": dict or None, "shapes": [memref dims]} from
    the launch_func ops of dnn-lower-to-gpu's output; a kernel launched
    several times (identical kernels are shared) must always carry the same
    mapping."""
    out = {}
    for name, rest in LAUNCH.findall(text):
        m = MAPPING.search(rest)
        mapping = None
        if m:
            mapping = {}
            for field in m.group(1).split(","):
                key, value = (s.strip() for s in field.split("="))
                mapping[key] = float(value) if "." in value else int(value)
        shapes = [[int(d) for d in dims.rstrip("x").split("x")]
                  for dims in MEMREF.findall(rest.split("{dnn.")[0])]
        entry = {"mapping": mapping, "shapes": shapes}
        if name in out:
            assert out[name]["mapping"] == mapping, (
                f"kernel {name} launched with two mappings: "
                f"{out[name]['mapping']} and {mapping}")
        else:
            out[name] = entry
    return out


@pytest.fixture(scope="module",
                params=[(m, t) for m in MODELS for t in TARGETS],
                ids=[f"{m}-{t}" for m in MODELS for t in TARGETS])
def compiled(request, zoo_mlir, dnn_opt):
    """The model through dnn-gpu-pipeline (format=isa) and, at the same time
    in a second process, through the graph stages and dnn-lower-to-gpu."""
    model, target = request.param
    path = zoo_mlir(model)
    t0 = time.perf_counter()
    procs = {
        "pipeline": subprocess.Popen(
            [dnn_opt, str(path),
             f"--dnn-gpu-pipeline=target={target} format=isa"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        "lowered": subprocess.Popen(
            [dnn_opt, str(path), *_graph_stages(target)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    }
    results = {}
    for key, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        results[key] = (proc.returncode, stdout, stderr)
    return {"model": model, "target": target, "arch": TARGETS[target],
            "seconds": time.perf_counter() - t0, **results}


def _ptx(compiled):
    code, text, err = compiled["pipeline"]
    assert code == 0, f"dnn-gpu-pipeline failed:\n{err[-4000:]}"
    found = list(extract_ptx.binaries(text))
    assert [(name, kind) for name, kind, _ in found] == \
        [("dnn_kernels", "ptx")], "expected one gpu.binary @dnn_kernels (PTX)"
    return found[0][2].decode()


def _kernels(compiled):
    code, text, err = compiled["lowered"]
    assert code == 0, f"dnn-lower-to-gpu failed:\n{err[-4000:]}"
    return _launches(text)


PTXAS_ENTRY = re.compile(r"Compiling entry function '([\w$.]+)'")
PTXAS_SPILLS = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                          r"(\d+) bytes spill loads")
PTXAS_USED = re.compile(r"Used (\d+) registers")
PTXAS_SMEM = re.compile(r"(\d+) bytes smem")


def parse_ptxas(report):
    """ptxas -v's report -> {kernel: {regs, smem, stack, spill_stores,
    spill_loads}}."""
    kernels = {}
    current = None
    for line in report.splitlines():
        if m := PTXAS_ENTRY.search(line):
            current = kernels.setdefault(m.group(1), {"smem": 0})
        elif current is not None and (m := PTXAS_SPILLS.search(line)):
            current["stack"], current["spill_stores"], current["spill_loads"] = \
                map(int, m.groups())
        elif current is not None and (m := PTXAS_USED.search(line)):
            current["regs"] = int(m.group(1))
            if s := PTXAS_SMEM.search(line):
                current["smem"] = int(s.group(1))
    return kernels


@pytest.fixture(scope="module")
def assembled(compiled, ptxas, tmp_path_factory):
    """ptxas -v on the model's PTX: per-kernel registers, spills, smem."""
    ptx = _ptx(compiled)
    directory = tmp_path_factory.mktemp(f"{compiled['model']}-{compiled['arch']}")
    (directory / "kernels.ptx").write_text(ptx)
    result = subprocess.run(
        [ptxas, f"-arch={compiled['arch']}", "-v", str(directory / "kernels.ptx"),
         "-o", str(directory / "kernels.cubin")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"ptxas failed:\n{result.stderr[-4000:]}"
    info = parse_ptxas(result.stdout + result.stderr)
    entries = set(re.findall(r"\.entry\s+([\w$.]+)\s*\(", ptx))
    assert set(info) == entries, "ptxas reported other kernels than the PTX's"
    assert all("regs" in k and "spill_stores" in k for k in info.values()), info
    return info


def _regs_ctas_per_sm(regs, threads):
    """CTAs per SM that the register file allows (per-warp allocation)."""
    per_warp = math.ceil(regs * WARP / REG_GRANULARITY) * REG_GRANULARITY
    return REGS_PER_SM // (per_warp * math.ceil(threads / WARP))


def _gemm_k(name, shapes):
    """The reduction length of a GEMM kernel from its launch's operands:
    conv2d (input, weight FxCgxKhxKw, ...) -> Cg*Kh*Kw; linear and matmul
    (A ...xK, ...) -> A's last dimension. Also the convolution's groups."""
    if name.startswith("conv2d_"):
        weight = shapes[1]
        return math.prod(weight[1:]), shapes[0][1] // weight[1]
    return shapes[0][-1], 1


def _irregular(name, launch):
    """Why a GEMM kernel is outside what the kernel table measured (plain
    GEMMs, several k-tiles, no split-K, no groups), or None."""
    mapping = launch["mapping"]
    k, groups = _gemm_k(name, launch["shapes"])
    if mapping.get("split_k", 1) > 1:
        return f"split-K {mapping['split_k']}"
    if groups > 1:
        return f"{groups} groups"
    if k <= mapping["tile_k"]:
        return f"K={k} <= tile_k"
    return None


def _gemm_rows(compiled, assembled):
    """(name, launch, ptxas info) of every GEMM kernel (those with a mapping)."""
    launches = _kernels(compiled)
    return [(name, launch, assembled[name])
            for name, launch in sorted(launches.items())
            if launch["mapping"] is not None]


def _occupancy_shortfalls(rows):
    bad = []
    for name, launch, info in rows:
        mapping = launch["mapping"]
        got = _regs_ctas_per_sm(info["regs"], mapping["threads"])
        if got < mapping["ctas_per_sm"]:
            bad.append(
                f"{name} ({mapping['tile_m']}x{mapping['tile_n']}x"
                f"{mapping['tile_k']}, {_irregular(name, launch) or 'plain'}): "
                f"{info['regs']} registers (mapping {mapping['regs_per_thread']})"
                f" -> {got} CTAs/SM, mapping {mapping['ctas_per_sm']}")
    return bad


# ---------------------------------------------------------------------------


def test_pipeline_emits_ptx(compiled):
    ptx = _ptx(compiled)
    launches = _kernels(compiled)
    assert f".target {compiled['arch']}" in ptx
    entries = re.findall(r"\.entry\s+([\w$.]+)\s*\(", ptx)
    # The two runs name the kernels alike: the PTX's entries are exactly
    # the kernels the lowering launches.
    assert sorted(entries) == sorted(launches), (
        f"PTX entries {sorted(set(entries) ^ set(launches))} differ from the "
        "lowering's launched kernels")
    gemms = [n for n in entries if n.startswith(GEMM_PREFIXES)]
    assert gemms
    for name in gemms:
        # GEMMs carry their mapping; their split-K reductions have none.
        assert (launches[name]["mapping"] is not None) != \
            ("_splitk_reduce_" in name), (name, launches[name])
    # f16 GEMMs run on the tensor cores (f16 x f16 -> f32 mma.sync), f32
    # ones do not.
    f16 = MODELS[compiled["model"]][1] == "float16"
    bodies = dict(re.findall(r"\.entry\s+([\w$.]+)\s*\((.*?)(?=\.entry|\Z)",
                             ptx, re.S))
    mma = "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"
    for name in gemms:
        if launches[name]["mapping"] is not None:
            assert (mma in bodies[name]) == f16, (name, f16)
    print(f"\n{compiled['model']} {compiled['arch']}: {len(entries)} kernels "
          f"({len(gemms)} GEMM-named), compiled in {compiled['seconds']:.1f} s")


def test_no_spills(compiled, assembled):
    spills = {name: (k["spill_stores"], k["spill_loads"])
              for name, k in assembled.items()
              if k["spill_stores"] or k["spill_loads"]}
    print(f"\n{compiled['model']} {compiled['arch']}: {len(assembled)} kernels, "
          f"max {max(k['regs'] for k in assembled.values())} registers, "
          f"max stack {max(k['stack'] for k in assembled.values())} bytes")
    assert not spills, f"kernels that spill (stores, loads bytes): {spills}"


def test_gemm_smem_matches_mapping(compiled, assembled):
    rows = _gemm_rows(compiled, assembled)
    assert rows
    wrong = [f"{name}: {info['smem']} bytes, mapping "
             f"{launch['mapping']['smem_per_block']}"
             for name, launch, info in rows
             if info["smem"] != launch["mapping"]["smem_per_block"]]
    assert not wrong, "static shared memory differs from the mapping:\n" + \
        "\n".join(wrong)


def test_gemm_launchable_and_model_consistent(compiled, assembled):
    for name, launch, info in _gemm_rows(compiled, assembled):
        mapping = launch["mapping"]
        # At least one CTA of the mapping's size fits the register file, so
        # the launch cannot fail for lack of registers.
        assert _regs_ctas_per_sm(info["regs"], mapping["threads"]) >= 1, \
            (name, info, mapping)
        # The model's own figures agree with the formula used here.
        assert _regs_ctas_per_sm(mapping["regs_per_thread"],
                                 mapping["threads"]) >= mapping["ctas_per_sm"], \
            (name, mapping)


def test_gemm_occupancy_plain(compiled, assembled):
    """Plain GEMM kernels keep the mapping's CTAs per SM."""
    rows = [row for row in _gemm_rows(compiled, assembled)
            if _irregular(row[0], row[1]) is None]
    assert rows
    bad = _occupancy_shortfalls(rows)
    assert not bad, "register occupancy below the mapping's:\n" + "\n".join(bad)


def test_gemm_occupancy_all(compiled, assembled):
    bad = _occupancy_shortfalls(_gemm_rows(compiled, assembled))
    if bad:
        print(f"\n{compiled['model']} {compiled['arch']}: "
              "register occupancy below the mapping's:\n  " + "\n  ".join(bad))
    assert not bad, "register occupancy below the mapping's:\n" + "\n".join(bad)


def test_resnet50_cubin_compile_time(zoo_mlir, dnn_opt, ptxas, tmp_path):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(pathlib.Path(ptxas).parent),
                                   env.get("PATH", "")])
    t0 = time.perf_counter()
    result = subprocess.run(
        [dnn_opt, str(zoo_mlir("resnet50")),
         "--dnn-gpu-pipeline=target=h100 format=bin",
         "-o", str(tmp_path / "resnet50.gpu.mlir")],
        capture_output=True, text=True, timeout=600, env=env)
    seconds = time.perf_counter() - t0
    assert result.returncode == 0, result.stderr[-4000:]
    found = list(extract_ptx.binaries((tmp_path / "resnet50.gpu.mlir").read_text()))
    assert len(found) == 1 and found[0][1] == "cubin"
    assert found[0][2][:4] == b"\x7fELF"
    print(f"\nresnet50 (64x64, batch 1) dnn dialect -> cubin (sm_90): "
          f"{seconds:.1f} s")
    assert seconds < 120
