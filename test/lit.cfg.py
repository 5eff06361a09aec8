# -*- Python -*-
# lit configuration of the dnn-mlir regression tests.

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "DNN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dnn_obj_root, "test")
config.excludes = ["Inputs", "consumer", "CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.shlib_ext))
config.substitutions.append(("%dnn_src_root", config.dnn_src_root))
config.substitutions.append(("%dnn_obj_root", config.dnn_obj_root))
config.substitutions.append(("%dnn_lib_dir", config.dnn_lib_dir))
config.substitutions.append(("%mlir_cmake_dir", config.mlir_cmake_dir))
config.substitutions.append(("%cmake_generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cxx_compiler))
# The Python that runs lit, for helper scripts (they need no packages).
config.substitutions.append(("%python", sys.executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# Tools: ours first, then LLVM's (FileCheck, not, mlir-opt, ...).
llvm_config.with_environment("PATH", config.dnn_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.dnn_tools_dir, config.llvm_tools_dir]
tools = [
    "dnn-opt",
    "dnn-run",
    "dnn-bench",
    "dnn-compile",
    "dnn-fuzz-replay",
    "dnn-capi-test",
    ToolSubst("mlir-opt", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Features for tests that need optional tools.
if config.dnn_have_ptxas:
    config.available_features.add("ptxas")
    # The longer name first: lit substitutes in order.
    config.substitutions.append(("%dnn_ptxas_dir",
                                 os.path.dirname(config.dnn_ptxas)))
    config.substitutions.append(("%dnn_ptxas", config.dnn_ptxas))
if config.dnn_have_cuda:
    config.available_features.add("cuda")
if config.dnn_have_capi:
    config.available_features.add("capi")
# The sanitizer build (utils/sanitize.sh, docs/robustness.md). LLVM's
# allocators, inlined into our instrumented code, poison memory that
# Debian's uninstrumented libMLIR.so then uses legitimately: user poisoning
# is switched off. Leak reports would list MLIR's process-lifetime
# registries, so leak checking is off as well.
if config.dnn_sanitizers:
    config.available_features.add("sanitizers")
    config.environment["ASAN_OPTIONS"] = (
        "allow_user_poisoning=0:detect_leaks=0:abort_on_error=1")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
# The CUDA runtime (lib/Runtime) and the fake driver its tests load in place
# of libcuda (docs/runtime.md).
if config.dnn_have_runtime:
    config.available_features.add("dnn-runtime")
    config.substitutions.append(("%dnn_fake_cuda", config.dnn_fake_cuda))
# A real GPU (with its driver) for the tests that run compiled models.
if config.dnn_have_runtime and (os.path.exists("/dev/nvidia0") or
                                os.path.exists("/dev/nvidiactl")):
    config.available_features.add("cuda-device")
if shutil.which("cmake"):
    config.available_features.add("cmake")

# mlir-runner and its support libraries, from the LLVM dnn-mlir builds
# against: the feature `mlir-runner` and the substitutions
# %mlir_c_runner_utils / %mlir_runner_utils (the names upstream's
# integration tests use), for tests that run code compiled by upstream
# pipelines such as the sparsifier.

runner = shutil.which("mlir-runner", path=config.llvm_tools_dir)
if runner:
    lib_dir = os.path.join(os.path.dirname(os.path.realpath(runner)),
                           os.pardir, "lib")
    libs = [os.path.normpath(os.path.join(lib_dir, name + config.shlib_ext))
            for name in ("libmlir_c_runner_utils", "libmlir_runner_utils")]
    if all(os.path.exists(lib) for lib in libs):
        config.available_features.add("mlir-runner")
        config.substitutions.append(("%mlir_c_runner_utils", libs[0]))
        config.substitutions.append(("%mlir_runner_utils", libs[1]))
