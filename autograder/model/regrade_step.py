"""The regrade step of ``autograde --previous OLD``: the new results set against the earlier ones, and recorded.

Run on the new results folder once it is graded, after hand-graded points and the course's late penalties
are in (:func:`autograder.reports.after_grading.write_reports` calls it there; ``--no-reports`` after the
late-penalty step), before any page is written:

1. the instructor's decisions on regrade requests are applied (:func:`apply_decisions`): those of
   ``--decisions``, and those taken on earlier runs that still hold (the student's code of the function is the
   code the decision was made on); an accepted request sets its cell's points;
2. the two runs are compared (:func:`autograder.model.changes.compare`);
3. each new result records what moved and the earlier total (:class:`~autograder.model.regrade.Regrade`), which
   ``--keep-higher`` keeps where the new total is lower (:func:`autograder.model.regrade.floor`, applied with
   the late penalties by :func:`autograder.model.penalties.apply_all`);
4. the results are written back (their ``graded_with`` sealed again: the scores are the step's), with
   grades.csv, ``changes.csv`` (one row per graded cell whose points moved, and per late penalty that moved) and
   ``regrade.json`` (the run: OLD, the grader's version, the time, the options, what was found).

Nothing under OLD is written.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.model import changes as changes_model
from autograder.model.changes import LATE_CELL, TOTAL_CELL, Comparison, compare, key
from autograder.model.course import function_of
from autograder.model.files import CHANGES_FILE, REGRADE_FILE, StrPath, write_atomic, write_json_atomic
from autograder.model.graded_with import digest, grader_version
from autograder.model.grades import write_grades_csv
from autograder.model.ids import csv_cell
from autograder.model.invariant import known
from autograder.model.penalties import apply_all
from autograder.model.previous import Previous
from autograder.model.regrade import SAME, Regrade, RequestDecision
from autograder.model.regrade_requests import Decided
from autograder.model.results import SubmissionResult, fmt_points, write_results

if TYPE_CHECKING:
    from autograder.model.deadlines import Deadlines

#: changes.csv's columns.
CHANGES_COLUMNS = ("student", "problem_set", "cell", "old", "new", "reason", "evidence")


@dataclass
class NotApplied:
    """A decision that could not be applied, and why (listed, never dropped)."""

    student: str
    assignment: str
    cell: str
    why: str
    line: int | None = None  # in the decisions file (None: decided on an earlier run)


@dataclass
class RegradeRun:
    """What the step did (for the terminal and regrade.json)."""

    comparison: Comparison
    kept: list[tuple[str, str]] = field(default_factory=list)  # (folder, ps) whose earlier total was kept
    applied: int = 0
    carried: int = 0
    undecided: int = 0
    not_applied: list[NotApplied] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)


def _code(result: SubmissionResult, cell: str) -> str:
    """The digest of the student's code a decision on ``cell`` is made on."""
    code = result.student_code.get(function_of(cell))
    return digest(code) if code is not None else ""


def _undone(result: SubmissionResult) -> SubmissionResult:
    """``result`` with the points of accepted requests an earlier write of this folder applied given back to the
    grader's (so that a decision taken back is undone, and every decision is applied to the grader's points)."""
    if result.regrade is None or not result.regrade.requests:
        return result
    graded = {r.cell: r.graded for r in result.regrade.requests if r.accepted and r.graded is not None}
    tests = [dataclasses.replace(t, score=graded[t.name], passed=graded[t.name] >= t.max_score)
             if t.name in graded else t for t in result.tests]
    return dataclasses.replace(result, tests=tests, regrade=dataclasses.replace(result.regrade, requests=()),
                               score=float(sum(t.earned for t in tests)), late=None)


def _fresh(result: SubmissionResult) -> SubmissionResult:
    """``result`` as the grader scored it: nothing of an earlier write of the step (a resumed or repeated run)."""
    result = _undone(result)
    return dataclasses.replace(result, score=float(sum(t.earned for t in result.tests)), late=None, regrade=None)


def _index(results: Iterable[SubmissionResult]) -> dict[tuple[str, str], tuple[str, str]]:
    """``(student as written, ps) -> (results folder, ps)``: by results folder name and by display id."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for r in results:
        out.setdefault(key(r), key(r))
        out.setdefault((r.student, r.assignment), key(r))
    return out


def _decide(result: SubmissionResult, decision: RequestDecision) -> tuple[SubmissionResult, str]:
    """``(result with decision applied, "")`` or ``(result, why not)``."""
    if not decision.cell:
        return (result, "an accepted request needs a cell") if decision.accepted else (
            _with_request(result, decision), "")
    test = next((t for t in result.tests if t.name == decision.cell), None)
    if test is None:
        return result, f"{result.assignment} has no graded cell {decision.cell!r}"
    if not decision.accepted:
        return _with_request(result, decision), ""
    points = known(decision.points, "an accepted decision has points (read_decisions)")
    if test.manual:
        return result, "an answer graded by hand: give its points in formgrader (then run with --gradebook)"
    if points > test.max_score + SAME:
        return result, f"{fmt_points(points)} points is more than the cell's {fmt_points(test.max_score)}"
    decision = dataclasses.replace(decision, graded=test.score)
    tests = [dataclasses.replace(t, score=points, passed=points >= t.max_score - SAME) if t is test else t
             for t in result.tests]
    result = dataclasses.replace(result, tests=tests, score=float(sum(t.earned for t in tests)), late=None)
    return _with_request(result, decision), ""


def _with_request(result: SubmissionResult, decision: RequestDecision) -> SubmissionResult:
    record = result.regrade or Regrade()
    others = tuple(r for r in record.requests if r.cell != decision.cell or not decision.cell)
    return dataclasses.replace(result, regrade=dataclasses.replace(record, requests=others + (decision,)))


def apply_decisions(results: list[SubmissionResult], previous: Iterable[SubmissionResult],
                    decided: Iterable[Decided], run: RegradeRun) -> list[SubmissionResult]:
    """``results`` with the decisions applied: those of earlier runs (``previous``' records) that still hold, then
    the rows of the decisions file (which replace an earlier decision on the same cell)."""
    current = {key(r): _fresh(r) for r in results}
    for old in previous:
        new = current.get(key(old))
        for earlier in old.regrade.requests if old.regrade is not None and new is not None else ():
            new = known(new, "checked in the loop's condition")
            if earlier.code and earlier.code != _code(new, earlier.cell):
                run.not_applied.append(NotApplied(new.student, new.assignment, earlier.cell, "decided on an earlier "
                                                  "run, on code the student has changed since: decide it again"))
                continue
            new, why = _decide(new, dataclasses.replace(earlier, earlier=True))
            if why:
                run.not_applied.append(NotApplied(new.student, new.assignment, earlier.cell, why))
            else:
                run.carried += 1
            current[key(new)] = new
    index = _index(current.values())
    for row in decided:
        if not row.decision:
            run.undecided += 1
            continue
        found = index.get((row.student, row.assignment))
        if found is None:
            run.not_applied.append(NotApplied(row.student, row.assignment, row.cell,
                                              "no result of this student for this problem set", row.line))
            continue
        result = current[found]
        result, why = _decide(result, RequestDecision(row.cell, row.message, row.decision, row.points, row.reply,
                                                      _code(result, row.cell)))
        if why:
            run.not_applied.append(NotApplied(row.student, row.assignment, row.cell, why, row.line))
        else:
            run.applied += 1
        current[found] = result
    return [current[key(r)] for r in results]


def _recorded(result: SubmissionResult, old: SubmissionResult | None, keep_higher: bool,
              moved: changes_model.SetChange | None) -> SubmissionResult:
    requests = result.regrade.requests if result.regrade is not None else ()
    record = Regrade(previous_score=old.score if old is not None else None,
                     previous_max=old.max_score if old is not None else None, keep_higher=keep_higher,
                     changes=moved.cells if moved is not None else (), late=moved.late if moved is not None else "",
                     total=moved.total if moved is not None else "", requests=requests)
    return dataclasses.replace(result, regrade=record)


def regrade_step(results_dir: StrPath, results: list[SubmissionResult], previous: Previous, *, keep_higher: bool,
                 decided: Iterable[Decided] = (), deadlines: Deadlines | None = None,
                 options: Mapping[str, Any] | None = None) -> tuple[list[SubmissionResult], RegradeRun]:
    """``(results, what was done)``: the new run's ``results`` (read from ``results_dir``) set against
    ``previous`` and written back (see the module docstring)."""
    results_dir = Path(results_dir)
    run = RegradeRun(Comparison())
    complete = [r for r in results if r.complete]
    decided_results = apply_decisions(complete, previous.results, decided, run)
    decided_results, _ = apply_all(decided_results, deadlines)
    run.comparison = compare(previous.results, decided_results, keep_higher)
    earlier = {key(r): r for r in previous.results}
    moved = {(c.folder, c.assignment): c for c in run.comparison.changes}
    recorded = [_recorded(r, earlier.get(key(r)), keep_higher, moved.get(key(r))) for r in decided_results]
    final, _ = apply_all(recorded, deadlines)
    by_path: dict[Path | None, SubmissionResult] = {}
    for r in final:
        if r.graded_with is not None:
            r = dataclasses.replace(r, graded_with=r.graded_with.sealed(r.autograded_scores))
        write_results(known(r.path, "read from its results.json"), r)
        by_path[r.path] = r
        if r.regrade is not None and r.regrade.kept:
            run.kept.append(key(r))
    write_grades_csv(results_dir)
    write_changes_csv(results_dir / CHANGES_FILE, run.comparison)
    run.record = _record(previous, run, keep_higher, options or {})
    write_json_atomic(results_dir / REGRADE_FILE, run.record)
    return [by_path.get(r.path, r) for r in results], run


def write_changes_csv(path: StrPath, comparison: Comparison) -> Path:
    """changes.csv: one row per graded cell whose points moved, and per late penalty that moved (formula-safe)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CHANGES_COLUMNS)
    for change in comparison.changes:
        who = [csv_cell(change.student), csv_cell(change.assignment)]
        for c in change.cells:
            writer.writerow(who + [csv_cell(c.cell), "" if c.old is None else fmt_points(c.old, 4),
                                   "" if c.new is None else fmt_points(c.new, 4),
                                   csv_cell(changes_model.why(c.reasons, False, change.old, change.new, c.cell)),
                                   " ".join(c.reasons)])
        if change.late:
            old = change.old.late.penalty if change.old.late is not None else 0.0
            new = change.new.late.penalty if change.new.late is not None else 0.0
            writer.writerow(who + [LATE_CELL, fmt_points(-old, 4), fmt_points(-new, 4), csv_cell(change.late), "late"])
        if change.total:
            writer.writerow(who + [TOTAL_CELL, fmt_points(change.old.score, 4), fmt_points(change.new.score, 4),
                                   csv_cell(change.total), "total"])
    return write_atomic(path, buf.getvalue())


def _record(previous: Previous, run: RegradeRun, keep_higher: bool, options: Mapping[str, Any]) -> dict[str, Any]:
    """regrade.json: the run, so that a regrade can be accounted for later."""
    found = run.comparison
    return {
        "version": 1,
        "previous": str(previous.folder.resolve()),
        "previous_results": len(previous.results),
        "previous_fingerprint": previous.fingerprint,
        "previous_graders": previous.graders,
        "previous_incomplete": previous.incomplete,
        "grader": grader_version(),
        "course": previous.course,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {"keep_higher": keep_higher, **dict(options)},
        "changed_cells": found.cells,
        "changed_submissions": [f"{folder}/{ps}" for folder, ps in ((c.folder, c.assignment) for c in found.changes)],
        "kept_higher": [f"{folder}/{ps}" for folder, ps in run.kept],
        "graded_as_new": [f"{folder}/{ps}" for folder, ps in found.new],
        "not_graded_again": [f"{folder}/{ps}" for folder, ps in found.gone],
        "hand_grades_not_read": [f"{folder}/{ps}/{cell}" for folder, ps, cell in found.hand_grades_missing],
        "requests": {"applied": run.applied, "carried_forward": run.carried, "undecided": run.undecided,
                     "not_applied": [{"student": n.student, "problem_set": n.assignment, "cell": n.cell, "why": n.why,
                                      "line": n.line} for n in run.not_applied]},
    }


def lines(run: RegradeRun, previous: StrPath, results_dir: StrPath, page: bool = True) -> list[str]:
    """What the command prints about the step (``page``: changes.html was written too)."""
    found = run.comparison
    out = [f"Regrade against {previous}: {found.cells} graded cell(s) moved in {len(found.changes)} submission(s)"
           f" ({Path(results_dir) / CHANGES_FILE}{', changes.html' if page else ''}); run recorded in "
           f"{Path(results_dir) / REGRADE_FILE}."]
    for change in found.changes:
        for c in change.cells:
            out.append(f"  {change.student} {change.assignment} {c.line()}")
        for text in (change.late, change.total):
            if text:
                out.append(f"  {change.student} {change.assignment} {text}")
    if run.kept:
        out.append(f"Kept the earlier total (--keep-higher) of {len(run.kept)} submission(s): "
                   + ", ".join(f"{f}/{ps}" for f, ps in run.kept[:10]) + (" …" if len(run.kept) > 10 else ""))
    if found.new:
        out.append(f"Graded as new (no earlier result): {len(found.new)}: "
                   + ", ".join(f"{f}/{ps}" for f, ps in found.new[:10]) + (" …" if len(found.new) > 10 else ""))
    if found.gone:
        out.append(f"Not graded in this run (an earlier result, kept only in {previous}): {len(found.gone)}")
    if found.hand_grades_missing:
        out.append(f"warning: {len(found.hand_grades_missing)} answer(s) graded by hand earlier await grading here: "
                   "run with --gradebook to bring the hand grades in")
    if run.applied or run.carried or run.undecided:
        out.append(f"Regrade requests: {run.applied} decision(s) applied, {run.carried} carried forward from earlier "
                   f"runs, {run.undecided} undecided.")
    for n in run.not_applied:
        where = f"line {n.line}: " if n.line is not None else ""
        out.append(f"warning: decision not applied: {where}{n.student} {n.assignment} {n.cell or '(no cell)'}: {n.why}")
    return out


__all__ = ["CHANGES_COLUMNS", "NotApplied", "RegradeRun", "apply_decisions", "lines", "regrade_step",
           "write_changes_csv"]
