"""The suite's last line before pytest's counts names every reason a test was skipped (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

from autograder.model.course import ROOT
from tests.conftest import skip_line

CONFTEST = "from tests.conftest import pytest_terminal_summary  # noqa: F401 (the hook under test)\n"
TESTS = '''
import pytest

needs_x = pytest.mark.skipif(True, reason="no x installed (apt-get install x)")

@needs_x
def test_a():
    pass

@needs_x
def test_b():
    pass

def test_c():
    pytest.skip("the host has one core")

def test_d():
    pass
'''


def test_skip_line_counts_each_reason():
    def skipped(reason):
        return SimpleNamespace(skipped=True, longrepr=("t.py", 3, f"Skipped: {reason}"))

    reports = [skipped("b"), skipped("a"), skipped("b"), SimpleNamespace(skipped=False, longrepr=None)]
    assert skip_line(reports) == "skipped: 3 test(s): 2 × b; 1 × a"
    assert skip_line([]) == "skipped: none"


def test_a_run_ends_with_the_skip_reasons(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_some.py").write_text(TESTS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("1 passed, 3 skipped"), proc.stdout
    assert lines[-2] == ("skipped: 3 test(s): 2 × no x installed (apt-get install x); 1 × the host has one core"), proc.stdout
