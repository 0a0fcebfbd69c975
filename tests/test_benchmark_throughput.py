"""``benchmarks/grading_throughput.py`` runs end to end on a tiny batch (no timing is asserted): one student,
one problem set (``--assignment``), both graders, the same per-cell scores, the speedup line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import PROBLEM_SETS, ROOT

PS = PROBLEM_SETS[0]

SCRIPT = ROOT / "benchmarks" / "grading_throughput.py"


@pytest.mark.slow
def test_benchmark_runs_and_reports_the_speedup(tmp_path):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--students", "1", "--workers", "2", "--assignment", PS,
                           "--keep", str(tmp_path / "kept")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert re.fullmatch(r"speedup vs nbgrader: \d+(\.\d+)?x", lines[-1]), lines[-1]
    text = proc.stdout
    n = 1  # 1 student x 1 problem set
    assert f"= {n} notebooks" in text and f"nbgrader autograde: {n} notebooks" in text, text
    assert "per-cell scores: identical" in text, text
    # --keep kept both course folders: nbgrader's gradebook and autograded notebooks, our results
    kept = tmp_path / "kept"
    assert (kept / "nbgrader-course" / "gradebook.db").is_file()
    assert len(list((kept / "nbgrader-course" / "autograded").glob("*/*/*.ipynb"))) == n
    assert len(list((kept / "engine-course" / "results").glob("*/*/results.json"))) == n
    assert sorted(p.name for p in (kept / "nbgrader-course" / "release").iterdir()) == [PS]
