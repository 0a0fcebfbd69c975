"""The benchmark script runs (quick sizes) and reports every contract function.

Timings are machine- and load-dependent: nothing here asserts on them.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import ALL_FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "reference_vs_scipy.py"

FUNCTIONS = ALL_FUNCTIONS  # every contract function, in course order

NUMBER = r"(\d+(?:\.\d+)?)"


def test_quick_benchmark_prints_a_ratio_line_per_function():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for name in FUNCTIONS:
        # "<function>  <size>  <ours ms>  <peer ms>  <ours/peer>  ..."
        row = re.compile(rf"^{name}\s+\S+\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s")
        matches = [m for m in map(row.match, lines) if m]
        assert len(matches) == 1, f"no single ratio line for {name} in:\n{proc.stdout}"
        ours, peer, ratio = map(float, matches[0].groups())
        assert ours > 0 and peer > 0 and ratio > 0


def test_the_purity_reading_benchmark_prints_its_ratio():
    """benchmarks/purity_reading.py (quick size): milliseconds per notebook of both readings and their ratio."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "purity_reading.py"), "--students", "2",
                           "--rounds", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"^static reading \(forbidden uses\): {NUMBER} ms per notebook", proc.stdout, re.M), proc.stdout
    assert re.search(rf"^purity reading \(in-place writes\): {NUMBER} ms per notebook", proc.stdout, re.M), proc.stdout
    ratio = re.search(rf"^purity/static: {NUMBER}x$", proc.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, proc.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="makes PID namespaces and returns from them: root only (CI runs as root)")
def test_the_child_forks_benchmark_prints_both_ways_and_their_ratio():
    """benchmarks/child_forks.py (a few rounds): milliseconds per child made each way and their ratio."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "child_forks.py"), "--rounds", "6"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for way in ("outer parent", "thin init"):
        assert re.search(rf"^{way}: {NUMBER} ms per child \({NUMBER} CPU ms\)$", proc.stdout, re.M), proc.stdout
    ratio = re.search(rf"^outer parent/thin init: {NUMBER}x$", proc.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, proc.stdout


def test_the_dask_benchmark_prints_its_ratio_and_the_sizing():
    """benchmarks/dask_throughput.py (one student, one problem set): both ways graded alike, the ratio, and
    the cores a class of each size needs."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "dask_throughput.py"), "--students", "2",
                           "--rounds", "1", "--assignment", "ps1_softmax"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "grades: identical cell by cell" in proc.stdout
    assert re.search(rf"^local engine: {NUMBER} CPU ms per notebook", proc.stdout, re.M), proc.stdout
    for size in ("1,000", "10,000", "100,000"):
        assert re.search(rf"^a class of {size} students .* in 10 minutes: [\d,]+ cores", proc.stdout, re.M)
    ratio = re.search(rf"^dask vs local: {NUMBER}x$", proc.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, proc.stdout


def test_the_phases_script_times_every_step_of_a_small_batch(tmp_path):
    """benchmarks/batch_phases.py on two example students' ps1: every wrapped step is printed with its start,
    duration and share, and the notebooks graded (their count and span). Times are not judged."""
    submitted = tmp_path / "submitted"
    for student in ("ada", "ben"):
        shutil.copytree(ROOT / "examples" / "submissions" / student / "ps1_softmax", submitted / student / "ps1_softmax")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_phases.py"), str(submitted),
                           "--out", str(tmp_path / "results"), "--timeout", "30"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    for label in ("problem sets loaded", "grade_batch (the whole grading)", "batch files", "reports (all of them)",
                  "feedback pages", "report.html"):
        assert re.search(rf"^\s*{re.escape(label)}.*\s{NUMBER}\s+{NUMBER}\s+{NUMBER}%", out, re.M), (label, out)
    assert re.search(r"^notebooks graded: 2\s", out, re.M), out


def test_the_phases_benchmark_prints_every_layer_the_floor_and_the_ratio():
    """benchmarks/grading_phases.py (one student, one problem set): CPU ms a notebook of each layer of issue 85's
    table, the zygote's size and a child's cost, the floor and the ratio to the nbgrader figure given."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grading_phases.py"), "--students", "2",
                           "--assignment", "ps1_softmax", "--runs", "1", "--forks", "3", "--nbgrader-ms", "3500"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    for layer in ("the work itself", "the student's own code", "the checks bookkeeping", "  invoke:",
                  "  forbidden-use walks", "  hints", "  purity", "  stub_failure", "wire:", "the cells",
                  "  the static reading", "the process boundary", "fixed start per batch", "reports",
                  "the whole command"):
        row = re.search(rf"^{re.escape(layer)}.*\s{NUMBER}$", proc.stdout, re.M)
        assert row, f"no row for {layer!r} in:\n{proc.stdout}"
    assert float(re.search(rf"^the work itself.*\s{NUMBER}$", proc.stdout, re.M).group(1)) > 0
    assert re.search(rf"^the zygote: {NUMBER} MB resident .* a child .*: {NUMBER} CPU ms, {NUMBER} ms$", proc.stdout,
                     re.M), proc.stdout
    ratio = re.search(rf"^CPU a notebook vs nbgrader: {NUMBER}x$", proc.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, proc.stdout
