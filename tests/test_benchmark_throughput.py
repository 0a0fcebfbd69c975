"""``benchmarks/grading_throughput.py`` runs end to end on a tiny batch (no timing is asserted): one student,
one problem set (``--assignment``), both graders, the same per-cell scores, the speedup line.

The script is run as ``python benchmarks/grading_throughput.py …`` runs it (``runpy`` as ``__main__``, its
arguments in ``sys.argv``), in the test's own interpreter: its imports (NumPy, SciPy, the bug zoo: ~2.5
CPU-s of a fresh interpreter) are already done here; both graders still run as their own commands.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

import pytest

from autograder.model.course import PROBLEM_SETS, ROOT

PS = PROBLEM_SETS[0]

SCRIPT = ROOT / "benchmarks" / "grading_throughput.py"


@pytest.mark.slow
def test_benchmark_runs_and_reports_the_speedup(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--students", "1", "--workers", "2", "--assignment", PS,
                                      "--keep", str(tmp_path / "kept")])
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts the repository first on it
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.out[-2000:] + out.err[-3000:]
    text = out.out
    lines = text.strip().splitlines()
    assert re.fullmatch(r"speedup vs nbgrader: \d+(\.\d+)?x", lines[-1]), lines[-1]
    assert re.fullmatch(r"CPU a notebook vs nbgrader: \d+(\.\d+)?x", lines[-2]), lines[-2]
    n = 1  # 1 student x 1 problem set
    assert f"= {n} notebooks" in text and f"nbgrader autograde: {n} notebooks" in text, text
    assert "per-cell scores: identical" in text, text
    # --keep kept both course folders: nbgrader's gradebook and autograded notebooks, our results
    kept = tmp_path / "kept"
    assert (kept / "nbgrader-course" / "gradebook.db").is_file()
    assert len(list((kept / "nbgrader-course" / "autograded").glob("*/*/*.ipynb"))) == n
    assert len(list((kept / "engine-course" / "results").glob("*/*/results.json"))) == n
    assert sorted(p.name for p in (kept / "nbgrader-course" / "release").iterdir()) == [PS]
