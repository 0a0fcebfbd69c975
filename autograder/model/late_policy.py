"""The built-in late policies: nbgrader's two, a deduction per hour or per day with a cap, a grace period.

A policy turns *how late* into *how many points off*, given the points the
submission earned and the problem set's points. Every policy, built in here or
an nbgrader ``LateSubmissionPlugin`` (wrapped by :mod:`autograder.nbgrader_io.course_deadlines`),
answers :meth:`LatePolicy.penalty` and ends with nbgrader's own bound
(``AssignLatePenalties._check_late_penalty``): a penalty below 0 is 0, one
above the score is the score, so a total never goes below 0.

=============  =================================================================
``none``       no penalty (nbgrader's default ``penalty_method``)
``zero``       the whole score (nbgrader's ``penalty_method = "zero"``)
``per_hour``   ``deduct`` per started hour late, at most ``cap``
``per_day``    ``deduct`` per started day (24 h) late, at most ``cap``
=============  =================================================================

For the last two, with :math:`s` seconds late and a period of :math:`T` seconds,

.. math:: \\text{penalty} = \\min\\bigl(\\lceil s / T \\rceil \\cdot d,\\; c\\bigr)

where :math:`d` and :math:`c` are points, or percentages of the problem set's
points (``max_score``): ``"10%"`` of a 29-point set is 2.9 points. Every policy
has a ``grace`` (seconds late that cost nothing; beyond it lateness still counts
from the due date) and ``zero_after`` (later than that, the whole score).

Edge cases: exactly on the due date is on time (0 s late); a submission 1 µs
late is one started hour/day late; ``cap`` defaults to no cap (the score bounds it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

METHODS = ("none", "zero", "per_hour", "per_day")
PERIOD_S = {"per_hour": 3600.0, "per_day": 86400.0}


def bounded(penalty: float | None, score: float) -> float | None:
    """nbgrader's bound on a penalty (``AssignLatePenalties._check_late_penalty``): below 0 → 0, above the
    score → the score; None (no penalty) stays None."""
    if penalty is None:
        return None
    if penalty < 0:
        return 0.0
    return float(score) if penalty > score else float(penalty)


def duration_words(seconds: float) -> str:
    """``97200 -> "27 h"``, ``90 -> "2 min"``, ``583200 -> "6 d 18 h"``: how late, as people say it
    (rounded up to the minute below an hour, to the hour below two days)."""
    seconds = max(0.0, float(seconds))
    if seconds < 3600:
        return f"{max(1, math.ceil(seconds / 60))} min"
    if seconds < 2 * 86400:
        return f"{math.ceil(seconds / 3600)} h"
    days, rest = divmod(math.ceil(seconds / 3600), 24)
    return f"{days} d" + (f" {rest} h" if rest else "")


class Policy(Protocol):
    """What a late policy answers: :class:`LatePolicy`, or the wrapper of an nbgrader late-penalty plugin."""

    def penalty(self, student: str, assignment: str, score: float, max_score: float,
                seconds_late: float) -> float | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Amount:
    """Points (``percent=False``) or a percentage of the problem set's points."""

    value: float
    percent: bool = False

    def points(self, max_score: float) -> float:
        return self.value * float(max_score) / 100.0 if self.percent else self.value

    def __str__(self) -> str:
        text = f"{self.value:g}"
        return f"{text}%" if self.percent else f"{text} point{'s' if self.value != 1 else ''}"


@dataclass(frozen=True)
class LatePolicy:
    """A built-in policy (see the module docstring); frozen data, read from the course's file."""

    method: str = "none"
    deduct: Amount = Amount(0.0)
    cap: Amount | None = None
    grace_s: float = 0.0
    zero_after_s: float | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method: expected one of {', '.join(METHODS)}, not {self.method!r}")
        if self.deduct.value < 0 or (self.cap is not None and self.cap.value < 0):
            raise ValueError("deduct and cap: expected amounts >= 0")
        if self.grace_s < 0 or (self.zero_after_s is not None and self.zero_after_s < 0):
            raise ValueError("grace and zero_after: expected durations >= 0")

    def penalty(self, student: str, assignment: str, score: float, max_score: float,
                seconds_late: float) -> float | None:
        """Points off for ``seconds_late`` (> 0) on a submission that earned ``score`` of ``max_score``;
        None when nothing is deducted (on time, within the grace period, method ``none``)."""
        if seconds_late <= 0 or seconds_late <= self.grace_s:
            return None
        if self.method == "zero" or (self.zero_after_s is not None and seconds_late > self.zero_after_s):
            return bounded(score, score)
        if self.method == "none":
            return None
        periods = math.ceil(seconds_late / PERIOD_S[self.method])
        amount = periods * self.deduct.points(max_score)
        if self.cap is not None:
            amount = min(amount, self.cap.points(max_score))
        return bounded(amount, score)

    def describe(self) -> str:
        """The policy in one line, for the pages (``"10% per started day late, at most 50%"``)."""
        if self.method == "zero":
            text = "a late submission scores 0"
        elif self.method == "none":
            text = "no late penalty"
        else:
            text = f"{self.deduct} off per started {'hour' if self.method == 'per_hour' else 'day'} late"
            if self.cap is not None:
                text += f", at most {self.cap}"
        if self.zero_after_s is not None and self.method != "zero":
            text += f"; 0 when more than {duration_words(self.zero_after_s)} late"
        if self.grace_s:
            text += f"; a grace period of {duration_words(self.grace_s)}"
        return text
