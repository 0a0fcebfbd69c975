"""Results on disk: one results.json per submission, grades.csv, summary.json.

Every file is written atomically and readable by the instructor
(:mod:`autograder.files`), so a batch killed at any moment leaves either the
old file or the new one, never half of one; a re-run resumes from what is there.

results.json is **bounded** whatever the submission did (:func:`bound`): at
most :data:`MAX_ITEMS` notes, tamper lines and cell records, strings cut at
:data:`MAX_TEXT` characters (code at :data:`MAX_CODE`), integers beyond
64 bits and non-finite floats replaced, so writing it can neither fail nor
produce megabytes (a notebook of 560,000 empty cells once made 95 MB).
"""

from __future__ import annotations

import math
from pathlib import Path

from autograder.files import GRADES_FILE, RESULTS_FILE, SUMMARY_FILE, write_atomic, write_json_atomic
from autograder.grades import grades_table, iter_results, read_results, write_grades_csv  # noqa: F401 (re-exported)

RESULTS_NAME, GRADES_NAME, SUMMARY_NAME = RESULTS_FILE, GRADES_FILE, SUMMARY_FILE

#: Longest list kept in a results.json (notes, tamper lines, cell records).
MAX_ITEMS = 200
#: Longest string kept (messages, errors, notes).
MAX_TEXT = 4_000
#: Longest source kept per function in ``student_code``.
MAX_CODE = 20_000

__all__ = ["RESULTS_NAME", "bound", "grades_table", "iter_results", "read_results", "results_path",
           "write_atomic", "write_grades_csv", "write_json_atomic", "write_results"]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters cut)"


def bound(value, limit: int = MAX_TEXT, key: str = ""):
    """A copy of a results.json value that is small and always serialisable.

    Lists longer than :data:`MAX_ITEMS` keep their first items and end with a
    string saying how many were cut (the ``tests`` list is never cut: it has
    one entry per graded cell of the trusted source). Strings are cut at
    ``limit`` characters; integers wider than 63 bits become ``None``, as do
    NaN and infinities (JSON cannot hold them).
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _cut(value, limit)
    if isinstance(value, dict):
        return {_cut(str(k), 200): bound(v, MAX_CODE if key == "student_code" else limit, str(k))
                for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, (list, tuple)):
        items = [bound(v, limit) for v in list(value[:MAX_ITEMS] if key != "tests" else value)]
        if key != "tests" and len(value) > MAX_ITEMS:
            items.append(f"… and {len(value) - MAX_ITEMS:,} more")
        return items
    return _cut(str(value), limit)


def results_path(results_dir, student: str, assignment: str) -> Path:
    """``RESULTS/<student folder>/<ps>/results.json`` (the folder from :mod:`autograder.ids`)."""
    return Path(results_dir) / student / assignment / RESULTS_NAME


def write_results(path, data: dict) -> Path:
    """Write a submission's results.json, bounded (:func:`bound`)."""
    bounded = {k: bound(v, key=k) for k, v in data.items()}
    return write_json_atomic(path, bounded)
