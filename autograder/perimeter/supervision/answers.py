"""A child's answers to the checks' requests, decoded: plain data the trusted side can use, whatever was sent.

The perimeter's trusted half. :class:`~autograder.engine.remote_target.RemoteTarget`
sends the checks' requests through the submission's
:class:`~.session.Session` (``defined``, ``forbidden``, ``call``, ``calls``);
each answer is the child's word, so it is read here into what the checks
take and nothing more: a definition's verdict as text, the forbidden names a
function uses among those asked about, a call's outcome as an
:class:`~autograder.perimeter.child_runtime.invoke.Outcome` of plain numbers
(:func:`~autograder.perimeter.child_runtime.wire.outcome_from_wire` bounds
every field). An answer that is not what was asked for reads as the grader
not knowing, never as credit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.invoke import Outcome


def error_text(reply: dict[str, Any], otherwise: str, limit: int = 500) -> str:
    """The ``error`` of a child's reply, cut to ``limit`` characters; ``otherwise`` when it is not text (the
    child's word: a forged reply could hold anything, e.g. a buffer whose repr shows this process's memory)."""
    error = reply.get("error")
    return error[:limit] if isinstance(error, str) and error else otherwise


def definition(reply: dict[str, Any]) -> str:
    """What a ``defined`` answer says of the function ('' when it is defined, else why not)."""
    why = reply.get("why")
    return why if isinstance(why, str) else "the grader could not tell"


def uses(reply: dict[str, Any], names: Collection[str]) -> set[str]:
    """The names of a ``forbidden`` answer that are among the ``names`` asked about (nothing else counts)."""
    used = reply.get("used", [])
    return {u for u in used if u in names} if isinstance(used, list) else set()


def call_outcome(reply: dict[str, Any], carried: tuple[str, ...] = ()) -> Outcome:
    """A call's outcome from its answer, with ``carried`` (the functions the grader's reference answered for it,
    the session's own record): an answer without one is the grader's failure, and values that are not plain
    numbers are a return of something that is not."""
    if "outcome" not in reply:
        return Outcome(status="raised", error_type="GraderError", error_message=error_text(reply, "no outcome", 300))
    try:
        outcome = wire.outcome_from_wire(reply["outcome"], Outcome)
    except wire.WireError as exc:
        return Outcome(status="returned", value=None, value_type=f"something that is not plain numbers ({exc})")
    return replace(outcome, carried=carried)


def evidence_outcome(reply: dict[str, Any]) -> Outcome | None:
    """A look-ahead answer read for a hint's evidence: its outcome, or None when it has none that reads."""
    try:
        return wire.outcome_from_wire(reply["outcome"], Outcome) if "outcome" in reply else None
    except wire.WireError:
        return None
