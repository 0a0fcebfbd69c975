"""Grades for an LMS gradebook: Canvas's gradebook import CSV, and a plain one-row-per-student CSV.

Both are written from a results folder (the per-submission results.json, through the results model, so the
totals are the ones of grades.csv and the feedback pages) and a **mapping file** from the course's student
ids to the LMS's.

The mapping file is a class roster (:mod:`autograder.model.roster`: ``course_id``, ``lms_id`` and optional
``name``, ``sis_user_id``, ``sis_login_id``, ``section``; a Canvas gradebook export with a ``course_id``
column added is one), read by :func:`autograder.model.roster.read_mapping`.

**Canvas** (Grades → Import): the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``,
then one column per problem set, and a second row ``Points Possible`` with each problem set's full marks.
Canvas matches a row to a student by ``ID`` (or the SIS ids), and a column to an assignment by its name:
``Name (12345)`` updates the existing assignment 12345, any other name creates a new assignment (the default
column name is the problem-set id; ``columns`` renames). A blank cell changes nothing in Canvas.

**Plain CSV**: ``lms_id``, ``course_id``, ``name``, one column per problem set, ``total``, ``max_total``.

Rules for both: every student with results must be in the mapping (else :class:`ExportError` names them,
unless ``skip_unmapped``); students of the mapping without a submission get a blank cell (or 0 with
``missing="zero"``); two course ids mapped to one LMS id, or one course id listed twice, is an error (one
student's grade would overwrite another's). Text cells are formula-safe (:func:`autograder.model.ids.csv_cell`),
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from autograder.model.ids import csv_cell
from autograder.model.results import SubmissionResult, fmt_points, problem_sets
from autograder.model.roster import LmsStudent

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


class ExportError(ValueError):
    """The export cannot be written as asked (the message says what to change)."""


def _scores(results: Sequence[SubmissionResult]) -> tuple[list[str], dict[str, float], dict[str, dict[str, float]]]:
    """``(problem sets in course order, {ps: full marks}, {course_id: {ps: score}})``; totals from the model."""
    sets = problem_sets(results)
    maxes = {ps: max(r.max_score for r in results if r.assignment == ps) for ps in sets}
    scores: dict[str, dict[str, float]] = {}
    for r in results:
        scores.setdefault(r.student, {})[r.assignment] = r.score
    return sets, maxes, scores


def _students(scores: Mapping[str, object], mapping: Mapping[str, LmsStudent], skip_unmapped: bool) -> list[LmsStudent]:
    unmapped = sorted(set(scores) - set(mapping))
    if unmapped and not skip_unmapped:
        shown = ", ".join(repr(s) for s in unmapped[:10]) + (f" and {len(unmapped) - 10} more" if len(unmapped) > 10 else "")
        raise ExportError(f"{len(unmapped)} student(s) with results are not in the mapping file: {shown}; add "
                          "them (course_id,lms_id) or pass --skip-unmapped to leave them out")
    return sorted(mapping.values(), key=lambda s: (s.name.casefold(), s.course_id))


def _cell(scores: Mapping[str, Mapping[str, float]], student: str, ps: str, missing: str) -> str:
    if ps in scores.get(student, {}):
        return fmt_points(scores[student][ps], 4)
    return "0" if missing == "zero" else ""


def _check_missing(missing: str) -> None:
    if missing not in ("blank", "zero"):
        raise ExportError(f"missing: expected 'blank' or 'zero', not {missing!r}")


def canvas_rows(results: Sequence[SubmissionResult], mapping: Mapping[str, LmsStudent],
                columns: Mapping[str, str] | None = None, missing: str = "blank",
                skip_unmapped: bool = False) -> list[list[str]]:
    """The rows of Canvas's gradebook import CSV (header, ``Points Possible``, one row per mapped student).

    ``columns`` maps a problem-set id to its Canvas column (``"PS1 (12345)"``); the default is the id.
    """
    _check_missing(missing)
    sets, maxes, scores = _scores(results)
    names = {ps: (columns or {}).get(ps, ps) for ps in sets}
    unknown = sorted(set(columns or {}) - set(sets))
    if unknown:
        raise ExportError(f"--column {', '.join(unknown)}: no results for that problem set (found: "
                          f"{', '.join(sets) or 'none'})")
    rows = [[*CANVAS_COLUMNS, *(csv_cell(names[ps]) for ps in sets)],
            ["Points Possible", "", "", "", "", *(fmt_points(maxes[ps], 4) for ps in sets)]]
    for s in _students(scores, mapping, skip_unmapped):
        rows.append([csv_cell(s.name or s.course_id), csv_cell(s.lms_id), csv_cell(s.sis_user_id),
                     csv_cell(s.sis_login_id), csv_cell(s.section),
                     *(_cell(scores, s.course_id, ps, missing) for ps in sets)])
    return rows


def plain_rows(results: Sequence[SubmissionResult], mapping: Mapping[str, LmsStudent] | None = None,
               missing: str = "blank", skip_unmapped: bool = False) -> list[list[str]]:
    """One row per student: ``lms_id, course_id, name, <problem sets>, total, max_total``.

    Without ``mapping``, every student with results, their course id standing for the LMS id.
    """
    _check_missing(missing)
    sets, maxes, scores = _scores(results)
    if mapping is None:
        mapping = {s: LmsStudent(s, s) for s in scores}
    max_total = fmt_points(sum(maxes.values()), 4)
    rows = [["lms_id", "course_id", "name", *(csv_cell(ps) for ps in sets), "total", "max_total"]]
    for s in _students(scores, mapping, skip_unmapped):
        own = scores.get(s.course_id, {})
        total = sum(own.values())
        rows.append([csv_cell(s.lms_id), csv_cell(s.course_id), csv_cell(s.name),
                     *(_cell(scores, s.course_id, ps, missing) for ps in sets),
                     fmt_points(total, 4) if own or missing == "zero" else "", max_total])
    return rows


def csv_text(rows: Iterable[Iterable[str]]) -> str:
    """``rows`` as CSV text (quoted where needed, ``\\n`` line ends)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
