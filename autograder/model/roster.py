"""A class roster file: the course's student ids to an LMS's ids, one row per student.

The course id is the student's id in this course (the name of their folder under ``submitted/``, as
grades.csv shows it: an id that starts with ``=``, ``+``, ``-``, ``@`` or ``'`` shows there with one more ``'`` in
front, :func:`autograder.model.ids.csv_cell`, and is read back so; the folder's name as it is works too, unless it
starts with ``'`` and then one of those); the LMS id is the LMS's id of the same student (in Canvas the ``ID`` column of a
gradebook export, the user id of an LTI launch or of Moodle). Read by ``export`` (the gradebook CSVs of
:mod:`autograder.reports.lms`) and by ``passback`` (:mod:`autograder.lms.roster`).

The file is a CSV with a header row: ``course_id`` and ``lms_id``; optional ``name``, ``sis_user_id``,
``sis_login_id``, ``section``. Canvas's own headers are understood too (``Student``, ``ID``, ``SIS User ID``,
``SIS Login ID``, ``Section``), so a Canvas gradebook export with a ``course_id`` column added is a roster::

    course_id,lms_id,name,sis_user_id,sis_login_id,section
    ada,40001,"Lovelace, Ada",s1001,ada.lovelace,Section 1

Two course ids mapped to one LMS id, or one course id listed twice, is an error: one student's grade would
land on another.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.model.files import StrPath
from autograder.model.ids import from_csv_cell

#: Our mapping-file headers, and the Canvas gradebook headers read as the same field.
FIELDS = ("course_id", "lms_id", "name", "sis_user_id", "sis_login_id", "section")
ALIASES = {"id": "lms_id", "student": "name", "sis user id": "sis_user_id", "sis login id": "sis_login_id"}
#: A mapping file larger than this is not a class list.
MAX_MAPPING_BYTES = 20_000_000


class RosterError(ValueError):
    """The roster file cannot be used as it is (the message says what to change)."""


@dataclass(frozen=True)
class LmsStudent:
    """One row of the mapping file."""

    course_id: str
    lms_id: str
    name: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def read_mapping(path: StrPath) -> dict[str, LmsStudent]:
    """``course_id -> LmsStudent`` from a mapping file (see the module docstring).

    Raises
    ------
    RosterError
        The file cannot be read, lacks a ``course_id`` or ``lms_id`` (``ID``) column, has a row without
        either, or lists a course id or an LMS id twice.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_MAPPING_BYTES:
            raise RosterError(f"{path}: {path.stat().st_size:,} bytes is not a mapping file (at most "
                              f"{MAX_MAPPING_BYTES:,})")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot be read as a UTF-8 CSV file ({exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    fields = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [f for f in ("course_id", "lms_id") if f not in fields]
    if missing:
        raise RosterError(f"{path}: no {' and no '.join(missing)} column; expected a header like "
                          f"{','.join(FIELDS)} (or Canvas's Student,ID,SIS User ID,SIS Login ID,Section plus "
                          "a course_id column)")
    out: dict[str, LmsStudent] = {}
    by_lms: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {f: (row[i].strip() if i < len(row) else "") for i, f in enumerate(fields) if f in FIELDS}
        values["course_id"] = from_csv_cell(values.get("course_id", ""))  # (as grades.csv shows it: '@ben is @ben)
        student = LmsStudent(**values)
        if not student.course_id or not student.lms_id:
            raise RosterError(f"{path}, line {line}: course_id and lms_id are both needed")
        if student.course_id in out:
            raise RosterError(f"{path}, line {line}: course id {student.course_id!r} is listed twice")
        if student.lms_id in by_lms:
            raise RosterError(f"{path}, line {line}: LMS id {student.lms_id!r} is given to both "
                              f"{by_lms[student.lms_id]!r} and {student.course_id!r}")
        out[student.course_id] = student
        by_lms[student.lms_id] = student.course_id
    return out
