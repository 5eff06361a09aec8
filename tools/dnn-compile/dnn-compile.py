#!/usr/bin/env python3
"""dnn-compile: ahead-of-time compile a dnn model into a shared library.

    dnn-compile model.mlir --target=h100 -o model.so [options]

writes model.so (host code, the kernels' PTX or cubin embedded, the dnn CUDA
runtime linked in statically) and model.weights beside it; the library
follows dnn/Runtime/ModelABI.h and runs with dnn-bench or any program that
dlopens it. Nothing but the NVIDIA driver is needed where it runs.

Steps (each tool's diagnostics are passed through; --keep DIR keeps the
intermediate files):
  1. dnn-opt --dnn-gpu-pipeline="target=... format=... weights-file=..."
  2. mlir-translate --mlir-to-llvmir
  3. llc -O2 -relocation-model=pic -filetype=obj
  4. c++ -shared (the object and libDNNCudaRuntime.a; exports limited to
     the model ABI, the runtime API and mgpu*)
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
# Filled in by CMake (configure_file); empty when run from the source tree.
CONFIG = {
    "llvm_tools": "@LLVM_TOOLS_BINARY_DIR@",
    "runtime_archive": "@DNN_RUNTIME_ARCHIVE@",
    "cxx": "@CMAKE_CXX_COMPILER@",
}


def configured(key: str) -> str:
    value = CONFIG[key]
    return "" if value.startswith("@") else value


def find_tool(name: str, *dirs: str) -> str:
    for d in dirs:
        if d and (pathlib.Path(d) / name).is_file():
            return str(pathlib.Path(d) / name)
    found = shutil.which(name)
    if not found:
        sys.exit(f"dnn-compile: error: cannot find {name}")
    return found


def runtime_archive() -> str:
    candidates = [configured("runtime_archive"),
                  str(HERE.parent / "lib" / "libDNNCudaRuntime.a")]
    for c in candidates:
        if c and pathlib.Path(c).is_file():
            return c
    sys.exit("dnn-compile: error: the dnn CUDA runtime (libDNNCudaRuntime.a) "
             "was not built: configure with CUDA found (cuda.h) to build it")


def run(cmd: list[str], verbose: bool, what: str) -> None:
    if verbose:
        print("+ " + " ".join(cmd), file=sys.stderr)
    start = time.perf_counter()
    proc = subprocess.run(cmd)
    if verbose:
        print(f"  {what}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    if proc.returncode != 0:
        sys.exit(f"dnn-compile: error: {what} failed (exit {proc.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="dnn-compile",
        description="Compile a dnn model (MLIR) into a shared library for "
                    "an NVIDIA GPU (docs/aot.md).")
    parser.add_argument("input", help="model in the dnn dialect (.mlir)")
    parser.add_argument("-o", "--output", required=True,
                        help="the shared library to write (model.so)")
    parser.add_argument("--target", default="",
                        help="GPU preset (h100, a100, ...) or #dnn.gpu; "
                             "default: the module's dnn.target")
    parser.add_argument("--format", choices=["isa", "bin"], default="isa",
                        help="embed PTX (JIT-compiled by the driver at load) "
                             "or a cubin (needs ptxas here)")
    parser.add_argument("--chip", default="",
                        help="PTX architecture; default: the target's")
    parser.add_argument("--tail", default="off",
                        choices=["off", "prune", "pad", "auto"],
                        help="run dnn-tail-aware-channels in this mode")
    parser.add_argument("--rnn-level", default="auto",
                        choices=["auto", "unfused", "hoisted", "persistent"],
                        help="dnn-fuse-rnn level of the recurrent layers "
                             "(auto: the fastest feasible, or the level a "
                             "layer's dnn.rnn_fusion pins)")
    parser.add_argument("--report", default="",
                        help="dnn-predict report (JSON file, - for a table)")
    parser.add_argument("--weights", default="",
                        help="weights file (default: the output with .so "
                             "replaced by .weights)")
    parser.add_argument("--pipeline-options", default="",
                        help="more dnn-gpu-pipeline options, e.g. "
                             "'fold-batch-norm=false entry=main'")
    parser.add_argument("--keep", default="",
                        help="keep the intermediate files in this folder")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    source = pathlib.Path(args.input)
    if not source.is_file():
        sys.exit(f"dnn-compile: error: no such file: {source}")
    output = pathlib.Path(args.output)
    weights = pathlib.Path(args.weights) if args.weights else \
        output.with_suffix(".weights")

    dnn_opt = find_tool("dnn-opt", str(HERE))
    tools = configured("llvm_tools")
    translate = find_tool("mlir-translate", tools, "/usr/lib/llvm-22/bin")
    llc = find_tool("llc", tools, "/usr/lib/llvm-22/bin")
    cxx = configured("cxx") or shutil.which("c++") or "c++"
    archive = runtime_archive()

    options = [f"format={args.format}", f"weights-file={weights}",
               f"tail={args.tail}", f"rnn-level={args.rnn_level}"]
    if args.target:
        options.append(f"target={args.target}")
    if args.chip:
        options.append(f"chip={args.chip}")
    if args.report:
        options.append(f"report={args.report}")
    if args.pipeline_options:
        options.append(args.pipeline_options)

    with tempfile.TemporaryDirectory(prefix="dnn-compile-") as tmp:
        work = pathlib.Path(args.keep) if args.keep else pathlib.Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        lowered, ir, obj = (work / "model.llvm.mlir", work / "model.ll",
                            work / "model.o")
        output.parent.mkdir(parents=True, exist_ok=True)
        run([dnn_opt, str(source),
             "--dnn-gpu-pipeline=" + " ".join(options), "-o", str(lowered)],
            args.verbose, "dnn-opt (dnn-gpu-pipeline)")
        run([translate, "--mlir-to-llvmir", str(lowered), "-o", str(ir)],
            args.verbose, "mlir-translate")
        run([llc, "-O2", "-relocation-model=pic", "-filetype=obj", str(ir),
             "-o", str(obj)], args.verbose, "llc")
        # Self-contained: every symbol resolved now (--no-undefined), the
        # runtime linked in, only the model ABI, the runtime API and the
        # mgpu* functions exported, bound to this library's own copies
        # (-Bsymbolic); at load it needs libc and libstdc++ (GLIBCXX 3.4.29,
        # GCC 11 or newer) only. Static libstdc++ would pull in symbols of
        # the newest glibc here, which older GPU machines lack.
        exports = work / "exports.map"
        exports.write_text("{\n  global: dnn_model_*; dnnrt*; mgpu*;\n"
                           "  local: *;\n};\n")
        run([cxx, "-shared", "-o", str(output), str(obj), archive,
             "-Wl,--no-undefined", "-Wl,-Bsymbolic",
             f"-Wl,--version-script={exports}", "-ldl"], args.verbose, "link")
    return 0


if __name__ == "__main__":
    sys.exit(main())
