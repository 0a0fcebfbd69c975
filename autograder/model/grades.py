"""grades.csv from a results folder: one row per student, one column per problem set.

Columns: ``student``, one per problem set (the points earned so far), ``total``
(their sum) and ``pending`` (the points of answer cells still awaiting manual
grading, 0 when none: neither earned nor lost yet, so never in a score).

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
from autograder.model.ids import csv_cell
from autograder.model.files import GRADES_FILE, write_atomic
from autograder.model.results import fmt_points, read_result, result_files

_lock = threading.Lock()


def grades_table(results_dir):
    """``(columns, rows)``: one row per student, one column per problem set, ``total`` and ``pending``.

    The student column is the id as results.json records it (the display id,
    see :mod:`autograder.model.ids`), else the folder name.
    """
    scores, names, pending = {}, {}, {}
    for path in result_files(results_dir):
        result = read_result(path)
        if not result.complete:  # not graded (yet): resume grades it again
            continue
        folder, assignment = path.parent.parent.name, path.parent.name
        scores.setdefault(folder, {})[assignment] = result.score
        pending[folder] = pending.get(folder, 0.0) + result.pending_points
        names[folder] = result.student or folder
    found = {ps for row in scores.values() for ps in row}
    columns = list(PROBLEM_SETS) + sorted(found - set(PROBLEM_SETS))
    rows = []
    for folder in sorted(scores, key=lambda f: (names[f], f)):
        row = scores[folder]
        rows.append([names[folder]] + [fmt_points(row[ps], 4) if ps in row else "" for ps in columns]
                    + [fmt_points(sum(row.values()), 4), fmt_points(pending[folder], 4)])
    return ["student"] + columns + ["total", "pending"], rows


def write_grades_csv(results_dir) -> Path:
    """Rebuild ``RESULTS_DIR/grades.csv`` from every results.json there.

    A problem set a student has no result for is left empty; ``total`` adds
    up the ones they have. Text cells follow the spreadsheet rule of
    :func:`autograder.model.ids.csv_cell` (no id becomes a formula).
    """
    header, rows = grades_table(results_dir)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([[csv_cell(row[0]), *row[1:]] for row in rows])
    with _lock:
        return write_atomic(Path(results_dir) / GRADES_FILE, buf.getvalue())
