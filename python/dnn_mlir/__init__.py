"""Python tools of dnn-mlir.

* `modelgen`: writing small dnn-dialect modules, running the
  performance-model passes of dnn-opt and reading their JSON report
  (standard library only).
* `importer`: the ONNX importer (`dnn-import`, docs/importer.md), which needs
  numpy and onnx. `import_model`, `import_to_file` and `OnnxImportError` are
  re-exported here, loaded on first use, so ``import dnn_mlir`` itself still
  needs nothing beyond the standard library.

The scripts in utils/ (plot_staircase.py, calibrate.py) add numpy and
matplotlib on top.
"""

from . import modelgen  # noqa: F401

__all__ = ["modelgen", "importer", "import_model", "import_to_file",
           "OnnxImportError"]

_IMPORTER_NAMES = ("import_model", "import_to_file", "OnnxImportError")


def __getattr__(name):
    # Lazy: numpy and onnx are loaded only when the importer is used.
    if name == "importer" or name in _IMPORTER_NAMES:
        import importlib
        module = importlib.import_module(f"{__name__}.importer")
        return module if name == "importer" else getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
