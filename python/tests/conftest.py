"""Shared fixtures: where the built tools are."""
import os
import pathlib

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
