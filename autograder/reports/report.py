"""``report.html``: the class at a glance, for the instructor.

A grade histogram per problem set and for the total (inline SVG, drawn by
:mod:`~autograder.reports.histogram`), the item analysis (per graded cell: pass rate, discrimination and
the most frequent hints, i.e. which mistakes the class made), the submissions that
need a look (tampering, cells that failed, notebooks that did not run), and
every student's scores with links to their feedback pages, and, when the course has due dates,
the late submissions with their penalties (the score before and after). Answer cells that
await manual grading are counted apart ("pending"): in no score, no mean and
no correlation until a person has graded them.

This module decides what is shown; the markup is ``templates/report.html.j2``
(Jinja2, autoescaped). Its tables are laid out for every width: on a phone each
row is stacked, every number with its label, nothing scrolls sideways.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from autograder.model.files import (
    CHANGES_HTML,
    FEEDBACK_FILE,
    REPORT_FILE,
    SIMILARITY_DIR,
    SIMILARITY_HTML,
    StrPath,
    write_atomic,
)
from autograder.model.results import SubmissionResult, fmt_points, load_results
from autograder.model.summary import sandbox_line
from autograder.reports import late, stats
from autograder.reports._html import render
from autograder.reports.histogram import histogram_svgs
from autograder.reports.jsonout import batch_info


def _item_lines(it: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The "most frequent mistakes" of one graded cell: ``{"count", "text", "muted"}``, most frequent first."""
    lines = [{"count": m["count"], "text": m["label"], "muted": False} for m in it["mistakes"]]
    if it["other_mistakes"]:
        lines.append({"count": 0, "text": f"{it['other_mistakes']} other failure(s)", "muted": True})
    if it.get("not_attempted"):
        lines.append({"count": 0, "text": f"{it['not_attempted']} not attempted (the function was left as given)",
                      "muted": True})
    if it.get("manual"):
        blank = it.get("not_answered", 0)
        graded = it["n"] - it["pending"] - blank
        text = f"answer graded by hand: {graded} graded" + (f", {blank} not answered (0 points)" if blank else "")
        text += f", mean {fmt_points(it['mean_score'])} pt" if graded + blank else ""
        lines.append({"count": 0, "text": text + (f", {it['pending']} awaiting grading" if it["pending"] else ""),
                      "muted": True})
    return lines


def _items(cs: stats.ClassStats) -> dict[str, list[dict[str, Any]]]:
    return {ps: [{**it, "lines": _item_lines(it)} for it in items] for ps, items in cs.items.items()}


def _sandbox_lines(sandbox: dict[str, Any] | list[dict[str, Any]]) -> list[str]:
    lines = [sandbox_line(sb) for sb in (sandbox if isinstance(sandbox, list) else [sandbox])]
    return list(dict.fromkeys(line for line in lines if line))


def _href(r: SubmissionResult, results_dir: StrPath) -> str | None:
    """The link from the report to a submission's feedback page (None when its folder is unknown)."""
    if r.folder is None:
        return None
    return os.path.relpath(r.folder / FEEDBACK_FILE, results_dir).replace(os.sep, "/")


def _what_happened(r: SubmissionResult) -> list[str]:
    """Why a flagged submission is worth a look, one line per reason."""
    what = []
    if r.unreadable:
        what.append(f"results.json unreadable: {r.unreadable}")
    what += [f"tamper: {t}" for t in r.tamper]
    if r.grading_error:
        what.append("the grader failed on it (score 0 recorded; details in summary.json)")
    what += [f"to look at: cell {f['cell']}: {f['reason']}" if f.get("cell") is not None
             else f"to look at: {f['reason']}" for f in r.flags]
    if r.not_run:
        what += list(r.notes)
    if r.late is not None and r.late.unknown_time:
        what.append(r.late.line())
    for c in r.cell_problems:
        if c.get("status") in ("error", "timeout"):
            gid = f" ({c['grade_id']})" if c.get("grade_id") else ""
            err = str(c.get("error") or "").strip().splitlines()
            what.append(f"cell {c.get('index')}{gid}: {c.get('status')}" + (f": {err[-1]}" if err else ""))
    return what


def _attention(results: Iterable[SubmissionResult], results_dir: StrPath) -> list[dict[str, Any]]:
    return [{"student": r.student, "assignment": r.assignment, "score": r.score, "max_score": r.max_score,
             "href": _href(r, results_dir), "what": _what_happened(r)} for r in results if r.flagged]


def _students(cs: stats.ClassStats, results_dir: StrPath) -> list[dict[str, Any]]:
    by = {(r.student, r.assignment): r for r in cs.results}
    rows = []
    for row in cs.rows:
        scores = []
        for ps in cs.max_scores:
            r = by.get((row["student"], ps))
            scores.append({"ps": ps, "score": r.score if r else None, "flagged": bool(r and r.flagged),
                           "late": bool(r and r.late is not None and r.late.penalised),
                           "href": None if r is None else (_href(r, results_dir) or "")})
        rows.append({"student": row["student"], "scores": scores, "total": row["total"],
                     "max_total": row["max_total"], "pending": row["pending_total"]})
    return rows


def _late(results: Iterable[SubmissionResult], results_dir: StrPath) -> dict[str, Any]:
    """The deadlines section: the class in a line, and every submission that was late, whose time is unknown, or
    whose time is a claim (how it was read)."""
    info = late.class_lateness(results)
    if info is None:
        return {"late_info": None}
    entries = [{**e, "href": _href(e["result"], results_dir)} for e in late.entries(results, claimed=True)]
    return {"late_info": info, "late_headline": late.headline(info), "late_entries": entries}


def render_report(results: Iterable[SubmissionResult] | stats.ClassStats, results_dir: StrPath) -> str:
    """The class report as a complete HTML document (links relative to ``results_dir``).

    ``results``: the results, or their :class:`~autograder.reports.stats.ClassStats`.
    """
    cs = stats.of(results)
    info = batch_info(results_dir)
    similarity = os.path.join(results_dir, SIMILARITY_DIR, SIMILARITY_HTML)  # autograde --similarity wrote it
    context = {"title": "Class report", "cs": cs, "not_graded": info["not_graded"],
               "similarity": f"{SIMILARITY_DIR}/{SIMILARITY_HTML}" if os.path.isfile(similarity) else None,
               "changes": CHANGES_HTML if os.path.isfile(os.path.join(results_dir, CHANGES_HTML)) else None}
    if cs.results:
        context.update(
            charts=[Markup(svg) for svg in histogram_svgs(cs)],  # markup built (and escaped) by histogram.py
            attention=_attention(cs.results, results_dir),
            items=_items(cs),
            unreadable=stats.unreadable_notebooks(cs.results),
            students=_students(cs, results_dir),
            pending_students=any(row["pending_total"] for row in cs.rows),
            pending_sets=any(d.get("pending_submissions") for d in cs.problem_sets.values()),
            sandbox=_sandbox_lines(info["sandbox"]),
            **_late(cs.results, results_dir),
            min_discrimination=stats.MIN_DISCRIMINATION,
            min_n_for_flag=stats.MIN_N_FOR_FLAG,
        )
    return render("report.html.j2", **context)


def write_report(results_dir: StrPath,
                 results: Iterable[SubmissionResult] | stats.ClassStats | None = None) -> Path:
    """Write ``report.html`` into ``results_dir``; returns its path."""
    results_dir = Path(results_dir)
    results = load_results(results_dir) if results is None else results
    path = results_dir / REPORT_FILE
    write_atomic(path, render_report(results, results_dir))
    return path
