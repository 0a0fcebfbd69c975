"""Students' regrade requests and the instructor's decisions on them: two CSV files, read bounded, written safe.

**Requests** (``requests RESULTS --from FILE``): a CSV exported from a form or the LMS, with a header naming
at least the student, the problem set and the message, and optionally the cell (:data:`COLUMNS` lists the
names each is recognised by, e.g. a form's "Problem set" or "Which cell?"); other columns are ignored. A
student id may be written as grades.csv writes it (a leading ``'`` before ``=``, ``+``, ``-``, ``@``).

**Decisions** (``DIR/decisions.csv``, written by ``requests`` with one row per request): the instructor fills
``decision`` (``accept`` or ``reject``, blank: undecided), ``points`` (an accepted request: the cell's points,
0 to the cell's points) and ``reply`` (what the student reads), and the next ``autograde --previous RESULTS
--decisions DIR/decisions.csv`` applies them (:mod:`autograder.model.regrade_step`).

Both files come from outside the grader and are read as hostile: at most :data:`MAX_BYTES` bytes and
:data:`MAX_ROWS` rows, UTF-8 (a spreadsheet's byte-order mark allowed), every field cut at :data:`MAX_FIELD`
characters, control characters replaced; a file that breaks these is refused with its name and line, never half read. Every text cell
written back goes through :func:`~autograder.model.ids.csv_cell` (no cell is a spreadsheet formula), and the
pages escape every value (:mod:`autograder.reports.requests_review`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.model.files import StrPath, write_atomic
from autograder.model.ids import csv_cell, from_csv_cell
from autograder.model.regrade import ACCEPT, REJECT
from autograder.model.results import SubmissionResult, TestResult

#: Largest requests or decisions file read.
MAX_BYTES = 4 << 20
#: Most rows read (a class's requests for a term, many times over).
MAX_ROWS = 5_000
#: Longest field kept (a message, a reply); longer ones are cut, saying so.
MAX_FIELD = 4_000
#: A field name -> the header names it is recognised by (lowercase, spaces and ``_`` alike).
COLUMNS: dict[str, tuple[str, ...]] = {
    "student": ("student", "student id", "course id", "username", "login", "user"),
    "problem_set": ("problem set", "problemset", "assignment", "ps", "homework"),
    "cell": ("cell", "grade id", "graded cell", "question", "test", "which cell?", "which cell"),
    "message": ("message", "request", "comment", "reason", "explanation", "why"),
}
#: The decisions file's columns, in order.
DECISION_COLUMNS = ("student", "problem_set", "cell", "message", "decision", "points", "of_points", "reply", "status")
_WORDS = {"accept": ACCEPT, "accepted": ACCEPT, "reject": REJECT, "rejected": REJECT}
_SPACES = re.compile(r"[\s_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class RequestsError(ValueError):
    """A requests or decisions file that cannot be read as one (the message names the file, the line, the fix)."""


@dataclass(frozen=True)
class Request:
    """One regrade request: a student asks about a cell of a problem set (``cell`` "": the problem set)."""

    line: int
    student: str
    assignment: str
    cell: str
    message: str


@dataclass(frozen=True)
class Decided:
    """One row of the decisions file (``decision`` "": undecided)."""

    line: int
    student: str
    assignment: str
    cell: str
    message: str
    decision: str
    points: float | None
    reply: str


def _cut(text: str) -> str:
    """A field cut at :data:`MAX_FIELD` characters (saying so), its control characters but tab and newline shown as
    U+FFFD (a NUL or an escape sequence reaches no page, terminal or spreadsheet)."""
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD] + f"… ({len(text) - MAX_FIELD:,} more characters cut)"


def _rows(path: StrPath, what: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """``(header, [(line, row)])`` of a bounded UTF-8 CSV file (see the module docstring)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RequestsError(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise RequestsError(f"{what} {path}: larger than {MAX_BYTES >> 20} MB, the most read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestsError(f"{what} {path}: not UTF-8 (byte {exc.start}); save it as \"CSV UTF-8\"") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, [])
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(rows) >= MAX_ROWS:
                    raise RequestsError(f"{what} {path}: more than {MAX_ROWS:,} rows, the most read")
                rows.append((reader.line_num, [_cut(cell) for cell in row]))
    except csv.Error as exc:
        raise RequestsError(f"{what} {path}, line {reader.line_num}: not CSV ({exc})") from None
    return [_SPACES.sub(" ", h).strip().lower() for h in header], rows


def _columns(header: list[str], needed: Iterable[str], path: StrPath, what: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for i, h in enumerate(header):
            if h == name.replace("_", " ") or h in aliases:
                found.setdefault(name, i)
    for name in DECISION_COLUMNS:
        if name.replace("_", " ") in header:
            found.setdefault(name, header.index(name.replace("_", " ")))
    missing = [n for n in needed if n not in found]
    if missing:
        raise RequestsError(f"{what} {path}: no column for {', '.join(missing)} (its header: "
                            f"{', '.join(header[:12]) or 'none'}); expected a header such as "
                            "student,problem_set,cell,message")
    return found


def _get(row: list[str], columns: Mapping[str, int], name: str) -> str:
    i = columns.get(name)
    return row[i].strip() if i is not None and i < len(row) else ""


def read_requests(path: StrPath) -> list[Request]:
    """The regrade requests of a CSV file (see the module docstring), in file order.

    Raises
    ------
    RequestsError
        The file is too large, not UTF-8, not CSV, or has no student, problem-set or message column.
    """
    header, rows = _rows(path, "--from")
    columns = _columns(header, ("student", "problem_set", "message"), path, "--from")
    return [Request(line, from_csv_cell(_get(row, columns, "student")), from_csv_cell(_get(row, columns, "problem_set")),
                    from_csv_cell(_get(row, columns, "cell")), _get(row, columns, "message"))
            for line, row in rows]


def _points(text: str, line: int, path: StrPath) -> float | None:
    if not text:
        return None
    try:
        x = float(text.replace(",", "."))
    except ValueError:
        raise RequestsError(f"--decisions {path}, line {line}: points {text[:40]!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise RequestsError(f"--decisions {path}, line {line}: points must be a number of 0 or more, not {text[:40]!r}")
    return x


def read_decisions(path: StrPath) -> list[Decided]:
    """The rows of a decisions file (see the module docstring), in file order.

    Raises
    ------
    RequestsError
        The file cannot be read (as :func:`read_requests`), a decision is neither ``accept`` nor ``reject``,
        an accepted request has no points, points are not a number of 0 or more, or two rows decide one
        cell of one student differently.
    """
    header, rows = _rows(path, "--decisions")
    columns = _columns(header, ("student", "problem_set", "cell", "decision", "points", "reply"), path, "--decisions")
    out: list[Decided] = []
    seen: dict[tuple[str, str, str], Decided] = {}
    for line, row in rows:
        word = _get(row, columns, "decision").lower()
        if word and word not in _WORDS:
            raise RequestsError(f"--decisions {path}, line {line}: decision {word[:40]!r}: expected accept, reject "
                                "or blank (undecided)")
        points = _points(_get(row, columns, "points"), line, path)
        decision = _WORDS.get(word, "")
        if decision == ACCEPT and points is None:
            raise RequestsError(f"--decisions {path}, line {line}: an accepted request needs the cell's points "
                                "(the points column)")
        row_ = Decided(line, from_csv_cell(_get(row, columns, "student")), from_csv_cell(_get(row, columns, "problem_set")),
                       from_csv_cell(_get(row, columns, "cell")), _get(row, columns, "message"), decision,
                       points if decision == ACCEPT else None, _get(row, columns, "reply"))
        k = (row_.student, row_.assignment, row_.cell)
        other = seen.get(k)
        if decision and other is not None and (other.decision, other.points) != (decision, row_.points):
            raise RequestsError(f"--decisions {path}, lines {other.line} and {line} decide {row_.cell or 'the problem set'} "
                                f"of {row_.student}'s {row_.assignment} differently: keep one decision per cell")
        if decision:
            seen.setdefault(k, row_)
        out.append(row_)
    return out


def write_decisions(path: StrPath, rows: Iterable[Mapping[str, object]]) -> Path:
    """The decisions file to fill in: one row per request (``rows``: :data:`DECISION_COLUMNS` → value; numbers
    as numbers, every text formula-safe)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(DECISION_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in DECISION_COLUMNS])
    return write_atomic(path, buf.getvalue())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return csv_cell(value)


@dataclass(frozen=True)
class Matched:
    """A request beside what it is about: the student's result and the graded cell (``status`` "" when both are
    found; else why not, and the request is listed, never dropped)."""

    request: Request
    result: SubmissionResult | None
    test: TestResult | None
    status: str = ""


UNKNOWN_STUDENT = "unknown student: no results of this student"
UNKNOWN_SET = "no result of this student for this problem set"
UNKNOWN_CELL = "unknown cell: not a graded cell of this problem set"
NO_CELL = "no cell named: about the problem set as a whole"


def match_requests(requests: Iterable[Request], results: Iterable[SubmissionResult]) -> list[Matched]:
    """Each request beside its student's result and graded cell (a student is found by results folder name or by
    the id results.json records), in the requests' order."""
    by_student: dict[str, dict[str, SubmissionResult]] = {}
    for r in results:
        folder = r.path.parent.parent.name if r.path is not None else r.student
        for name in dict.fromkeys((folder, r.student)):
            by_student.setdefault(name, {}).setdefault(r.assignment, r)
    out = []
    for q in requests:
        sets = by_student.get(q.student)
        if sets is None:
            out.append(Matched(q, None, None, UNKNOWN_STUDENT))
            continue
        result = sets.get(q.assignment)
        if result is None:
            out.append(Matched(q, None, None, UNKNOWN_SET))
            continue
        test = next((t for t in result.tests if t.name == q.cell), None)
        status = "" if test is not None else NO_CELL if not q.cell else UNKNOWN_CELL
        out.append(Matched(q, result, test, status))
    return out


def decision_rows(matched: Iterable[Matched], earlier: Iterable[Decided] = ()) -> list[dict[str, object]]:
    """The decisions file's rows for ``matched`` (undecided), with the decisions of an earlier file kept for the
    same request (student, problem set, cell and message)."""
    kept = {(d.student, d.assignment, d.cell, d.message): d for d in earlier if d.decision}
    rows: list[dict[str, object]] = []
    for m in matched:
        q = m.request
        student = m.result.path.parent.parent.name if m.result is not None and m.result.path is not None else q.student
        before = kept.get((student, q.assignment, q.cell, q.message)) or kept.get((q.student, q.assignment, q.cell,
                                                                                    q.message))
        rows.append({"student": student, "problem_set": q.assignment, "cell": q.cell, "message": q.message,
                     "decision": before.decision if before else "", "points": before.points if before else None,
                     "of_points": m.test.max_score if m.test is not None else None,
                     "reply": before.reply if before else "", "status": m.status or "ok"})
    return rows
