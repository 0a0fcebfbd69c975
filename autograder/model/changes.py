"""Two runs' results compared: which graded cells moved, for whom, and why, read from what each run recorded.

:func:`compare` takes an earlier run's results and a new run's (:class:`~autograder.model.results.SubmissionResult`,
matched by the student's results folder and the problem set) and gives one :class:`SetChange` per submission
whose points moved: each graded cell whose points differ (:class:`~autograder.model.regrade.CellChange`), and
the late penalty when it moved. Pure data: nothing is read or written here.

A reason is never guessed: it is each difference between the two results' evidence
(:mod:`autograder.model.graded_with`, the cell's points, the late records, the instructor's decisions) that can
move that cell, in this order (:data:`REASONS`):

=============  =======================================================================================
``request``    the instructor accepted a regrade request on the cell (:mod:`autograder.model.regrade_requests`)
``edited``     the earlier results.json's scores are not those its grader sealed: it was edited by hand
``points``     the cell's points in the course's notebook
``check``      the check's declaration (probes, tolerances, properties judged)
``reference``  the reference solution in ``solutions/``
``given``      the course's notebook (the code given, the test cells)
``code``       the student's code of the function (a new submission)
``notebook``   the student's other cells
``grader``     the grader's version
``hand``       an answer cell graded by hand (formgrader)
``unreadable`` the notebook could not be read in one of the runs
``timeout``    a time limit was reached in one of the runs
``unrecorded`` a run recorded no evidence (results written before regrades were recorded)
``unexplained`` none of the above differs (the execution notes of both runs say what ran)
=============  =======================================================================================

A hint rule never moves points (it only words a failure), so a changed hint is no reason here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder.model.course import function_of
from autograder.model.lateness import Lateness
from autograder.model.regrade import SAME, CellChange, signed
from autograder.model.results import UNREADABLE, SubmissionResult, TestResult, fmt_points, ps_key

#: code -> (what the instructor reads, what the student reads), in the order reasons are given.
REASONS: dict[str, tuple[str, str]] = {
    "request": ("regrade request accepted", "your regrade request was accepted"),
    "edited": ("the earlier results.json was edited after grading (its scores do not match the grader's seal)",
               "the earlier points were entered by hand, not given by the grader"),
    "points": ("the cell's points changed in the course's notebook", "the cell's points changed"),
    "check": ("the check was corrected", "the check was corrected"),
    "reference": ("the reference solution was corrected", "the reference solution was corrected"),
    "given": ("the course's notebook changed (the code given or the test cells)", "the problem set's notebook was updated"),
    "code": ("the student's code of the function changed (a new submission)", "your code of this function changed"),
    "notebook": ("the student's notebook changed (cells other than the function's)", "your notebook changed"),
    "grader": ("the grader was updated", "the grader was updated"),
    "hand": ("graded by hand (formgrader)", "graded by your instructor"),
    "unreadable": ("the notebook could not be read in one of the runs",
                   "your notebook could not be read in one of the gradings"),
    "timeout": ("a time limit was reached in one of the runs", "a time limit was reached in one of the gradings"),
    "new-cell": ("a graded cell the earlier run did not have", "a new graded cell"),
    "unrecorded": ("a run recorded no evidence, or recorded it another way (results written by another version)",
                   "graded again"),
    "unexplained": ("nothing the grader records changed (the execution notes of both runs say what ran)",
                    "graded again"),
}
#: The late penalty's row of changes.csv (no grade_id has a space).
LATE_CELL = "late penalty"
#: The row of changes.csv for a total that moved otherwise than its cells and late penalty say.
TOTAL_CELL = "total"


@dataclass(frozen=True)
class SetChange:
    """One submission (a student's problem set) whose points moved between the two runs."""

    folder: str
    assignment: str
    old: SubmissionResult
    new: SubmissionResult
    cells: tuple[CellChange, ...] = ()
    late: str = ""  # how the late penalty moved, in words
    total: str = ""  # how the total moved when its cells and late penalty do not say it, in words

    @property
    def student(self) -> str:
        return self.new.student or self.folder


@dataclass
class Comparison:
    """What :func:`compare` found: the submissions that moved, and those it could not compare."""

    changes: list[SetChange] = field(default_factory=list)
    #: ``(folder, ps)`` graded in this run with no earlier result: graded as new
    new: list[tuple[str, str]] = field(default_factory=list)
    #: ``(folder, ps)`` with an earlier result, not graded in this run
    gone: list[tuple[str, str]] = field(default_factory=list)
    #: ``(folder, ps, cell)``: an answer graded by hand earlier, awaiting grading now (the gradebook not read)
    hand_grades_missing: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return sum(len(c.cells) for c in self.changes)


def key(result: SubmissionResult) -> tuple[str, str]:
    """``(results folder, problem set)``: how two runs' results are matched."""
    folder = result.path.parent.parent.name if isinstance(result.path, Path) else result.student
    return folder, result.assignment


def _timed_out(result: SubmissionResult, test: TestResult | None) -> bool:
    return (test is not None and test.kind == "timeout") or any(
        c.get("status") == "timeout" for c in result.cell_problems)


def reasons(old: SubmissionResult, new: SubmissionResult, cell: str) -> tuple[str, ...]:
    """The codes of :data:`REASONS` that can explain why ``cell`` moved from ``old`` to ``new``."""
    t_old = next((t for t in old.tests if t.name == cell), None)
    t_new = next((t for t in new.tests if t.name == cell), None)
    found: list[str] = []
    if new.regrade is not None and any(r.accepted and r.cell == cell for r in new.regrade.requests):
        found.append("request")
    if old.edited:
        found.append("edited")
    if t_old is None:
        found.append("new-cell")
    elif t_new is not None and abs(t_old.max_score - t_new.max_score) > SAME:
        found.append("points")
    a, b = old.graded_with, new.graded_with
    function = function_of(cell)
    if a is not None and b is not None and a.scheme == b.scheme:
        for code, left, right in (("check", a.checks.get(cell), b.checks.get(cell)),
                                  ("reference", a.references.get(function), b.references.get(function)),
                                  ("given", a.given, b.given), ("code", a.code.get(function), b.code.get(function))):
            if left != right:
                found.append(code)
        if a.notebook != b.notebook and "code" not in found:
            found.append("notebook")
        if a.grader != b.grader:
            found.append("grader")
    if (t_new is not None and t_new.graded_by_person) or (t_old is not None and t_old.graded_by_person):
        found.append("hand")
    if (t_old is not None and t_old.kind == UNREADABLE) or (t_new is not None and t_new.kind == UNREADABLE):
        found.append("unreadable")
    if _timed_out(old, t_old) or _timed_out(new, t_new):
        found.append("timeout")
    if (a is None or b is None or a.scheme != b.scheme) and not found:
        found.append("unrecorded")
    return tuple(found) or ("unexplained",)


def why(codes: Iterable[str], student: bool = False, old: SubmissionResult | None = None,
        new: SubmissionResult | None = None, cell: str = "") -> str:
    """``codes`` in words, for the instructor (with the numbers behind them) or the student."""
    parts = []
    for code in codes:
        text = REASONS[code][1 if student else 0]
        if not student and old is not None and new is not None:
            text += _detail(code, old, new, cell)
        parts.append(text)
    return "; ".join(parts)


def _detail(code: str, old: SubmissionResult, new: SubmissionResult, cell: str) -> str:
    if code == "grader" and old.graded_with is not None and new.graded_with is not None:
        return f" ({old.graded_with.grader} → {new.graded_with.grader})"
    if code == "points":
        a = next((t.max_score for t in old.tests if t.name == cell), 0.0)
        b = next((t.max_score for t in new.tests if t.name == cell), 0.0)
        return f" ({fmt_points(a)} → {fmt_points(b)})"
    if code == "code":
        return f" ({function_of(cell)})"
    return ""


def cell_changes(old: SubmissionResult, new: SubmissionResult) -> tuple[CellChange, ...]:
    """Every graded cell of ``new`` whose points differ from ``old``'s (an answer awaiting grading in either run has
    no points to compare; a cell new to the problem set moves from nothing)."""
    before = {t.name: t for t in old.tests}
    out = []
    for t in new.tests:
        was = before.get(t.name)
        if t.pending or (was is not None and was.pending):
            continue
        old_points = was.score if was is not None else None
        if was is not None and abs((old_points or 0.0) - (t.score or 0.0)) <= SAME:
            continue
        codes = reasons(old, new, t.name)
        out.append(CellChange(t.name, old_points, t.score, codes, why(codes, student=True)))
    return tuple(out)


def late_change(old: Lateness | None, new: Lateness | None) -> str:
    """How the late penalty moved between two late records, in words ("" when it did not)."""
    a = old.penalty if old is not None else 0.0
    b = new.penalty if new is not None else 0.0
    if abs(a - b) <= SAME:
        return ""
    causes = []
    if (old is None) != (new is None):
        causes.append("the problem set's due date was " + ("removed" if new is None else "set"))
    elif old is not None and new is not None:
        for what, left, right in (("the due date moved", old.due, new.due),
                                  ("the extension changed", old.extension_s, new.extension_s),
                                  ("the late policy changed", old.policy, new.policy),
                                  ("the submission time changed", old.submitted, new.submitted),
                                  ("the points it applies to changed", old.raw_score, new.raw_score)):
            if left != right:
                causes.append(what)
    return f"late penalty {_off(a)} → {_off(b)}" + (f": {', '.join(causes)}" if causes else "")


def _off(penalty: float) -> str:
    """A penalty as points off: ``−2``, or ``0`` for none."""
    return signed(-penalty) if penalty > SAME else "0"


def total_change(old: SubmissionResult, new: SubmissionResult, cells: Iterable[CellChange],
                 keep_higher: bool = False) -> str:
    """How the total moved where its cells and its late penalty do not account for it ("" when they do, or when
    ``keep_higher`` keeps the earlier total): an earlier total kept by ``--keep-higher`` then, or answers graded by
    hand earlier that await grading now."""
    if keep_higher and new.score < old.score:
        return ""
    expected = old.score + sum(c.delta for c in cells) - (
        (new.late.penalty if new.late is not None else 0.0) - (old.late.penalty if old.late is not None else 0.0))
    if abs(expected - new.score) <= 1e-6 or abs(old.score - new.score) <= SAME:
        return ""
    moved = f"total {fmt_points(old.score)} → {fmt_points(new.score)}"
    if old.regrade is not None and old.regrade.kept:
        return f"{moved}: the earlier run kept an earlier total (--keep-higher), this one does not"
    if any(t.pending for t in new.tests) and old.pending_points < new.pending_points:
        return f"{moved}: answers graded by hand earlier await grading here"
    return moved


def compare(old: Iterable[SubmissionResult], new: Iterable[SubmissionResult], keep_higher: bool = False) -> Comparison:
    """The submissions of ``new`` whose points moved from ``old`` (see the module docstring); those graded as
    new, those not graded again, and answers whose hand grade the new run did not bring in. ``keep_higher``: the
    new run keeps an earlier total where the new one is lower (its total then did not move)."""
    earlier: Mapping[tuple[str, str], SubmissionResult] = {key(r): r for r in old if r.complete}
    found = Comparison()
    seen = set()
    for r in sorted((r for r in new if r.complete), key=lambda r: (key(r)[0], ps_key(r.assignment))):
        k = key(r)
        seen.add(k)
        was = earlier.get(k)
        if was is None:
            found.new.append(k)
            continue
        found.hand_grades_missing += [(*k, t.name) for t in r.tests if t.pending and any(
            w.name == t.name and w.graded_by_person for w in was.tests)]
        cells, late = cell_changes(was, r), late_change(was.late, r.late)
        total = total_change(was, r, cells, keep_higher)
        if cells or late or total:
            found.changes.append(SetChange(k[0], k[1], was, r, cells, late, total))
    found.gone = sorted((k for k in earlier if k not in seen), key=lambda k: (k[0], ps_key(k[1])))
    return found
