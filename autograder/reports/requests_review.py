"""``review.html``: each regrade request beside what it is about, for the instructor deciding it.

Per request (:class:`~autograder.model.regrade_requests.Matched`, in the file's order): the student's message;
the graded cell's feedback as the student saw it (points, message, hint); the check's verdict (passed or the
kind of failure); the student's graded code of the cell's function (without the template's docstrings, as on
the feedback page); a link to the feedback page; any decision already taken on the cell; and the row of
``decisions.csv`` to fill. Requests whose student, problem set or cell is unknown are listed first, with why,
never dropped. The markup is ``templates/review.html.j2`` (Jinja2, autoescaped: the requests come from outside
and every value is escaped; the page runs no script and loads nothing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model.course import function_of
from autograder.model.files import FEEDBACK_FILE, StrPath, write_atomic
from autograder.model.regrade_requests import NO_CELL, Matched
from autograder.model.results import fmt_points
from autograder.reports._html import render
from autograder.reports.feedback import without_docstrings

REVIEW_HTML = "review.html"


def _href(m: Matched, out_dir: StrPath) -> str | None:
    if m.result is None or m.result.folder is None:
        return None
    return os.path.relpath(m.result.folder / FEEDBACK_FILE, out_dir).replace(os.sep, "/")


def _item(index: int, m: Matched, out_dir: StrPath) -> dict[str, Any]:
    q, t, r = m.request, m.test, m.result
    code = r.student_code.get(function_of(q.cell)) if r is not None and q.cell else None
    earlier = [d for d in (r.regrade.requests if r is not None and r.regrade is not None else ()) if d.cell == q.cell]
    verdict = None
    if t is not None:
        verdict = ("awaiting grading by hand" if t.pending else "graded by hand" if t.manual else
                   "passed" if t.passed else f"failed ({t.kind or 'failure'})")
    return {
        "row": index + 2,  # (the header is row 1 of decisions.csv)
        "student": r.student if r is not None else q.student, "assignment": q.assignment, "cell": q.cell,
        "message": q.message, "status": m.status, "href": _href(m, out_dir), "line": q.line,
        "points": None if t is None else ("–" if t.score is None else fmt_points(t.score)) + f" / {fmt_points(t.max_score)}",
        "feedback": t.message if t is not None else "", "hint": t.hint if t is not None else "", "verdict": verdict,
        "code": without_docstrings(code).strip("\n").rstrip() if code else "", "function": function_of(q.cell),
        "earlier": [{"decision": d.decision, "points": d.points, "reply": d.reply} for d in earlier],
        "total": None if r is None else f"{fmt_points(r.score)} / {fmt_points(r.max_score)}",
    }


def render_review(matched: Iterable[Matched], out_dir: StrPath, results_dir: StrPath, source: StrPath) -> str:
    """The review page as a complete HTML document (links relative to ``out_dir``)."""
    items = [_item(i, m, out_dir) for i, m in enumerate(matched)]
    unknown = [i for i in items if i["status"] and i["status"] != NO_CELL]
    return render("review.html.j2", title="Regrade requests", items=items, unknown=unknown,
                  results_dir=str(results_dir), source=str(source))


def write_review(matched: list[Matched], out_dir: StrPath, results_dir: StrPath, source: StrPath) -> Path:
    """Write ``OUT/review.html``; returns its path."""
    return write_atomic(Path(out_dir) / REVIEW_HTML, render_review(matched, out_dir, results_dir, source))
