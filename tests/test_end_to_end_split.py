"""``make test`` leaves the end-to-end tests out and says so; ``--end-to-end`` brings them back (tests/conftest.py).

The end-to-end tests (:data:`tests.conftest.END_TO_END`: stock nbgrader, a browser, the platforms, the attack
batches, the benchmarks) are two thirds of the suite's CPU; ``make test`` runs the rest in a few minutes,
``make test-e2e`` only them, ``make test-all`` both, and ``.ci/run`` both parts. What must hold: the table names
real modules, a test that asks for stock nbgrader is end to end wherever it is written, a file named on the
command line runs whatever it is (a developer who asks for ``tests/test_parity.py`` gets it), and a run that
leaves tests out ends by saying how many and how to run them, with pytest-xdist's two workers as ``make test``
runs. The split is run on a small suite of the same layout (``tests/`` with modules named as the real ones and
the real hooks), so that this module does not collect the whole suite again and again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import ROOT
from tests.conftest import END_TO_END

CONFTEST = """\
import pytest
from tests.conftest import (  # noqa: F401 (the hooks under test)
    pytest_addoption, pytest_collection_modifyitems, pytest_configure, pytest_terminal_summary, pytest_testnodedown)

@pytest.fixture
def stock_nbgrader():
    return {}
"""
MODULES = {
    "test_load.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n",  # fast
    "test_parity.py": "def test_c():\n    pass\n\ndef test_d():\n    pass\n\ndef test_e():\n    pass\n",  # end to end
    # fast, but for one test asking for stock nbgrader
    "test_release.py": "def test_f():\n    pass\n\ndef test_g(stock_nbgrader):\n    pass\n",
}
FAST = {"tests/test_load.py::test_a", "tests/test_load.py::test_b", "tests/test_release.py::test_f"}
E2E = {"tests/test_parity.py::test_c", "tests/test_parity.py::test_d", "tests/test_parity.py::test_e",
       "tests/test_release.py::test_g"}


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("suite")
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text(CONFTEST)
    for name, source in MODULES.items():
        (root / "tests" / name).write_text(source)
    return root


def _pytest(suite: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(suite), *args],
                          cwd=suite, env=env, capture_output=True, text=True, timeout=120)


def _collected(suite: Path, *args: str) -> set[str]:
    proc = _pytest(suite, "--co", "-q", "-p", "no:xdist", *args)
    return {line for line in proc.stdout.splitlines() if "::" in line}


def test_every_end_to_end_module_exists():
    missing = [name for names in END_TO_END.values() for name in names if not (ROOT / "tests" / f"{name}.py").is_file()]
    assert missing == [], f"tests/conftest.py END_TO_END names modules that are not in tests/: {missing}"


def test_without_the_flag_only_the_fast_tests_are_collected(suite):
    assert _collected(suite, "tests") == FAST  # test_g asks for stock nbgrader: end to end in a fast module


def test_the_flag_brings_them_back_and_the_marker_selects_only_them(suite):
    assert _collected(suite, "tests", "--end-to-end") == FAST | E2E
    assert _collected(suite, "tests", "--end-to-end", "-m", "end_to_end") == E2E


def test_a_file_named_on_the_command_line_runs_whatever_it_is(suite):
    assert _collected(suite, "tests/test_parity.py") == {t for t in E2E if "parity" in t}
    assert _collected(suite, "tests/test_release.py::test_g") == {"tests/test_release.py::test_g"}


def test_a_run_that_leaves_tests_out_says_how_many_and_how_to_run_them(suite):
    proc = _pytest(suite, "-n", "2", "-q", "tests")
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert lines[-3].startswith(f"end to end: {len(E2E)} test(s) not run here (stock nbgrader, a browser"), lines
    assert "`make test-e2e` runs them" in lines[-3]
    assert lines[-1].startswith(f"{len(FAST)} passed"), lines
    # -k first: the line counts the end-to-end tests this run would have run
    lines = _pytest(suite, "-q", "-p", "no:xdist", "tests", "-k", "test_c or test_a").stdout.strip().splitlines()
    assert lines[-3].startswith("end to end: 1 test(s) not run here"), lines
