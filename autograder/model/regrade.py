"""A result graded again against an earlier run: the ``"regrade"`` record of results.json, and what it keeps.

Written by the regrade step of ``autograde --previous OLD`` (:mod:`autograder.model.regrade_step`) into each
result of the new run, and read by every output that shows a total or what moved::

    "regrade": {"previous_score": 40.0, "previous_max": 50.0, "keep_higher": true, "kept": true,
                "changes": [{"cell": "softmax-stability", "old": 0.0, "new": 5.0, "reasons": ["check"],
                             "why": "the check was corrected"}],
                "late": "", "total": "", "requests": [{"cell", "message", "decision", "points", "reply", "code", "earlier",
                                          "graded"}]}

``previous_score`` is the earlier run's total for the problem set (after its late penalty), ``None`` when the
student had no earlier result (graded as new). With ``keep_higher`` (``--keep-higher``) the score is never
lower than it: :func:`floor` is the last step of every writer of totals (:func:`autograder.model.penalties.apply`),
so a new due date, hand-graded points or ``late`` recompute the new points and keep the earlier total when it
is still the higher; ``kept`` says it is. The cells keep the points they earned, as with a late penalty: the
student sees what the regrade gave each cell and which total counts.

``requests`` are the instructor's decisions on the student's regrade requests
(:mod:`autograder.model.regrade_requests`): an accepted one set its cell's points, a rejected one changed
nothing; both are shown to the student with the reply. ``code`` is the digest of the student's code the
decision was made on (it holds in later regrades while that code is unchanged); ``earlier``: decided on an
earlier run and carried forward; ``graded``: the points the grader gave the cell, which an accepted request
replaced (so that a later run can undo a decision taken back).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from autograder.model.invariant import known

#: Points closer than this are the same.
SAME = 1e-9
ACCEPT, REJECT = "accept", "reject"
#: Longest text kept from a request or a reply.
MAX_TEXT = 2_000
#: At most this many changes or requests are kept per result.
MAX_ITEMS = 200


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def signed(x: float) -> str:
    """``+5``, ``−2.5``: a change of points as the pages write it."""
    x = round(float(x), 2)
    text = str(int(abs(x))) if abs(x) == int(abs(x)) else f"{abs(x):g}"
    return ("+" if x >= 0 else "−") + text


@dataclass(frozen=True)
class CellChange:
    """One graded cell whose points moved: ``old`` → ``new`` (``None``: no points there, e.g. a new cell or an
    answer awaiting grading), ``reasons`` (codes of :mod:`autograder.model.changes`) and ``why`` in words."""

    cell: str
    old: float | None
    new: float | None
    reasons: tuple[str, ...] = ()
    why: str = ""

    @property
    def delta(self) -> float:
        return (self.new or 0.0) - (self.old or 0.0)

    def line(self) -> str:
        """``softmax-stability +5 — the check was corrected`` (what the student reads)."""
        return f"{self.cell} {signed(self.delta)} — {self.why}" if self.why else f"{self.cell} {signed(self.delta)}"

    def to_json(self) -> dict[str, Any]:
        return {"cell": self.cell, "old": self.old, "new": self.new, "reasons": list(self.reasons), "why": self.why}

    @classmethod
    def from_json(cls, data: Any) -> CellChange | None:
        if not isinstance(data, dict) or not isinstance(data.get("cell"), str):
            return None
        reasons = data.get("reasons")
        return cls(_text(data["cell"], 200), _number(data.get("old")), _number(data.get("new")),
                   tuple(_text(r, 40) for r in reasons[:20] if isinstance(r, str)) if isinstance(reasons, list) else (),
                   _text(data.get("why")))


@dataclass(frozen=True)
class RequestDecision:
    """The instructor's decision on one regrade request about one cell (see the module docstring)."""

    cell: str
    message: str
    decision: str  # ACCEPT or REJECT
    points: float | None = None  # ACCEPT: the cell's points
    reply: str = ""
    code: str = ""
    earlier: bool = False
    graded: float | None = None  # the points the grader gave the cell (an accepted request replaced them)

    @property
    def accepted(self) -> bool:
        return self.decision == ACCEPT and self.points is not None

    def to_json(self) -> dict[str, Any]:
        return {"cell": self.cell, "message": self.message, "decision": self.decision, "points": self.points,
                "reply": self.reply, "code": self.code, "earlier": self.earlier, "graded": self.graded}

    @classmethod
    def from_json(cls, data: Any) -> RequestDecision | None:
        if not isinstance(data, dict) or data.get("decision") not in (ACCEPT, REJECT):
            return None
        return cls(_text(data.get("cell"), 200), _text(data.get("message")), data["decision"],
                   _number(data.get("points")), _text(data.get("reply")), _text(data.get("code"), 64),
                   data.get("earlier") is True, _number(data.get("graded")))


@dataclass(frozen=True)
class Regrade:
    """The ``regrade`` record of one result (see the module docstring)."""

    previous_score: float | None = None
    previous_max: float | None = None
    keep_higher: bool = False
    kept: bool = False
    changes: tuple[CellChange, ...] = ()
    late: str = ""  # how the late penalty moved, in words ("" when it did not)
    total: str = ""  # how the total moved otherwise (an earlier total kept before, hand grades not read), in words
    requests: tuple[RequestDecision, ...] = field(default=())

    @property
    def new(self) -> bool:
        """The student had no earlier result for this problem set."""
        return self.previous_score is None

    def to_json(self) -> dict[str, Any]:
        return {"previous_score": self.previous_score, "previous_max": self.previous_max,
                "keep_higher": self.keep_higher, "kept": self.kept, "changes": [c.to_json() for c in self.changes],
                "late": self.late, "total": self.total, "requests": [r.to_json() for r in self.requests]}

    @classmethod
    def from_json(cls, data: object) -> Regrade | None:
        """Tolerant and bounded: None unless ``data`` is an object."""
        if not isinstance(data, dict):
            return None

        def items(key: str, make: Any) -> tuple[Any, ...]:
            raw = data.get(key)
            found = (make(x) for x in raw[:MAX_ITEMS]) if isinstance(raw, list) else ()
            return tuple(x for x in found if x is not None)

        return cls(_number(data.get("previous_score")), _number(data.get("previous_max")),
                   data.get("keep_higher") is True, data.get("kept") is True, items("changes", CellChange.from_json),
                   _text(data.get("late")), _text(data.get("total")), items("requests", RequestDecision.from_json))


def floor(regrade: Regrade | None, score: float) -> tuple[float, Regrade | None]:
    """``(score, regrade record)`` of a result whose regrade record is ``regrade`` and whose points after any late
    penalty are ``score``: the earlier total when ``--keep-higher`` keeps it (it is higher), else ``score``;
    ``kept`` says which."""
    if regrade is None or not regrade.keep_higher or regrade.previous_score is None:
        return score, regrade
    kept = regrade.previous_score > score + SAME
    record = regrade if kept == regrade.kept else dataclasses.replace(regrade, kept=kept)
    return (known(regrade.previous_score, "checked above") if kept else score), record


def earned(tests: Iterable[Any]) -> float:
    """The points ``tests`` earned (pending answers 0): a result's score before any penalty or kept total."""
    return float(sum(t.earned for t in tests))
