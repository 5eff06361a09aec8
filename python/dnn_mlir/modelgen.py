"""Small dnn-dialect modules for sweeps and calibration, and running dnn-opt.

Everything the performance-model tools share lives here:

* writing single-layer functions (`conv2d_func`, `linear_func`) and joining
  them into one module (`module`), so that a whole sweep is one dnn-opt run;
* running ``dnn-opt --dnn-attach-target --dnn-assign-mapping --dnn-predict``
  on such a module and returning the JSON report (`predict`), whose schema is
  docs/report-schema.md;
* writing a calibration file that ``loadModelParams`` accepts
  (`write_calibration`) and asking dnn-opt for its kernel table
  (`known_configs`).

Standard library only.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import tempfile
from typing import Iterable, Mapping, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Element type spellings accepted on the command line and in the CSV files.
_DTYPES = {
    "f32": "f32", "float32": "f32", "float": "f32", "fp32": "f32",
    "f16": "f16", "float16": "f16", "half": "f16", "fp16": "f16",
    "bf16": "bf16", "bfloat16": "bf16",
    "f64": "f64", "float64": "f64", "double": "f64",
}

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$.]*$")


class DnnOptError(RuntimeError):
    """dnn-opt failed; the message holds its command line and stderr."""


def mlir_dtype(name: str) -> str:
    """The MLIR element type for `name` ("float32", "f16", ...)."""
    try:
        return _DTYPES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown dtype '{name}'; known: "
                         f"{', '.join(sorted(set(_DTYPES)))}") from None


def _tensor(shape: Sequence[int], dtype: str) -> str:
    return "tensor<" + "x".join(str(int(d)) for d in shape) + "x" + dtype + ">"


def _check_symbol(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"'{name}' is not a valid function name")
    return name


def conv_output_size(size: int, kernel: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1) -> int:
    """Output extent of a convolution along one spatial dimension."""
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span) // stride + 1
    if out < 1:
        raise ValueError(f"convolution of {size} with kernel {kernel}, stride "
                         f"{stride}, padding {padding} has no output")
    return out


def conv2d_func(name: str, *, batch: int, cin: int, hw: int, cout: int,
                kernel: int = 3, stride: int = 1, padding: int | None = None,
                dtype: str = "f32", loc: str | None = None) -> str:
    """A function `@name` holding one NCHW `dnn.conv2d` (square input and
    kernel, no bias). `padding` defaults to kernel // 2 ("same" for odd
    kernels at stride 1, as in torchvision's ResNets). The op's location is
    `loc` (default: `name`), which becomes its name in the report."""
    t = mlir_dtype(dtype)
    pad = kernel // 2 if padding is None else padding
    out_hw = conv_output_size(hw, kernel, stride, pad)
    x = _tensor([batch, cin, hw, hw], t)
    w = _tensor([cout, cin, kernel, kernel], t)
    y = _tensor([batch, cout, out_hw, out_hw], t)
    attrs = []
    if pad:
        attrs.append(f"padding = array<i64: {pad}, {pad}, {pad}, {pad}>")
    if stride != 1:
        attrs.append(f"strides = array<i64: {stride}, {stride}>")
    attr_text = " {" + ", ".join(attrs) + "}" if attrs else ""
    return (f"func.func @{_check_symbol(name)}(%x: {x}, %w: {w}) -> {y} {{\n"
            f"  %y = dnn.conv2d %x, %w{attr_text} : ({x}, {w}) -> {y}"
            f" loc({json.dumps(loc or name)})\n"
            f"  return %y : {y}\n"
            f"}}\n")


def linear_func(name: str, *, m: int, n: int, k: int, dtype: str = "f32",
                loc: str | None = None) -> str:
    """A function `@name` holding one `dnn.linear`: x[m x k] times the
    transposed weight w[n x k], no bias: a GEMM of shape (m, n, k)."""
    t = mlir_dtype(dtype)
    x = _tensor([m, k], t)
    w = _tensor([n, k], t)
    y = _tensor([m, n], t)
    return (f"func.func @{_check_symbol(name)}(%x: {x}, %w: {w}) -> {y} {{\n"
            f"  %y = dnn.linear %x, %w : ({x}, {w}) -> {y}"
            f" loc({json.dumps(loc or name)})\n"
            f"  return %y : {y}\n"
            f"}}\n")


def module(funcs: Iterable[str]) -> str:
    """One module holding the given functions."""
    body = "".join("  " + line if line else line
                   for f in funcs for line in f.splitlines(keepends=True))
    return "module {\n" + body + "}\n"


def find_dnn_opt(dnn_opt: str | os.PathLike | None = None) -> str:
    """`dnn_opt` if given, else $DNN_OPT, else $DNN_BUILD_DIR/bin/dnn-opt
    (default build/) under the repository root."""
    if dnn_opt:
        return str(dnn_opt)
    if os.environ.get("DNN_OPT"):
        return os.environ["DNN_OPT"]
    build = pathlib.Path(os.environ.get("DNN_BUILD_DIR", ROOT / "build"))
    if not build.is_absolute():
        build = ROOT / build
    tool = build / "bin" / "dnn-opt"
    if not tool.exists():
        raise FileNotFoundError(f"dnn-opt not found at {tool}: build it "
                                f"(ninja -C build) or set DNN_OPT")
    return str(tool)


def _option_value(value: str | os.PathLike) -> str:
    """A pass-option value, quoted with braces if it has spaces."""
    text = str(value)
    return "{" + text + "}" if any(c in text for c in " ,{}") else text


def _pass_flag(name: str, options: Mapping[str, object]) -> str:
    opts = [f"{k}={_option_value(v)}" for k, v in options.items()
            if v is not None and v != ""]
    return f"--{name}" + ("=" + " ".join(opts) if opts else "")


def run_dnn_opt(args: Sequence[str], *, input_text: str | None = None,
                dnn_opt: str | None = None, timeout: float = 300) -> str:
    """Runs dnn-opt with `args` (reading `input_text` from stdin when given)
    and returns its stdout; raises DnnOptError when it fails."""
    cmd = [find_dnn_opt(dnn_opt), *args]
    proc = subprocess.run(cmd, input=input_text, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        err = proc.stderr.strip()
        # Keep the diagnostic, not the module dump that follows it.
        err = "\n".join(err.splitlines()[:20])
        raise DnnOptError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return proc.stdout


def predict_args(report: str | os.PathLike, *, gpu: str = "h100",
                 config: str | None = None, split_k: int | None = None,
                 calibration: str | os.PathLike | None = None) -> list[str]:
    """The dnn-opt flags of the prediction flow, writing the JSON report to
    `report`."""
    return [
        _pass_flag("dnn-attach-target", {"gpu": gpu}),
        _pass_flag("dnn-assign-mapping", {"calibration": calibration,
                                          "config": config,
                                          "split-k": split_k}),
        _pass_flag("dnn-predict", {"calibration": calibration,
                                   "report": report}),
        "-o", os.devnull,
    ]


def predict(module_text: str, *, gpu: str = "h100", config: str | None = None,
            split_k: int | None = None,
            calibration: str | os.PathLike | None = None,
            dnn_opt: str | None = None, keep: str | os.PathLike | None = None,
            timeout: float = 300) -> dict:
    """Runs the prediction flow on `module_text` in one dnn-opt call and
    returns the parsed report (docs/report-schema.md). `keep`: a directory to
    leave the module (model.mlir) and report (report.json) in."""
    with tempfile.TemporaryDirectory(prefix="dnn-predict-") as tmp:
        out_dir = pathlib.Path(keep) if keep else pathlib.Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        src = out_dir / "model.mlir"
        src.write_text(module_text)
        report = out_dir / "report.json"
        if report.exists():
            report.unlink()
        run_dnn_opt([str(src), *predict_args(report, gpu=gpu, config=config,
                                             split_k=split_k,
                                             calibration=calibration)],
                    dnn_opt=dnn_opt, timeout=timeout)
        return read_report(report)


def read_report(path: str | os.PathLike) -> dict:
    """The report JSON written by dnn-predict{report=...}; checks the schema
    version this module understands."""
    data = json.loads(pathlib.Path(path).read_text())
    version = data.get("schema_version")
    if version != 1:
        raise ValueError(f"{path}: report schema_version {version}, "
                         f"this tool reads version 1")
    return data


def ops_by_name(report: Mapping) -> dict[str, dict]:
    """The report's ops keyed by name (names must be unique)."""
    ops = {}
    for op in report["ops"]:
        if op["name"] in ops:
            raise ValueError(f"duplicate op name '{op['name']}' in the report")
        ops[op["name"]] = op
    return ops


def known_configs(dnn_opt: str | None = None) -> list[str]:
    """The names of the kernel configurations in dnn-opt's table, in its
    order (read from the diagnostic for an unknown config)."""
    probe = module([linear_func("probe", m=1, n=1, k=1)])
    cmd = [find_dnn_opt(dnn_opt), "-", "--dnn-attach-target=gpu=h100",
           "--dnn-assign-mapping=config=no-such-config", "-o", os.devnull]
    proc = subprocess.run(cmd, input=probe, capture_output=True, text=True,
                          timeout=60)
    match = re.search(r"known: ([^\n]+)", proc.stderr)
    if proc.returncode == 0 or not match:
        raise DnnOptError("cannot read the kernel table from dnn-opt:\n"
                          + proc.stderr[:2000])
    return [n.strip() for n in match.group(1).split(",") if n.strip()]


def write_calibration(path: str | os.PathLike, *,
                      configs: Mapping[str, tuple[float, float]] | None = None,
                      extra: Mapping[str, object] | None = None,
                      **params: float) -> pathlib.Path:
    """Writes a calibration file for loadModelParams: model constants given as
    keyword arguments (launch_us=..., memory_efficiency=..., ...), per-config
    (compute_efficiency, co_resident_cost) in `configs`, and `extra`
    (informational keys that dnn-opt ignores)."""
    data: dict[str, object] = {}
    if extra:
        data.update(extra)
    data.update({k: float(v) for k, v in params.items() if v is not None})
    if configs:
        data["configs"] = {
            name: {"compute_efficiency": float(eff),
                   "co_resident_cost": float(cost)}
            for name, (eff, cost) in configs.items()}
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
