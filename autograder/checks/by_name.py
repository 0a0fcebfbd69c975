"""A problem set's checks by name: its module imported when they are first asked for.

A problem set's module is imported by name when its checks are first asked
for (:func:`checks_for`), never all six at once: a Gradescope bundle holds its
own problem set's module only (:mod:`autograder.release.gradescope_bundle`),
and each builds its probes as it is imported (ps3's 300-dimensional
covariances take 2.2 s, ps5's 0.7 s, measured with ``python -X importtime``).
"""

from __future__ import annotations

import importlib

from autograder.checks.check import Check
from autograder.model.course import PROBLEM_SETS, problem_set_of


def checks_for(ps: str) -> dict:
    """``grade_id -> Check`` for one problem set, in notebook order."""
    module = importlib.import_module(f"autograder.checks.{ps}")  # by name: see the module docstring
    return {check.grade_id: check for check in module.CHECKS}


def all_checks() -> dict:
    """``grade_id -> Check`` for every problem set of the course, in course order."""
    out = {}
    for ps in PROBLEM_SETS:
        out.update(checks_for(ps))
    return out


def get_check(grade_id: str) -> Check:
    """The :class:`Check` named ``grade_id``.

    Raises
    ------
    KeyError
        When no check of its problem set has that name.
    """
    checks = checks_for(problem_set_of(grade_id))
    if grade_id not in checks:
        raise KeyError(f"no check named {grade_id!r}")
    return checks[grade_id]
