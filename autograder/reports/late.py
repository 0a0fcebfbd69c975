"""A class's submissions against their due dates, for the class report, the terminal and ``--json``.

Read from each result's ``late`` record (:mod:`autograder.model.lateness`), which the
late-penalty step wrote (:mod:`autograder.model.penalties`): nothing is computed again
here, so every output lists the same submissions with the same penalties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from autograder.model.lateness import GRACE, LATE, ON_TIME, UNKNOWN_TIME
from autograder.model.results import SubmissionResult, fmt_points


def entries(results: Iterable[SubmissionResult], claimed: bool = False) -> list[dict[str, Any]]:
    """The submissions that were not simply on time — late, or of unknown time; with ``claimed`` (the class
    report), every one timed by a claim or flagged too, on time or not, its line saying how the time was read —,
    in the results' order: ``{"student", "assignment", "status", "short", "line", "raw_score", "penalty",
    "score", "max_score", "result"}``."""
    out = []
    for r in results:
        late = r.late
        if late is None or (late.status == ON_TIME and not (claimed and (late.claimed or late.time_flag))):
            continue
        out.append({"student": r.student, "assignment": r.assignment, "status": late.status, "short": late.short(),
                    "line": late.line(), "raw_score": late.raw_score, "penalty": late.penalty, "score": r.score,
                    "max_score": r.max_score, "result": r})
    return out


def class_lateness(results: Iterable[SubmissionResult]) -> dict[str, Any] | None:
    """``{"source", "policies", "submissions", "on_time", "late", "penalised", "grace", "unknown_time", "claimed",
    "points_off"}`` for ``--json`` and the pages (``claimed``: times only the student vouches for); None when no
    problem set of these results has a due date."""
    dated = [r.late for r in results if r.late is not None]  # (the records: None left out, for mypy too)
    if not dated:
        return None
    count = {s: sum(1 for late in dated if late.status == s) for s in (ON_TIME, LATE, GRACE, UNKNOWN_TIME)}
    return {
        "source": sorted({late.source for late in dated if late.source}),
        "policies": sorted({late.policy for late in dated if late.policy}),
        "submissions": len(dated),
        "on_time": count[ON_TIME],
        "late": count[LATE] + count[GRACE],
        "penalised": sum(1 for late in dated if late.penalised),
        "grace": count[GRACE],
        "unknown_time": count[UNKNOWN_TIME],
        "claimed": sum(1 for late in dated if late.claimed),
        "points_off": float(sum(late.penalty for late in dated)),
    }


def headline(info: Mapping[str, Any]) -> str:
    """One line about the class's deadlines (``info`` from :func:`class_lateness`)."""
    parts = [f"{info['late']} late of {info['submissions']} with a due date"]
    if info["penalised"]:
        parts.append(f"{info['penalised']} with a penalty ({fmt_points(info['points_off'])} points off in all)")
    if info["unknown_time"]:
        parts.append(f"{info['unknown_time']} with no readable submission time (no penalty applied, to check)")
    if info.get("claimed"):
        parts.append(f"{info['claimed']} timed by the student's own claim (each listed in the class report, with "
                     "how it was read)")
    where = "; ".join(info["source"])
    policy = "; ".join(info["policies"])
    return "Deadlines: " + ", ".join(parts) + "." + (f" Policy: {policy}." if policy else "") + \
        (f" From {where}." if where else "")
