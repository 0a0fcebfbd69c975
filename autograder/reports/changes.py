"""``changes.html``: what a regrade moved, for whom and why, linked from the class report.

Written beside report.html when the results folder is a regrade's (``autograde --previous OLD`` wrote its
``regrade.json``), from the results' ``regrade`` records (:mod:`autograder.model.regrade`) and that record: per
submission whose points moved, the earlier and the new total (and whether ``--keep-higher`` kept the earlier
one), each graded cell that moved with its reasons (:data:`autograder.model.changes.REASONS`) and the line its
student reads; then those graded as new, those not graded again, and decisions on regrade requests that could
not be applied. The markup is ``templates/changes.html.j2`` (Jinja2, autoescaped).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model.changes import REASONS
from autograder.model.files import CHANGES_HTML, FEEDBACK_FILE, REGRADE_FILE, StrPath, write_atomic
from autograder.model.regrade import signed
from autograder.model.results import SubmissionResult, load_results
from autograder.reports._html import render

#: Largest regrade.json read (the folder is ours, but may have been edited).
MAX_RECORD_BYTES = 4 << 20


def read_record(results_dir: StrPath) -> dict[str, Any] | None:
    """``RESULTS/regrade.json`` (None when the folder is not a regrade's, or the file cannot be read)."""
    path = Path(results_dir) / REGRADE_FILE
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RECORD_BYTES + 1)
        data = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_RECORD_BYTES else None
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _texts(value: Any, limit: int = 2_000) -> list[str]:
    return [str(v)[:300] for v in value[:limit]] if isinstance(value, list) else []


def _entries(results: Iterable[SubmissionResult], results_dir: StrPath) -> list[dict[str, Any]]:
    out = []
    for r in results:
        g = r.regrade
        if g is None or not (g.changes or g.late or g.total or g.kept):
            continue
        cells = [{"cell": c.cell, "old": c.old, "new": c.new, "delta": signed(c.delta),
                  "why": "; ".join(REASONS[code][0] for code in c.reasons if code in REASONS), "student_line": c.line()}
                 for c in g.changes]
        out.append({"student": r.student, "assignment": r.assignment, "href": feedback_href(r, results_dir),
                    "old": g.previous_score, "new": r.score, "earned": r.raw_score - r.late_penalty, "kept": g.kept,
                    "max_score": r.max_score, "cells": cells, "late": g.late, "total": g.total})
    return out


def render_changes(results: Iterable[SubmissionResult], results_dir: StrPath, record: dict[str, Any]) -> str:
    """The changes page as a complete HTML document (links relative to ``results_dir``)."""
    entries = _entries(results, results_dir)
    raw_options: dict[str, Any] = record["options"] if isinstance(record.get("options"), dict) else {}
    options = {"keep_higher": raw_options.get("keep_higher") is True, "decisions": str(raw_options.get("decisions") or "")[:500]}
    requests: dict[str, Any] = record["requests"] if isinstance(record.get("requests"), dict) else {}
    not_applied = [{k: str(n.get(k) or "")[:2_000] for k in ("student", "problem_set", "cell", "why", "line")}
                   for n in requests.get("not_applied", [])[:2_000] if isinstance(n, dict)] \
        if isinstance(requests.get("not_applied"), list) else []
    shown = {k: str(record.get(k) or "")[:1_000] for k in ("previous", "time", "grader")}
    return _render(title="Regrade: what moved", entries=entries, record=shown, options=options,
                   cells=sum(len(e["cells"]) for e in entries), new=_texts(record.get("graded_as_new")),
                   gone=_texts(record.get("not_graded_again")), hand=_texts(record.get("hand_grades_not_read")),
                   not_applied=not_applied)


def _render(**context: Any) -> str:
    return render("changes.html.j2", **context)


def feedback_href(result: SubmissionResult, start: StrPath) -> str | None:
    """The link from a page in ``start`` to ``result``'s feedback page (None when its folder is unknown)."""
    if result.folder is None:
        return None
    return os.path.relpath(result.folder / FEEDBACK_FILE, start).replace(os.sep, "/")


def write_changes_page(results_dir: StrPath, results: Iterable[SubmissionResult] | None = None) -> Path | None:
    """Write ``changes.html`` into a regrade's results folder; None (nothing written) when it is not one."""
    record = read_record(results_dir)
    if record is None:
        return None
    results = load_results(results_dir) if results is None else results
    return write_atomic(Path(results_dir) / CHANGES_HTML, render_changes(results, results_dir, record))
