"""``--json``: the batch summary as one JSON object on stdout, for scripts and CI.

Shape (``"version": 1``)::

    {"version": 1, "results_dir": …, "report": …, "grades_csv": …,
     "class": {"students", "submissions", "flagged", "mean", "median", "min", "max", "max_score",
               "pending_submissions", "pending_answers", "pending_points"},
     "problem_sets": {ps: {"max_score", "n", "mean", "median", "min", "max", "full_marks",
                           "pending_submissions", "pending_points",
                           "items": [{"grade_id", "max_score", "n", "passed", "pass_rate", "manual", "pending",
                                      "mean_score", "mistakes": [{"label", "count"}], "other_mistakes"}]}},
     "students": [{"student", "scores": {ps: score or null}, "total", "max_total", "pending": {ps: points},
                   "pending_total", "late_penalty", "flags"}],
     "submissions": [{"student", "assignment", "score", "max_score", "raw_score", "late_penalty",
                      "autograded_score", "autograded_max_score", "pending_points", "pending": [grade_id],
                      "passed", "tests", "flagged", "tamper", "cell_problems", "flags", "grading_error",
                      "notes", "submitted": {...} or null, "late": {...} or null, "results", "feedback"}],
     "late": {"source", "policies", "submissions", "on_time", "late", "penalised", "grace",
              "unknown_time", "points_off"} or null,         # null: no problem set has a due date
     "not_graded": [{"path", "reason", "suggestion"}],   # what under submitted/ was not graded
     "sandbox": {…} or [{…} per shard]}                  # how the submissions were isolated

``not_graded`` and ``sandbox`` come from the batch's summary.json (or, for a
merged folder, from each shard's); both are read defensively.

Scores are the points earned so far (autograded and hand-graded), after any
late penalty (``raw_score`` before it, ``late_penalty`` the points off, ``late``
the record of :mod:`autograder.model.lateness`, ``submitted`` the submission
time the grader read); the points of answer cells awaiting grading are
``pending_points`` / ``pending``, never in a score.

Paths are relative to ``results_dir``. No hidden test source or reference value
is in it (results.json has none).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model import summary as summary_file
from autograder.model.files import FEEDBACK_FILE, GRADES_FILE, REPORT_FILE, SUMMARY_FILE, StrPath
from autograder.model.results import SubmissionResult, load_results
from autograder.reports import late, stats

VERSION = 1


def _rel(path: StrPath, root: StrPath) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def batch_info(results_dir: StrPath) -> dict[str, Any]:
    """``{"not_graded": [...], "sandbox": {...} or [...]}`` from the summary.json of ``results_dir``.

    For a merged folder, the shards' lists joined and their sandboxes (listed
    when they differ); see :mod:`autograder.model.summary`. Malformed entries are left out.
    """
    batch = summary_file.combine(summary_file.read_batches(Path(results_dir) / SUMMARY_FILE))
    not_graded = []
    listed = batch.get("not_graded")
    for n in listed if isinstance(listed, list) else []:
        if isinstance(n, dict) and isinstance(n.get("path"), str):
            not_graded.append({"path": n["path"][:500], "reason": str(n.get("reason") or "")[:500],
                               "suggestion": str(n.get("suggestion") or "")[:500]})
    sandbox = batch.get("sandbox")
    if isinstance(sandbox, list):
        sandbox = [sb for sb in sandbox if isinstance(sb, dict)]
    elif not isinstance(sandbox, dict):
        sandbox = {}
    return {"not_graded": not_graded, "sandbox": sandbox}


def class_json(results_dir: StrPath,
               results: Iterable[SubmissionResult] | stats.ClassStats | None = None) -> dict[str, Any]:
    """The ``--json`` object (see the module docstring); ``results`` may be a
    :class:`~autograder.reports.stats.ClassStats` (default: read from ``results_dir``)."""
    results_dir = Path(results_dir)
    cs = stats.of(load_results(results_dir) if results is None else results)
    results = cs.results
    items = cs.items
    problem_sets = {}
    for ps, d in cs.problem_sets.items():
        problem_sets[ps] = {**d, "items": items.get(ps, [])}
    submissions = []
    for r in results:
        feedback = r.folder / FEEDBACK_FILE if r.folder is not None else None
        submissions.append({
            "student": r.student,
            "assignment": r.assignment,
            "score": r.score,
            "max_score": r.max_score,
            "raw_score": r.raw_score,
            "late_penalty": r.late_penalty,
            "autograded_score": r.autograded_score,
            "autograded_max_score": r.autograded_max_score,
            "pending_points": r.pending_points,
            "pending": [t.name for t in r.pending],
            "passed": r.passed,
            "tests": len(r.tests),
            "flagged": r.flagged,
            "tamper": r.tamper,
            "cell_problems": [
                {"index": c.get("index"), "grade_id": c.get("grade_id"), "status": c.get("status")}
                for c in r.cell_problems
            ],
            "flags": r.flags,
            "grading_error": r.grading_error,
            "notes": r.notes,
            "unreadable": r.unreadable,
            "submitted": r.submitted.to_json() if r.submitted is not None else None,
            "late": r.late.to_json() if r.late is not None else None,
            "results": _rel(r.path, results_dir) if r.path is not None else None,
            "feedback": _rel(feedback, results_dir) if feedback is not None and feedback.exists() else None,
        })
    report = results_dir / REPORT_FILE
    grades = results_dir / GRADES_FILE
    return {
        "version": VERSION,
        "results_dir": str(results_dir.resolve()),
        "report": REPORT_FILE if report.exists() else None,
        "grades_csv": GRADES_FILE if grades.exists() else None,
        "class": cs.overall,
        "problem_sets": problem_sets,
        "students": cs.rows,
        "submissions": submissions,
        "late": late.class_lateness(results),
        **batch_info(results_dir),
    }
