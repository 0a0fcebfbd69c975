"""grades.csv from a results folder: one row per student, one column per problem set.

Columns: ``student``, one per problem set (the points earned so far), ``total``
(their sum) and ``pending`` (the points of answer cells still awaiting manual
grading, 0 when none: neither earned nor lost yet, so never in a score).

When the course has due dates (some result carries a ``late`` record, see
:mod:`autograder.model.penalties`), the problem-set columns and ``total`` are
the scores **after** late penalties, and three columns follow: ``raw_total``
(the points before any penalty), ``late_penalty`` (the points the late
submissions lost) and ``late`` (the submissions that were late or whose time is
unknown, e.g. ``ps1_softmax: 5 d 19 h late: −29``). Without due dates the file
keeps its four kinds of columns.

When a regrade kept some earlier totals (``autograde --previous OLD --keep-higher``,
:mod:`autograder.model.regrade`), the problem-set columns and ``total`` hold the kept totals and a last column,
``kept``, names each, e.g. ``ps1_softmax: earlier 39 kept (this regrade: 37)``.

Read from the per-submission results.json files alone, through the results
model (:func:`autograder.model.results.read_result`; a row holds only
:attr:`~autograder.model.results.SubmissionResult.complete` results, the ones a
resumed batch keeps), by the engine after a batch and by ``merge`` after
combining shards (one writer, one format, so a merged folder's grades.csv
equals an unsharded run's). Text cells follow the
spreadsheet rule of :func:`autograder.model.ids.csv_cell`.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

from autograder.model.course import PROBLEM_SETS
from autograder.model.files import GRADES_FILE, StrPath, write_atomic
from autograder.model.ids import csv_cell
from autograder.model.results import fmt_points, read_result, result_files

_lock = threading.Lock()


def grades_table(results_dir: StrPath) -> tuple[list[str], list[list[str]]]:
    """``(columns, rows)``: one row per student, one column per problem set, ``total`` and ``pending``.

    The student column is the id as results.json records it (the display id,
    see :mod:`autograder.model.ids`), else the folder name.
    """
    scores: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    pending: dict[str, float] = {}
    raw: dict[str, float] = {}
    late: dict[str, list[str]] = {}
    penalty: dict[str, float] = {}
    kept: dict[str, list[str]] = {}
    dated = False
    for path in result_files(results_dir):
        result = read_result(path)
        if not result.complete:  # not graded (yet): resume grades it again
            continue
        folder, assignment = path.parent.parent.name, path.parent.name
        scores.setdefault(folder, {})[assignment] = result.score
        pending[folder] = pending.get(folder, 0.0) + result.pending_points
        raw[folder] = raw.get(folder, 0.0) + result.raw_score
        penalty[folder] = penalty.get(folder, 0.0) + result.late_penalty
        names[folder] = result.student or folder
        if result.regrade is not None and result.regrade.kept:
            kept.setdefault(folder, []).append(
                f"{assignment}: earlier {fmt_points(result.score)} kept (this regrade: "
                f"{fmt_points(result.raw_score - result.late_penalty)})")
        if result.late is not None:
            dated = True
            if result.late.status != "on_time":
                late.setdefault(folder, []).append(f"{assignment}: {result.late.short()}")
    found = {ps for row in scores.values() for ps in row}
    columns = list(PROBLEM_SETS) + sorted(found - set(PROBLEM_SETS))
    rows = []
    for folder in sorted(scores, key=lambda f: (names[f], f)):
        row = scores[folder]
        total = sum(row.values())
        rows.append([names[folder]] + [fmt_points(row[ps], 4) if ps in row else "" for ps in columns]
                    + [fmt_points(total, 4), fmt_points(pending[folder], 4)]
                    + ([fmt_points(raw[folder], 4), fmt_points(penalty[folder], 4), "; ".join(late.get(folder, []))]
                       if dated else []) + (["; ".join(kept.get(folder, []))] if kept else []))
    return ["student"] + columns + ["total", "pending"] + (["raw_total", "late_penalty", "late"] if dated else []) + (
        ["kept"] if kept else []), rows


def write_grades_csv(results_dir: StrPath) -> Path:
    """Rebuild ``RESULTS_DIR/grades.csv`` from every results.json there.

    A problem set a student has no result for is left empty; ``total`` adds
    up the ones they have. Text cells follow the spreadsheet rule of
    :func:`autograder.model.ids.csv_cell` (no id becomes a formula).
    """
    header, rows = grades_table(results_dir)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    texts = {i for i, name in enumerate(header) if name in ("late", "kept")}  # they name problem sets: formula-safe
    writer.writerows([[csv_cell(cell) if i in texts or i == 0 else cell for i, cell in enumerate(row)] for row in rows])
    with _lock:
        return write_atomic(Path(results_dir) / GRADES_FILE, buf.getvalue())
