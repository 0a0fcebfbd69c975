"""Hidden checks: one module per problem set, each a tuple of :class:`Check` data.

``run_check(grade_id, globals())`` is what a notebook's hidden test block
calls inside the student's kernel (plain ``nbgrader autograde``): it
evaluates the check against the notebook's namespace and raises
``AssertionError`` with the message and hint when it fails. The grading
engine evaluates the same checks from the trusted side instead.

A problem set's module is imported by name when its checks are first asked
for (:func:`checks_for`), never all six here: a Gradescope bundle holds its own
problem set's module only (:mod:`autograder.release.gradescope_bundle`), and
each builds its probes as it is imported (ps3's 300-dimensional covariances
take 2.2 s, ps5's 0.7 s, measured with ``python -X importtime``).
"""

from __future__ import annotations

import importlib

from autograder.checks import kernel
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.model.course import PROBLEM_SETS, problem_set_of
from autograder.sandbox import guard

__all__ = ["all_checks", "checks_for", "get_check", "run_check"]


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


def get_check(grade_id: str):
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


def run_check(grade_id: str, namespace: dict) -> None:
    """Evaluate one check against a notebook namespace (in-kernel grading).

    Returns ``None`` on purpose: a value would become the cell's
    ``execute_result``, which ``nbgrader autograde`` reads as a partial score.

    In an IPython kernel it also makes the following graded cells run as a
    whole with errors carried forward (:mod:`autograder.checks.kernel`).

    Raises
    ------
    AssertionError
        With the student-facing message and hint, when the check fails; saying why nothing is graded on an
        interpreter whose forbidden functions cannot be made unusable
        (:func:`autograder.sandbox.guard.unsupported`).
    """
    why = guard.unsupported()
    if why is not None:
        raise AssertionError(f"not graded: {why}")

    kernel.install()  # from the next graded cell on, its visible asserts carry errors forward too
    with kernel.set_aside():
        result = evaluate(get_check(grade_id), LocalTarget(namespace))
    if not result.passed:
        raise AssertionError(result.feedback())
    print(result.message)
