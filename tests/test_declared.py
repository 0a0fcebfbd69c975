"""The course is declared once and complete: the fast check (``python -m tests.declared``) finds nothing to write.

``tests/declared.py`` names, for each problem set, what a function still lacks (with the file to write and what to
write there), what the course's limits say must give, and what is left over from a function taken out; here it
runs on the course itself, fast. ``tests/test_add_a_function.py`` runs it in copies of the course changed as an
instructor changes them.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from autograder.model.course import PROBLEM_SETS, ROOT
from tests.declared import left_over, missing, must_give


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_is_declared_everywhere_it_must_be(ps):
    assert missing(ps) == [], "\n".join(missing(ps))


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_no_limit_of_the_course_is_broken_and_nothing_is_left_over(ps):
    assert must_give(ps) == [] and left_over(ps) == [], (must_give(ps), left_over(ps))


def test_the_fast_check_runs_as_a_command():
    """``python -m tests.declared`` says "nothing to write" for every set and exits 0 (its time is printed, not
    judged: about 2 s on this 2-core machine, against the minute the issue allows)."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tests.declared"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    print(f"\npython -m tests.declared: {time.monotonic() - start:.1f} s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("nothing to write") == len(PROBLEM_SETS), done.stdout
