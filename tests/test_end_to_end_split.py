"""``make test`` leaves the end-to-end tests out and says so; ``--end-to-end`` brings them back (tests/conftest.py).

The end-to-end tests (:data:`tests.conftest.END_TO_END`: stock nbgrader, a browser, the platforms, the attack
batches, the benchmarks) are two thirds of the suite's CPU; ``make test`` runs the rest in a few minutes,
``make test-e2e`` only them, ``make test-all`` both, and ``.ci/run`` both parts. What must hold: the table names
real modules, a test that asks for stock nbgrader is end to end wherever it is written, and a run that leaves
tests out ends by saying how many and how to run them, with pytest-xdist's two workers as ``make test`` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

from autograder.model.course import ROOT
from tests.conftest import END_TO_END

#: one module of each kind
FAST, E2E = "tests/test_load.py", "tests/test_parity.py"


def _pytest(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _collected(*args: str) -> list[str]:
    proc = _pytest("--co", "-q", "-p", "no:xdist", *args)
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_every_end_to_end_module_exists():
    missing = [name for names in END_TO_END.values() for name in names if not (ROOT / "tests" / f"{name}.py").is_file()]
    assert missing == [], f"tests/conftest.py END_TO_END names modules that are not in tests/: {missing}"


def test_a_test_asking_for_stock_nbgrader_is_end_to_end_wherever_it_is():
    fast = _collected("tests/test_release.py")
    full = _collected("tests/test_release.py", "--end-to-end")
    assert [t for t in full if t not in fast] == ["tests/test_release.py::test_same_bytes_as_stock_nbgrader"]


def test_end_to_end_flag_selects_all_and_the_marker_only_them():
    e2e = _collected(E2E, "--end-to-end")
    fast = _collected(FAST)
    assert e2e and fast
    assert _collected(FAST, E2E) == fast
    # (sorted: the run order puts the stock-nbgrader group first)
    assert sorted(_collected(FAST, E2E, "--end-to-end")) == sorted(fast + e2e)
    assert sorted(_collected(FAST, E2E, "--end-to-end", "-m", "end_to_end")) == sorted(e2e)


def test_a_run_that_leaves_tests_out_says_how_many_and_how_to_run_them():
    left_out = len(_collected(E2E, "--end-to-end"))
    proc = _pytest("-n", "2", "-q", FAST, E2E)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert any(line.startswith(f"end to end: {left_out} test(s) not run here (stock nbgrader, a browser")
               and "`make test-e2e` runs them" in line for line in lines[-4:]), proc.stdout[-3000:]
