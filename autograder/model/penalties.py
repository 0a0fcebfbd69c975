"""The late-penalty step: a course's deadlines applied to graded results, never to the grading.

A penalty is a function of (the points earned, the submission time, the due date,
the extension, the policy), all data; this is where it is computed. Every writer
of totals runs it first (:func:`autograder.reports.after_grading.write_reports` before grades.csv,
the pages, the gradebook and ``--json``; ``export`` and the Gradescope run before their
files), so moving a due date, granting an extension or changing the policy and
writing the reports again recomputes every total without running a notebook.

For one result with a due date (with the student's extension) :math:`D`, a submission
time :math:`t` and raw points :math:`s` (autograded and hand-graded so far),

.. math:: \\text{late} = \\max(0, t - D), \\qquad \\text{score} = s - \\text{penalty}(s, \\text{late})

where the penalty is the policy's, bounded to :math:`[0, s]` as nbgrader bounds it.
Edge cases: no due date for the problem set → no ``late`` record and the raw score;
no readable time → status ``unknown_time``, the raw score, and the submission flagged; a time the student
wrote is read with the course's zone and judged first (:func:`autograder.model.submission_time.judged`:
an implausible one, or one that repeats the stamp of another of the student's submissions, is flagged and read
the stricter way; a plausible one is read as when it reached the grader unless the course accepts claimed
times, so that a claim never earns what the platform's record would not);
an unreadable or incomplete results.json is left alone (it is graded again on resume).

Under ``autograde --previous OLD --keep-higher`` the score is then floored at the earlier run's total
(:func:`autograder.model.regrade.floor`), the last step, so that every writer keeps it the same way.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from autograder.model.lateness import GRACE, LATE, ON_TIME, UNKNOWN_TIME, Lateness
from autograder.model.regrade import floor
from autograder.model.submission_time import STRICTER, judged

if TYPE_CHECKING:
    from autograder.model.deadlines import Deadlines
    from autograder.model.results import SubmissionResult


def assess(result: SubmissionResult, deadlines: Deadlines | None, repeats: str = "") -> Lateness | None:
    """What ``deadlines`` make of one :class:`~autograder.model.results.SubmissionResult` (None: no due date).
    ``repeats``: the student's other submissions whose claimed time this one's repeats (:func:`repeated_claims`)."""
    if deadlines is None or not result.complete:
        return None
    due, extension = deadlines.due_for(result.student, result.assignment)
    if due is None:
        return None
    raw, policy, t = result.raw_score, deadlines.policy, result.submitted
    if t is not None:
        t = judged(t, due, getattr(deadlines, "zone", ""), getattr(deadlines, "released", {}).get(result.assignment),
                   claims=getattr(deadlines, "claimed_times", STRICTER), repeats=repeats)
    record: dict[str, Any] = dict(
        due=due, extension_s=extension.total_seconds(), raw_score=raw, policy=policy.describe(),
        source=deadlines.source, time_source=t.source if t is not None else "",
        time_detail=t.detail if t is not None else "no submission time was recorded when it was graded",
        time_trusted=t.trusted if t is not None else True, time_flag=t.flag if t is not None else "",
        time_claimed=t.claimed if t is not None else None,
        claims_accepted=t is not None and not t.trusted and getattr(deadlines, "claimed_times", STRICTER) != STRICTER)
    if t is None or not t.known or t.at is None:  # (known: a time, never None)
        return Lateness(UNKNOWN_TIME, submitted=None, seconds_late=0.0, penalty=0.0, **record)
    seconds_late = max(0.0, (t.at - due).total_seconds())
    if seconds_late == 0:
        return Lateness(ON_TIME, submitted=t.at, seconds_late=0.0, penalty=0.0, **record)
    penalty = policy.penalty(result.student, result.assignment, raw, result.max_score, seconds_late)
    status = GRACE if penalty is None and seconds_late <= getattr(policy, "grace_s", 0.0) else LATE
    return Lateness(status, submitted=t.at, seconds_late=seconds_late, penalty=float(penalty or 0.0), **record)


def apply(result: SubmissionResult, deadlines: Deadlines | None, repeats: str = "") -> SubmissionResult:
    """``result`` with its ``late`` record and ``score`` recomputed from its raw score (a copy; the same
    object when nothing changes)."""
    if not result.complete:
        return result
    late = assess(result, deadlines, repeats)
    score, regrade = floor(result.regrade, result.raw_score - (late.penalty if late is not None else 0.0))
    if late == result.late and score == result.score and regrade == result.regrade:
        return result
    return dataclasses.replace(result, score=score, late=late, regrade=regrade)


def apply_all(results: Iterable[SubmissionResult],
              deadlines: Deadlines | None) -> tuple[list[SubmissionResult], list[SubmissionResult]]:
    """``(results, changed)``: every result after :func:`apply`, and those that changed (to write back). A claimed
    time that repeats another of the student's submissions is flagged (:func:`repeated_claims`)."""
    results = list(results)
    repeats = repeated_claims(results)
    out: list[SubmissionResult] = []
    changed: list[SubmissionResult] = []
    for r in results:
        new = apply(r, deadlines, repeats.get((r.student, r.assignment), ""))
        out.append(new)
        if new is not r:
            changed.append(new)
    return out, changed


def repeated_claims(results: Iterable[SubmissionResult]) -> dict[tuple[str, str], str]:
    """``(student, problem set) -> "ps2_cross_entropy submission"`` for each claimed time whose text another of the
    student's submissions claims too: nbgrader writes a new stamp, to the microsecond, at every ``nbgrader submit``,
    so one stamp on two problem sets was copied (a folder handed in again under another name)."""
    by_claim: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in results:
        t = r.submitted
        if t is not None and not t.trusted and t.raw.strip():
            by_claim[(r.student, t.raw.strip())].append(r.assignment)
    out: dict[tuple[str, str], str] = {}
    for (student, _), sets in by_claim.items():
        for ps in sets:
            others = sorted(set(sets) - {ps})
            if others:
                out[(student, ps)] = " and ".join(others) + (" submission" if len(others) == 1 else " submissions")
    return out
