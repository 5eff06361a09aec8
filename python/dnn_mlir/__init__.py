"""Python helpers around dnn-opt: writing small dnn-dialect modules, running
the performance-model passes and reading their JSON report.

The package has no dependencies beyond the standard library; the scripts in
utils/ (plot_staircase.py, calibrate.py) add numpy and matplotlib on top.
"""

from . import modelgen  # noqa: F401

__all__ = ["modelgen"]
