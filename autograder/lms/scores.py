"""The grades to post: grades.csv's cells, each checked against its results.json, with what goes beside it.

A :class:`Grade` is one cell of ``RESULTS/grades.csv`` (a student's points in one problem set, after any
late penalty: what the instructor sees there), the problem set's full marks, the points still awaiting a
person, and the student's comment (:mod:`autograder.lms.comment`). Both files come from the results model:
grades.csv is read as written, and every complete results.json (:func:`autograder.model.results.load_results`)
must give the same number in the same cell, and every cell a complete result. When they disagree (a result
changed after grades.csv was written: a regrade, hand-graded points, a new due date), nothing is posted and
:class:`GradesError` says to write grades.csv again: what is posted is always what grades.csv shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from autograder.lms.comment import student_comment
from autograder.model.files import GRADES_FILE, StrPath
from autograder.model.ids import csv_cell
from autograder.model.results import fmt_points, load_results, ps_key

#: Largest grades.csv read.
MAX_GRADES_BYTES = 50_000_000
#: At most this many disagreements are named.
MAX_SHOWN = 5


class GradesError(ValueError):
    """grades.csv is missing or does not hold what the results hold: the message says what to run."""


@dataclass(frozen=True)
class Grade:
    """One student's points in one problem set, as grades.csv holds them."""

    student: str    # the id as grades.csv shows it (the submission folder's name)
    ps: str
    score: float
    maximum: float  # the problem set's full marks (autograded and hand-graded)
    pending: float  # points awaiting a person (neither earned nor lost yet)
    comment: str

    @property
    def fully_graded(self) -> bool:
        return self.pending <= 0


#: What passback calls once per grade when its fate is known (a progress bar's step).
Progress = Callable[[Grade], object]


def _read_csv(results_dir: Path) -> dict[tuple[str, str], str]:
    """``(student cell, ps) -> cell text`` of grades.csv, non-empty cells of the problem-set columns only."""
    path = results_dir / GRADES_FILE
    try:
        if path.stat().st_size > MAX_GRADES_BYTES:
            raise GradesError(f"{path}: {path.stat().st_size:,} bytes is not a grades.csv")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GradesError(f"{path} is missing: grade first (`autograde` or `merge` write it), or run "
                          f"`python -m autograder late {results_dir}` to write it from the results") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GradesError(f"{path}: cannot be read ({type(exc).__name__})") from None
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0] if rows else []
    if len(header) < 3 or header[0] != "student" or "total" not in header:
        raise GradesError(f"{path}: not a grades.csv (its header should start student,<problem sets>…,total)")
    columns = header[1:header.index("total")]
    cells = {}
    for row in rows[1:]:
        if row:
            for ps, cell in zip(columns, row[1:]):
                if cell.strip():
                    cells[(row[0], ps)] = cell.strip()
    return cells


def read_grades(results_dir: StrPath, problem_sets: Collection[str] | None = None) -> list[Grade]:
    """Every :class:`Grade` of ``results_dir`` (of ``problem_sets`` only, when given), by problem set and student.

    Raises
    ------
    GradesError
        grades.csv is missing, unreadable, or disagrees with the results.json files.
    """
    results_dir = Path(results_dir)
    cells = _read_csv(results_dir)
    results = [r for r in load_results(results_dir) if r.complete]
    maximum: dict[str, float] = {}
    for r in results:
        maximum[r.assignment] = max(maximum.get(r.assignment, 0.0), r.max_score)
    wrong: list[str] = []
    grades: list[Grade] = []
    seen: set[tuple[str, str]] = set()
    for r in results:
        key = (csv_cell(r.student), r.assignment)
        seen.add(key)
        cell = cells.get(key)
        if cell != fmt_points(r.score, 4):
            wrong.append(f"{r.student} {r.assignment}: grades.csv has {cell or 'nothing'}, results.json "
                         f"{fmt_points(r.score, 4)}")
            continue
        if problem_sets and r.assignment not in problem_sets:
            continue
        score = float(cell)
        grades.append(Grade(r.student, r.assignment, score, maximum[r.assignment], r.pending_points,
                            student_comment(r, score, maximum[r.assignment])))
    wrong += [f"{student} {ps}: grades.csv has {cells[(student, ps)]}, but there is no complete results.json"
              for student, ps in sorted(set(cells) - seen)]
    if wrong:
        shown = "; ".join(wrong[:MAX_SHOWN]) + (f"; and {len(wrong) - MAX_SHOWN} more" if len(wrong) > MAX_SHOWN else "")
        raise GradesError(f"{results_dir / GRADES_FILE} does not hold what the results hold ({shown}); nothing was "
                          f"posted. Write it again from the results: `python -m autograder late {results_dir}` "
                          "(nothing is graded), then run passback again")
    return sorted(grades, key=lambda g: (ps_key(g.ps), g.student))
