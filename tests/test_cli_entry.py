"""autograder/cli.py: both entry points (``python -m autograder`` and the ``probdl-autograder`` script, which calls
``cli.main``) set one BLAS thread before a command loads NumPy, unless the caller chose a number."""

import os
import subprocess
import sys

import pytest

from autograder import cli
from autograder.model.course import ROOT

BLAS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: what the script's entry point does (pyproject.toml [project.scripts]), then NumPy loaded as a command would load it
PROBE = """
import os
from autograder import cli
try:
    cli.main(["--help"])
except SystemExit:
    pass
import numpy
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


def test_main_sets_one_blas_thread_before_numpy_loads():
    env = {k: v for k, v in os.environ.items() if k not in BLAS}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    assert out[0] == "1", out
    if sys.platform == "linux":
        assert out[1] == "1", f"NumPy started BLAS threads: {out}"


def test_a_number_the_caller_chose_stays(monkeypatch: pytest.MonkeyPatch):
    for var in BLAS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    cli.one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
