"""In plain nbgrader's kernel a graded cell shows warnings on stdout: nbgrader scores any stderr output 0.

Found by the full-zoo parity run: `ps4-bce-log-one-minus-y` passed `binary_cross_entropy-shape`'s visible asserts
and its check in nbgrader's kernel, and got 0 there for the RuntimeWarning its log(1 − y) printed to stderr, where
our engine gave the point (a warning costs the cells whose checks judge warnings, which fail through their own
errors). Here the kernel hook's two steps are run as IPython runs them around a cell, with a namespace for the
shell's.
"""

from __future__ import annotations

import sys
import warnings
from types import SimpleNamespace

import numpy as np

from autograder.checks import nbgrader_kernel


def _log_of_zero() -> float:
    return float(np.log(np.zeros(1))[0])


def _on_stderr(message, category, filename, lineno, file=None, line=None):
    """What Python's own ``showwarning`` does in a kernel (pytest's capture replaces it during tests)."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _cell(raw_cell: str, capsys) -> tuple[str, str]:
    """(stdout, stderr) of a cell ``raw_cell`` that warns, run between the kernel hook's two steps."""
    nbgrader_kernel._pre_run_cell(SimpleNamespace(raw_cell=raw_cell))
    try:
        _log_of_zero()
    finally:
        nbgrader_kernel._post_run_cell()
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_a_graded_cells_warnings_go_to_stdout_and_other_cells_are_untouched(capsys, monkeypatch):
    shell = SimpleNamespace(user_ns={"binary_cross_entropy": lambda p, y: 0.0})
    monkeypatch.setattr(nbgrader_kernel, "_shell", lambda: shell)
    monkeypatch.setattr(nbgrader_kernel, "_PRISTINE", {})  # (no shell's transformers to put back: not IPython)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _on_stderr
        before = warnings.showwarning
        out, err = _cell('run_check("binary_cross_entropy-shape", globals())', capsys)
        assert "divide by zero encountered in log" in out and err == ""
        assert warnings.showwarning is before
        out, err = _cell("x = 1", capsys)  # not a graded cell: as Python shows it
        assert "divide by zero encountered in log" in err and out == ""
