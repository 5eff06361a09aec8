"""Shared fixtures: where the built tools are; helpers of the tests of the
utils/bench-gpu scripts."""
import importlib.util
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


def _tool(name):
    build = pathlib.Path(os.environ.get("DNN_BUILD_DIR", ROOT / "build"))
    if not build.is_absolute():
        build = ROOT / build
    tool = build / "bin" / name
    if not tool.exists():
        pytest.fail(f"{name} not built at {tool}: run utils/setup.sh first")
    return str(tool)


@pytest.fixture(scope="session")
def dnn_opt():
    return _tool("dnn-opt")


@pytest.fixture(scope="session")
def dnn_run():
    return _tool("dnn-run")


@pytest.fixture(scope="session")
def build_dir(dnn_opt):
    return pathlib.Path(dnn_opt).parents[1]


@pytest.fixture(scope="session")
def fake_cuda(build_dir):
    lib = build_dir / "lib" / "libdnn_fake_cuda.so"
    if not lib.exists():
        pytest.skip("the fake CUDA driver is not built")
    return str(lib)


def address_space_limit(nbytes: int):
    """A preexec_fn for subprocess.run that caps the child's address space at
    `nbytes`, so a runaway allocation fails inside the tool (the hostile-input
    suites require a diagnostic, not an OOM kill)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    return limit


def load_script(path: pathlib.Path, name: str):
    """The script at `path` imported as module `name` (utils/ scripts are
    not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def compile_ready(build: pathlib.Path) -> str | None:
    """Why dnn-compile cannot link a model here, or None."""
    script = build / "bin" / "dnn-compile"
    if not script.exists():
        return "dnn-compile is not built"
    text = script.read_text()
    m = re.search(r'"runtime_archive": "([^"@]*)"', text)
    archives = [m.group(1)] if m and m.group(1) else []
    archives.append(str(build / "lib" / "libDNNCudaRuntime.a"))
    if not any(pathlib.Path(a).is_file() for a in archives):
        return "the CUDA runtime archive (libDNNCudaRuntime.a) is not built"
    m = re.search(r'"cxx": "([^"@]*)"', text)
    cxx = m.group(1) if m and m.group(1) else "c++"
    if not (pathlib.Path(cxx).is_file() or shutil.which(cxx)):
        return f"no C++ compiler ({cxx})"
    return None


def find_torch_python() -> "str | None":
    """A Python with torch and numpy: $DNN_TORCH_PYTHON (e.g. Debian's
    python3-torch) or this one."""
    for python in (os.environ.get("DNN_TORCH_PYTHON"), sys.executable):
        if not python:
            continue
        probe = subprocess.run([python, "-c", "import torch, numpy"],
                               capture_output=True, timeout=120)
        if probe.returncode == 0:
            return python
    return None
