"""Results on disk: one results.json per submission, grades.csv, summary.json.

Every file is written atomically (a temporary file in the same folder, then
``os.replace``), so a batch killed at any moment leaves either the old file or
the new one, never half of one; a re-run resumes from what is there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import threading
from pathlib import Path

from autograder.course import PROBLEM_SETS

RESULTS_NAME = "results.json"
_lock = threading.Lock()


def write_atomic(path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def write_json_atomic(path, data) -> Path:
    return write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


def results_path(results_dir, student: str, assignment: str) -> Path:
    return Path(results_dir) / student / assignment / RESULTS_NAME


def read_results(path):
    """The parsed results.json, or None when missing or not a complete results file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "score" not in data or "tests" not in data:
        return None
    return data


def iter_results(results_dir):
    """``(student, assignment, results)`` for every results.json under ``results_dir``."""
    root = Path(results_dir)
    if not root.is_dir():
        return
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for ps_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            data = read_results(ps_dir / RESULTS_NAME)
            if data is not None:
                yield student_dir.name, ps_dir.name, data


def _fmt(score: float) -> str:
    return f"{score:g}" if score == round(score, 6) else f"{score:.4f}"


def grades_table(results_dir):
    """``(columns, rows)``: one row per student, one column per problem set, and ``total``."""
    scores = {}
    for student, assignment, data in iter_results(results_dir):
        try:
            scores.setdefault(student, {})[assignment] = float(data["score"])
        except (TypeError, ValueError):
            continue
    found = {ps for row in scores.values() for ps in row}
    columns = list(PROBLEM_SETS) + sorted(found - set(PROBLEM_SETS))
    rows = []
    for student in sorted(scores):
        row = scores[student]
        rows.append([student] + [_fmt(row[ps]) if ps in row else "" for ps in columns] + [_fmt(sum(row.values()))])
    return ["student"] + columns + ["total"], rows


def write_grades_csv(results_dir) -> Path:
    """Rebuild ``RESULTS_DIR/grades.csv`` from every results.json there.

    A problem set a student has no result for is left empty; ``total`` adds
    up the ones they have.
    """
    header, rows = grades_table(results_dir)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with _lock:
        return write_atomic(Path(results_dir) / "grades.csv", buf.getvalue())
