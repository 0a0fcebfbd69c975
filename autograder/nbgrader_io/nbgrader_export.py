"""``nbgrader export`` that writes a CSV no student id can break: the course's export plugin.

nbgrader's own ``CsvExportPlugin`` joins the fields with commas and writes
them as they are. A student id is a folder name chosen by the student (a
GitHub Classroom repository, a zip), so with it:

* an id holding commas (``alice,,,,26,0,26``) shifts its row's columns, and a
  spreadsheet then shows that row as another student with other scores;
* an id beginning with ``=``, ``+``, ``-`` or ``@`` is run as a formula by
  the spreadsheet that opens ``grades.csv`` (``=HYPERLINK(…)``).

:class:`SafeCsvExportPlugin` writes the same file — same name (``grades.csv``
unless ``--to``), same columns in the same order, same rows (every assignment
× every student, 0 for a missing submission, the late penalty subtracted) and
honours ``--student`` / ``--assignment`` — through :mod:`csv` (fields with
commas, quotes or newlines are quoted) and with every text field passed
through :func:`autograder.model.ids.csv_cell` (the usual leading ``'`` before a
formula). The course's ``nbgrader_config.py`` selects it::

    c.ExportApp.plugin_class = "autograder.nbgrader_io.nbgrader_export.SafeCsvExportPlugin"
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any

from nbgrader.api import Assignment, Gradebook, MissingEntry, Student
from nbgrader.plugins import CsvExportPlugin

from autograder.model.ids import csv_cell

#: nbgrader's columns, in its order.
COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score")
_NUMBERS = frozenset({"raw_score", "late_submission_penalty", "score", "max_score"})


def export_row(gradebook: Gradebook, assignment: Assignment, student: Student) -> dict[str, Any]:
    """nbgrader's row for one student and assignment (its values, not yet written as text)."""
    row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
           "last_name": student.last_name, "first_name": student.first_name, "email": student.email,
           "max_score": assignment.max_score}
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
    except MissingEntry:  # nothing submitted: nbgrader counts 0
        row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
    else:
        penalty = submission.late_submission_penalty
        row.update(timestamp=submission.timestamp, raw_score=submission.score, late_submission_penalty=penalty,
                   score=max(0.0, submission.score - penalty))
    return row


def csv_fields(row: Mapping[str, Any]) -> list[str]:
    """The row's fields in :data:`COLUMNS` order: numbers as nbgrader prints them, text formula-safe."""
    out = []
    for key in COLUMNS:
        value = row.get(key)
        text = "" if value is None else str(value)
        out.append(text if key in _NUMBERS and not isinstance(value, str) else csv_cell(text))
    return out


class SafeCsvExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export, written with real CSV quoting and formula-safe text (see the module)."""

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        students = {str(s) for s in self.student}
        assignments = {str(a) for a in self.assignment}
        self.log.info("Exporting grades to %s (formula-safe CSV)", dest)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")  # nbgrader's line ends: same bytes for plain ids
            writer.writerow(COLUMNS)
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    writer.writerow(csv_fields(export_row(gradebook, assignment, student)))
