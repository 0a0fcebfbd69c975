"""Circles of carried-forward functions: a check that passed only because two functions answered for each other.

Decided in the trusted process from the calls the grader answered (never from
the child's word): ``log_softmax`` through ``logsumexp`` and back computes
nothing, and neither earns the reference's credit for the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from autograder.checks.check import Check, CheckResult
from autograder.perimeter.child_runtime.carry_forward import leads_to


def circle(function: str, answered: Iterable[str], calls: Mapping[str | None, Iterable[str]]) -> str | None:
    """The carried-forward function whose answers ``function``'s check used although it calls ``function``
    back, or None.

    ``answered``: the functions answered by the reference while ``function``'s
    check ran; ``calls``: for each function under test, the contract functions
    it asked for during its own checks (answered or not). A callee that leads to
    ``function`` in ``calls`` (directly or through others) does not compute
    its result on its own: crediting ``function`` with the reference's answer
    for it would credit a circle of functions, none of which computes anything
    (``logsumexp`` through ``log_softmax`` and back, however the names are
    looked up). Decided from the calls actually made, after every check ran.
    """
    for callee in dict.fromkeys(answered):
        if leads_to(calls, callee, function):
            return callee
    return None


def circle_result(check: Check, callee: str) -> CheckResult:
    """The result of a check that passed only through a circle (see :func:`circle`)."""
    return CheckResult(
        check.grade_id, check.function, False,
        f"{check.function}: its result came from `{callee}`, answered as if it were correct, but your `{callee}` "
        f"itself calls `{check.function}`: a circle of functions defined through each other, none of which "
        "computes the result, earns no points.",
        f"Compute `{check.function}` without calling `{callee}`, or write `{callee}` without calling "
        f"`{check.function}`.",
        "circle",
    )
