"""A problem set's checks by name: its module imported when they are first asked for.

A problem set's module is imported by name when its checks are first asked
for (:func:`checks_for`), never all six at once: a Gradescope bundle holds its
own problem set's module only (:mod:`autograder.release.gradescope_bundle`),
and each builds its probes as it is imported (ps3's 300-dimensional
covariances take 2.2 s, ps5's 0.7 s, measured with ``python -X importtime``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from autograder.checks.check import Check
from autograder.checks.declaration import FunctionChecks
from autograder.model.course import PROBLEM_SETS, problem_set_of


def checks_for(ps: str) -> dict:
    """``grade_id -> Check`` for one problem set, in notebook order."""
    module = importlib.import_module(f"autograder.checks.{ps}")  # by name: see the module docstring
    return {check.grade_id: check for check in module.CHECKS}


def declarations_for(ps: str) -> dict[str, FunctionChecks]:
    """``function -> FunctionChecks`` for one problem set, in notebook order: the declaration of each function its
    checks test (the module's ``PS.function(…)`` of that name)."""
    module = importlib.import_module(f"autograder.checks.{ps}")  # by name: see the module docstring
    declared = {value.name: value for value in vars(module).values() if isinstance(value, FunctionChecks)}
    return {fn: declared[fn] for fn in dict.fromkeys(check.function for check in module.CHECKS) if fn in declared}


def all_declarations() -> dict[str, FunctionChecks]:
    """``function -> FunctionChecks`` for every problem set of the course, in course order."""
    out = {}
    for ps in PROBLEM_SETS:
        out.update(declarations_for(ps))
    return out


def armed(checks: Mapping[str, Check]) -> tuple[str, ...]:
    """The forbidden names made unusable in the process that runs a problem set's student code (``checks``: its
    ``grade_id -> Check``): those every one of its functions forbids. A name only some of them forbid
    (:attr:`FunctionChecks.own_forbidden`) is judged by reading the function that may not use it, so that the
    others keep using it (a ready-made softplus forbidden to a ``softplus`` and allowed inside a loss)."""
    by_function: dict[str, set] = {}
    for check in checks.values():
        by_function.setdefault(check.function, set()).update(check.forbidden)
    common = set.intersection(*by_function.values()) if by_function else set()
    return tuple(sorted(common))


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
